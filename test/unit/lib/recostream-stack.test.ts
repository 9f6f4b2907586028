/**
 * The stack is what operators deploy and what the local runtime reads: these tests pin its outputs (the
 * names and URLs a user needs after `cdk deploy`), its protection, its shared rotating key, and that it stays
 * environment-agnostic with generated physical names.
 */
import { Token } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { logicalIdOf, synthApp } from './helpers';

const { stack, dataStack, template } = synthApp();

describe('RecoStream stack', () => {
  it('has termination protection', () => {
    expect(stack.terminationProtection).toBe(true);
  });

  it('is environment-agnostic', () => {
    expect([Token.isUnresolved(stack.account), Token.isUnresolved(stack.region)]).toEqual([true, true]);
  });

  it('encrypts every store with one customer-managed key that rotates', () => {
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('encrypts every log group with that key (issue 13: 15 had none), with and without the opt-ins', () => {
    const keyArn = { 'Fn::GetAtt': [logicalIdOf(dataStack.node.findChild('DataKey')), 'Arn'] };
    for (const { template: t } of [
      { template },
      synthApp({ waf: 'true', pseudonymizeLakeUserIds: 'true' }),
    ]) {
      const groups = Object.entries(t.findResources('AWS::Logs::LogGroup'));
      expect(groups.length).toBeGreaterThan(15);
      const unencrypted = groups.filter(
        ([, g]) => JSON.stringify(g.Properties.KmsKeyId) !== JSON.stringify(keyArn),
      );
      expect(unencrypted.map(([id]) => id)).toEqual([]);
    }
  });

  it("lets CloudWatch Logs use the key only for this account's and region's log groups", () => {
    const statements = template.toJSON().Resources[logicalIdOf(dataStack.node.findChild('DataKey'))]
      .Properties.KeyPolicy.Statement as Array<{ Principal?: { Service?: unknown }; Condition?: unknown }>;
    const forLogs = statements.filter((st) => JSON.stringify(st.Principal?.Service ?? '').includes('logs.'));
    expect(forLogs).toHaveLength(1);
    expect(forLogs[0]?.Condition).toEqual({
      ArnLike: {
        'kms:EncryptionContext:aws:logs:arn': {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':logs:',
              { Ref: 'AWS::Region' },
              ':',
              { Ref: 'AWS::AccountId' },
              ':log-group:*',
            ],
          ],
        },
      },
    });
  });

  it('lets no role list the lake bucket beyond the prefixes it works on (s3:prefix), except Firehose delivery', () => {
    const lake = logicalIdOf(dataStack.lake.bucket);
    const firehose = logicalIdOf(stack.dataLake.deliveryRole);
    const unscoped: string[] = [];
    for (const [id, policy] of Object.entries(template.findResources('AWS::IAM::Policy'))) {
      // Firehose's documented destination policy lists the bucket it delivers to (ListBucket, no prefix).
      if (JSON.stringify(policy.Properties.Roles).includes(`"${firehose}"`)) continue;
      for (const st of policy.Properties.PolicyDocument.Statement as Array<Record<string, unknown>>) {
        const lists = [st.Action].flat().filter((a) => /^s3:(List|\*)/.test(String(a)));
        const onLake = [st.Resource]
          .flat()
          .some((r) => JSON.stringify(r) === JSON.stringify({ 'Fn::GetAtt': [lake, 'Arn'] }));
        const prefixed = JSON.stringify(st.Condition ?? {}).includes('"s3:prefix"');
        if (lists.length > 0 && onLake && !prefixed) unscoped.push(`${id}: ${lists.join(',')}`);
      }
    }
    expect(unscoped).toEqual([]);
  });

  it.each([
    ['ApiUrl', () => Match.objectLike({ 'Fn::Join': Match.anyValue() })],
    ['EventsStreamName', () => ({ Ref: logicalIdOf(stack.ingestion.stream) })],
    ['ProfilesTableName', () => ({ Ref: logicalIdOf(stack.featureStore.profilesTable) })],
    ['ItemStatsTableName', () => ({ Ref: logicalIdOf(stack.featureStore.itemStatsTable) })],
    ['WriteKeysTableName', () => ({ Ref: logicalIdOf(stack.ingestion.writeKeysTable) })],
    ['LakeBucketName', () => ({ Ref: logicalIdOf(dataStack.lake.bucket) })],
    ['DeadLetterQueueUrl', () => ({ Ref: logicalIdOf(stack.featureStore.deadLetterQueue) })],
    ['FailedBatchesBucketName', () => ({ Ref: logicalIdOf(stack.featureStore.failedBatchesBucket) })],
    ['AlarmTopicArn', () => ({ Ref: logicalIdOf(stack.alarmTopic) })],
    ['RecommendationApiUrl', () => Match.objectLike({ 'Fn::Join': Match.anyValue() })],
    ['RecommendationApiKeyId', () => ({ Ref: logicalIdOf(stack.recommendationApi.apiKey) })],
  ])('outputs %s', (name, value) => {
    template.hasOutput(name, { Value: value() });
  });

  it('has no outputs beyond the documented ones', () => {
    expect(Object.keys(template.toJSON().Outputs).sort()).toEqual(
      [
        'AlarmTopicArn',
        'ApiUrl',
        'AthenaWorkGroupName',
        'CfStateMachineArn',
        'JobRunsTableName',
        'SimilaritiesTableName',
        'TrendingStateMachineArn',
        'TrendingTableName',
        'DeadLetterQueueUrl',
        'DeliveryStreamName',
        'EventsStreamName',
        'FailedBatchesBucketName',
        'GlueDatabaseName',
        'ImpressionDeadLetterQueueUrl',
        'ItemStatsTableName',
        'ItemsTableName',
        'LakeBucketName',
        'ProfilesTableName',
        'RecommendationApiKeyId',
        'RecommendationApiUrl',
        'WriteKeysTableName',
      ].sort(),
    );
  });

  it('protects every DynamoDB table from deletion and retains it with the stack', () => {
    const tables = Object.entries(template.findResources('AWS::DynamoDB::Table'));
    expect(tables.length).toBeGreaterThanOrEqual(8);
    for (const [id, table] of tables) {
      expect([id, table.Properties.DeletionProtectionEnabled, table.DeletionPolicy]).toEqual([
        id,
        true,
        'Retain',
      ]);
    }
  });

  it('hard-codes no physical names of streams, tables, buckets, queues or functions', () => {
    const named: Record<string, string> = {
      'AWS::Kinesis::Stream': 'Name',
      'AWS::DynamoDB::Table': 'TableName',
      'AWS::S3::Bucket': 'BucketName',
      'AWS::SQS::Queue': 'QueueName',
      'AWS::Lambda::Function': 'FunctionName',
      'AWS::Logs::LogGroup': 'LogGroupName',
    };
    const offenders = Object.entries(
      template.toJSON().Resources as Record<string, { Type: string; Properties?: object }>,
    )
      .filter(
        ([, r]) =>
          named[r.Type] &&
          (r.Properties as Record<string, unknown> | undefined)?.[named[r.Type]] !== undefined,
      )
      .map(([id]) => id);
    expect(offenders).toEqual([]);
  });
});
