/**
 * The split of issue 15 item 5: every resource that holds data (or the key to it) is in RecoStreamData, which
 * has termination protection, keeps the logical ids the single RecoStream stack had (docs/migration.md names
 * them for the refactor / import), refers to nothing in the app stack, and is deployed first.
 */
import { lakePurgeRoleName } from '../../../lib/lake-purge';
import { synthApp } from './helpers';

const STATEFUL_TYPES = [
  'AWS::KMS::Key',
  'AWS::Kinesis::Stream',
  'AWS::S3::Bucket',
  'AWS::DynamoDB::Table',
  'AWS::SQS::Queue',
  'AWS::SecretsManager::Secret',
];

/** The logical ids of docs/migration.md's table, as the single stack had them. */
const MIGRATED_IDS = [
  'DataKey17AFBB84',
  'IngestionEventsStreamC15D9B91',
  'LakeStorageBucket5B470899',
  'LakeStorageAccessLogsBucket67982589',
  'DataLakeResultsBucketB8A7606A',
  'FeatureStoreFailedBatchesBucketCEB0574D',
  'FeatureStoreDeadLetterQueueE0CDF8E3',
  'IngestionWriteKeysTable86D2EBB0',
  'FeatureStoreProfilesTable9E8C6F63',
  'FeatureStoreItemStatsTableB2E96120',
  'FeatureStoreConsumerProgressTable50D6ABC9',
  'BatchJobsSimilaritiesTable508729B6',
  'BatchJobsTrendingTableB53F3656',
  'BatchJobsJobRunsTable35C0CEAC',
  'ItemCatalogueItemsTableAEC23185',
  'UserDeletionDeletionRequestsTableF166A557',
  'FreshnessCanaryWriteKey72396751',
  'FreshnessCanaryApiKeySecretE2D54EF5',
];

/** Stateful resources added after the split: new in the data stack, nothing to migrate. */
const ADDED_IDS = ['RecommendationApiImpressionDeadLetterQueueD78A49EF'];

describe.each([
  ['default', {}],
  ['with the opt-ins (pseudonymizeLakeUserIds, waf)', { pseudonymizeLakeUserIds: 'true', waf: 'true' }],
])('the stateful resources, %s', (_name, context) => {
  const { stack, dataStack, appTemplate, dataTemplate } = synthApp(context);

  it.each(STATEFUL_TYPES)('puts every %s in the data stack and none in the app stack', (type) => {
    expect(Object.keys(dataTemplate.findResources(type)).length).toBeGreaterThan(0);
    expect(Object.keys(appTemplate.findResources(type))).toEqual([]);
  });

  it('keeps the logical ids of the single stack (docs/migration.md)', () => {
    const ids = Object.keys(dataTemplate.toJSON().Resources);
    expect(ids).toEqual(expect.arrayContaining(MIGRATED_IDS));
    const stateful = ids.filter((id) => STATEFUL_TYPES.includes(dataTemplate.toJSON().Resources[id].Type));
    const extra = 'pseudonymizeLakeUserIds' in context ? ['DataLakePseudonymKeyBB9AFA95'] : [];
    expect(stateful.sort()).toEqual([...MIGRATED_IDS, ...ADDED_IDS, ...extra].sort());
  });

  it('has termination protection', () => {
    expect(dataStack.terminationProtection).toBe(true);
  });

  it('refers to nothing in the app stack, which depends on it (cdk deploy --all deploys it first)', () => {
    expect(JSON.stringify(dataTemplate.toJSON())).not.toContain('Fn::ImportValue');
    expect(dataStack.dependencies).toEqual([]);
    expect(stack.dependencies).toEqual([dataStack]);
  });

  it('retains the key and every table, bucket, stream and queue when its stack goes', () => {
    // The canary's secrets are generated and replaceable (as in the single stack); the pseudonym key is not.
    for (const type of STATEFUL_TYPES.filter((t) => t !== 'AWS::SecretsManager::Secret')) {
      for (const [id, resource] of Object.entries(dataTemplate.findResources(type))) {
        expect([id, resource.DeletionPolicy]).toEqual([id, 'Retain']);
      }
    }
    const pseudonymKey = dataTemplate.toJSON().Resources.DataLakePseudonymKeyBB9AFA95;
    if (pseudonymKey) expect(pseudonymKey.DeletionPolicy).toBe('Retain');
  });

  it('outputs the names of the stateful resources itself, and the app stack re-exports none (cfn-lint W6001)', () => {
    dataTemplate.hasOutput('ProfilesTableName', { Value: { Ref: 'FeatureStoreProfilesTable9E8C6F63' } });
    dataTemplate.hasOutput('LakeBucketName', { Value: { Ref: 'LakeStorageBucket5B470899' } });
    const appOutputs = Object.values(appTemplate.toJSON().Outputs ?? {});
    expect(appOutputs.length).toBeGreaterThan(0);
    expect(JSON.stringify(appOutputs)).not.toContain('Fn::ImportValue');
  });

  it('names the lake purge role, the one reader of delivery errors, by its fixed name', () => {
    expect(JSON.stringify(dataTemplate.toJSON())).toContain(`:role/${lakePurgeRoleName(stack.stackName)}`);
  });
});
