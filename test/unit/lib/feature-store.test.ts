/**
 * The feature store's correctness depends on how Lambda reads the stream: partial batch responses, bisect on
 * error, bounded retries and record age, an on-failure destination that keeps the whole batch, and exactly
 * one concurrent batch per shard (the consumer's exactly-once item statistics rely on per-shard order).
 * These tests pin those settings, the validation that guards the ordering assumption, the retry horizon
 * handed to the consumer, and the durability of the tables and of both dead-letter destinations.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Stream } from 'aws-cdk-lib/aws-kinesis';
import { Key } from 'aws-cdk-lib/aws-kms';
import { createFeatureStores, FeatureStore, type FeatureStoreProps } from '../../../lib/feature-store';
import { logicalIdOf, synthApp, testApp } from './helpers';

const { stack, dataStack, template } = synthApp();
const store = stack.featureStore;
const keyArn = { 'Fn::GetAtt': [logicalIdOf(dataStack.node.findChild('DataKey')), 'Arn'] };

/** Every `action resource` pair the consumer's role is granted. */
function consumerGrants(): string[] {
  const policies = template.findResources('AWS::IAM::Policy', {
    Properties: { Roles: [{ Ref: logicalIdOf(store.consumerFunction.role!) }] },
  });
  return Object.values(policies)
    .flatMap((p) => p.Properties.PolicyDocument.Statement)
    .flatMap((s: { Action: string | string[]; Resource: unknown }) =>
      [s.Action]
        .flat()
        .flatMap((action) => [s.Resource].flat().map((resource) => `${action} ${JSON.stringify(resource)}`)),
    );
}

function featureStoreAlone(props: Partial<FeatureStoreProps>): Template {
  const alone = new Stack(testApp(), 'Alone');
  const stores = createFeatureStores(alone, { encryptionKey: new Key(alone, 'Key') });
  new FeatureStore(alone, 'FeatureStore', { stream: new Stream(alone, 'Stream'), stores, ...props });
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

  it('sends whole batches that exhaust their retries to the failed-batches bucket', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [logicalIdOf(store.failedBatchesBucket), 'Arn'] } },
      },
    });
  });

  it('refuses a parallelization factor above 1, explaining why', () => {
    expect(() => featureStoreAlone({ parallelizationFactor: 2 })).toThrow(
      /parallelizationFactor must be 1, got 2: .*per-shard ordering.*allowParallelization/,
    );
  });

  it('accepts a parallelization factor above 1 when allowParallelization documents the trade-off', () => {
    featureStoreAlone({
      parallelizationFactor: 4,
      allowParallelization: true,
      itemStatsWindow: Duration.seconds(0),
    }).hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      ParallelizationFactor: 4,
      TumblingWindowInSeconds: Match.absent(),
    });
  });

  it('sums item statistics in a 60 s tumbling window by default', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { TumblingWindowInSeconds: 60 });
    featureStoreAlone({ itemStatsWindow: Duration.minutes(15) }).hasResourceProperties(
      'AWS::Lambda::EventSourceMapping',
      { TumblingWindowInSeconds: 900 },
    );
  });

  it('refuses a tumbling window past 15 minutes, or with more than one batch per shard', () => {
    expect(() => featureStoreAlone({ itemStatsWindow: Duration.minutes(16) })).toThrow(
      /itemStatsWindow must be whole seconds from 0 to 900, got 960/,
    );
    expect(() => featureStoreAlone({ parallelizationFactor: 2, allowParallelization: true })).toThrow(
      /itemStatsWindow needs parallelizationFactor 1 \(the window state is per shard\), got 2/,
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
          DeletionProtectionEnabled: true,
        },
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
    },
  );

  it('keeps the consumer progress per shard in a protected, encrypted table', () => {
    expect(template.toJSON().Resources[logicalIdOf(store.progressTable)]).toMatchObject({
      Properties: {
        KeySchema: [{ AttributeName: 'shardId', KeyType: 'HASH' }],
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: keyArn },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
      },
      DeletionPolicy: 'Retain',
    });
  });
});

