/**
 * The feature store's correctness depends on how Lambda reads the stream: partial batch responses, bisect on
 * error, bounded retries and record age, an on-failure destination, and exactly one concurrent batch per
 * shard (the consumer's exactly-once item statistics rely on per-shard order). These tests pin those
 * settings, the validation that guards the ordering assumption, and the tables' durability settings.
 */
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Stream } from 'aws-cdk-lib/aws-kinesis';
import { FeatureStore, type FeatureStoreProps } from '../../../lib/feature-store';
import { logicalIdOf, synthApp, testApp } from './helpers';

const { stack, template } = synthApp();
const store = stack.featureStore;
const keyArn = { 'Fn::GetAtt': [logicalIdOf(stack.node.findChild('DataKey')), 'Arn'] };

function featureStoreAlone(props: Partial<FeatureStoreProps>): Template {
  const alone = new Stack(testApp(), 'Alone');
  new FeatureStore(alone, 'FeatureStore', { stream: new Stream(alone, 'Stream'), ...props });
  return Template.fromStack(alone);
}

describe('event source mapping', () => {
  it('reads the events stream into the consumer from the trim horizon', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [logicalIdOf(stack.ingestion.stream), 'Arn'] },
      FunctionName: { Ref: logicalIdOf(store.consumerFunction) },
      StartingPosition: 'TRIM_HORIZON',
    });
  });

  it('uses the production batching, retry and failure settings', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 500,
      MaximumBatchingWindowInSeconds: 1,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      MaximumRetryAttempts: 10,
      MaximumRecordAgeInSeconds: 21600,
      ParallelizationFactor: 1,
    });
  });

  it('sends records that exhaust their retries to the dead-letter queue', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [logicalIdOf(store.deadLetterQueue), 'Arn'] } },
      },
    });
  });

  it('refuses a parallelization factor above 1, explaining why', () => {
    expect(() => featureStoreAlone({ parallelizationFactor: 2 })).toThrow(
      /parallelizationFactor must be 1, got 2: .*per-shard ordering.*allowParallelization/,
    );
  });

  it('accepts a parallelization factor above 1 when allowParallelization documents the trade-off', () => {
    featureStoreAlone({ parallelizationFactor: 4, allowParallelization: true }).hasResourceProperties(
      'AWS::Lambda::EventSourceMapping',
      { ParallelizationFactor: 4 },
    );
  });
});

describe('tables', () => {
  it.each([
    ['Profiles', () => store.profilesTable, [{ AttributeName: 'userId', KeyType: 'HASH' }]],
    [
      'ItemStats',
      () => store.itemStatsTable,
      [
        { AttributeName: 'itemId', KeyType: 'HASH' },
        { AttributeName: 'bucket', KeyType: 'RANGE' },
      ],
    ],
  ])(
    '%s has its key schema, CMK encryption, PITR, TTL on expiresAt and on-demand billing',
    (_name, table, keys) => {
      expect(template.toJSON().Resources[logicalIdOf(table())]).toMatchObject({
        Type: 'AWS::DynamoDB::Table',
        Properties: {
          KeySchema: keys,
          SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: keyArn },
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
          BillingMode: 'PAY_PER_REQUEST',
        },
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
    },
  );
});

describe('dead-letter queue', () => {
  it('is CMK-encrypted and keeps messages 14 days', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      KmsMasterKeyId: keyArn,
      MessageRetentionPeriod: 1209600,
    });
  });

  it('refuses plain-HTTP access', () => {
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });
});

describe('consumer function', () => {
  it('gets 1024 MB, 60 s, its tables, the DLQ and the tuning defaults', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: 1024,
      Timeout: 60,
      Environment: {
        Variables: Match.objectLike({
          PROFILES_TABLE_NAME: { Ref: logicalIdOf(store.profilesTable) },
          ITEM_STATS_TABLE_NAME: { Ref: logicalIdOf(store.itemStatsTable) },
          DLQ_URL: { Ref: logicalIdOf(store.deadLetterQueue) },
          AFFINITY_HALF_LIFE_DAYS: '14',
          PROFILE_TTL_DAYS: '400',
          ITEM_BUCKET_TTL_DAYS: '8',
          RECENT_INTERACTIONS_LIMIT: '50',
        }),
      },
    });
  });

  it('may write both tables and send to the DLQ', () => {
    const policies = template.findResources('AWS::IAM::Policy', {
      Properties: { Roles: [{ Ref: logicalIdOf(store.consumerFunction.role!) }] },
    });
    const grants = Object.values(policies)
      .flatMap((p) => p.Properties.PolicyDocument.Statement)
      .flatMap((s: { Action: string | string[]; Resource: unknown }) =>
        [s.Action]
          .flat()
          .flatMap((action) =>
            [s.Resource].flat().map((resource) => `${action} ${JSON.stringify(resource)}`),
          ),
      );
    expect(grants).toEqual(
      expect.arrayContaining([
        `dynamodb:PutItem ${JSON.stringify({ 'Fn::GetAtt': [logicalIdOf(store.profilesTable), 'Arn'] })}`,
        `dynamodb:UpdateItem ${JSON.stringify({ 'Fn::GetAtt': [logicalIdOf(store.itemStatsTable), 'Arn'] })}`,
        `sqs:SendMessage ${JSON.stringify({ 'Fn::GetAtt': [logicalIdOf(store.deadLetterQueue), 'Arn'] })}`,
      ]),
    );
  });
});

describe('quarantine copy of dead-lettered records', () => {
  it('tells the consumer where the lake quarantine is', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          QUARANTINE_BUCKET_NAME: { Ref: logicalIdOf(stack.lake.bucket) },
          QUARANTINE_PREFIX: 'quarantine/',
          DLQ_URL: Match.anyValue(),
        }),
      },
    });
  });

  it('lets the consumer write only under the quarantine prefix', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('FeatureStoreConsumerFunction') }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: Match.arrayWith(['s3:PutObject']),
            Resource: {
              'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalIdOf(stack.lake.bucket), 'Arn'] }, '/quarantine/*']],
            },
          }),
        ]),
      },
    });
  });
});