describe('failed-batches bucket (the on-failure destination)', () => {
  const bucket = () => template.toJSON().Resources[logicalIdOf(store.failedBatchesBucket)];

  it('is encrypted with the app key, private, TLS-only and logged', () => {
    expect(bucket()).toMatchObject({
      Properties: {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            { ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn } },
          ],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        LoggingConfiguration: {
          DestinationBucketName: { Ref: logicalIdOf(dataStack.lake.accessLogsBucket) },
          LogFilePrefix: 'failed-batches/',
        },
      },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logicalIdOf(store.failedBatchesBucket) },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('keeps failed batches 7 days by default, and survives the deletion of the stack', () => {
    expect(bucket()).toMatchObject({
      Properties: {
        LifecycleConfiguration: { Rules: [{ ExpirationInDays: 7, Status: 'Enabled' }] },
      },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('takes the retention as a prop and refuses less than 7 days', () => {
    const storesAlone = (failedBatchRetention: Duration) => {
      const alone = new Stack(testApp(), 'Alone');
      createFeatureStores(alone, { encryptionKey: new Key(alone, 'Key'), failedBatchRetention });
      return Template.fromStack(alone);
    };
    storesAlone(Duration.days(30)).hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 30 })] },
    });
    expect(() => storesAlone(Duration.days(3))).toThrow(
      /failed-batch retention must be a whole number of days >= 7, got 3/,
    );
  });

  it('lets the consumer put objects and list the bucket, and nothing else there', () => {
    const bucketArn = JSON.stringify({ 'Fn::GetAtt': [logicalIdOf(store.failedBatchesBucket), 'Arn'] });
    const onBucket = consumerGrants().filter((g) => g.includes(bucketArn));
    expect(onBucket.map((g) => g.split(' ')[0]).sort()).toEqual(
      [
        's3:Abort*',
        's3:ListBucket',
        's3:PutObject',
        's3:PutObjectLegalHold',
        's3:PutObjectRetention',
        's3:PutObjectTagging',
        's3:PutObjectVersionTagging',
      ].sort(),
    );
  });
});

describe('dead-letter queue', () => {
  it('is CMK-encrypted, keeps messages 14 days and survives the deletion of the stack', () => {
    expect(template.toJSON().Resources[logicalIdOf(store.deadLetterQueue)]).toMatchObject({
      Properties: { KmsMasterKeyId: keyArn, MessageRetentionPeriod: 1209600 },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
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
  it('gets 1024 MB, 60 s, reserved concurrency, its tables, the DLQ and the tuning defaults', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: 1024,
      Timeout: 60,
      ReservedConcurrentExecutions: 20,
      Environment: {
        Variables: Match.objectLike({
          PROFILES_TABLE_NAME: { Ref: logicalIdOf(store.profilesTable) },
          ITEM_STATS_TABLE_NAME: { Ref: logicalIdOf(store.itemStatsTable) },
          CONSUMER_PROGRESS_TABLE_NAME: { Ref: logicalIdOf(store.progressTable) },
          DLQ_URL: { Ref: logicalIdOf(store.deadLetterQueue) },
          AFFINITY_HALF_LIFE_DAYS: '14',
          PROFILE_TTL_DAYS: '400',
          ITEM_BUCKET_TTL_DAYS: '8',
          RECENT_INTERACTIONS_LIMIT: '50',
          DEDUP_HORIZON_MINUTES: '1440',
          LEDGER_MAX_ENTRIES: '4096',
          // max(min(stream retention 24 h, max record age 6 h), horizon 24 h) + 1 h
          WATERMARK_RETENTION_SECONDS: String(25 * 3600),
        }),
      },
    });
  });

  it('hands the retry horizon, the ledger cap and the reserved concurrency from its props to the consumer', () => {
    featureStoreAlone({
      dedupHorizon: Duration.hours(48),
      ledgerMaxEntries: 8000,
      reservedConcurrency: 50,
      streamRetention: Duration.days(7),
      maxRecordAge: Duration.days(3),
    }).hasResourceProperties('AWS::Lambda::Function', {
      ReservedConcurrentExecutions: 50,
      Environment: {
        Variables: Match.objectLike({
          DEDUP_HORIZON_MINUTES: '2880',
          LEDGER_MAX_ENTRIES: '8000',
          WATERMARK_RETENTION_SECONDS: String(3 * 24 * 3600 + 3600),
        }),
      },
    });
  });

  it.each([
    [
      { dedupHorizon: Duration.seconds(30) },
      /dedupHorizon must be a whole number of minutes from 1 to 10080/,
    ],
    [{ dedupHorizon: Duration.days(8) }, /dedupHorizon must be .* got 11520/],
    [{ ledgerMaxEntries: 20_000 }, /ledgerMaxEntries must be at most 10000/],
    [{ reservedConcurrency: 0 }, /reservedConcurrency must be a positive integer, got 0/],
  ])('refuses %j', (props, message) => {
    expect(() => featureStoreAlone(props)).toThrow(message);
  });

  it('may write both tables and send to the DLQ', () => {
    const grants = consumerGrants();
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
          QUARANTINE_BUCKET_NAME: { Ref: logicalIdOf(dataStack.lake.bucket) },
          QUARANTINE_PREFIX: 'quarantine/',
          DLQ_URL: Match.anyValue(),
        }),
      },
    });
  });

  it('lets the consumer write the lake only under the quarantine prefix', () => {
    const lakeArn = JSON.stringify({ 'Fn::GetAtt': [logicalIdOf(dataStack.lake.bucket), 'Arn'] });
    const onLake = consumerGrants().filter((g) => g.includes(lakeArn));
    expect(onLake).toContain(
      `s3:PutObject ${JSON.stringify({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalIdOf(dataStack.lake.bucket), 'Arn'] }, '/quarantine/*']] })}`,
    );
    for (const grant of onLake) expect(grant).toContain('/quarantine/*');
  });
});
