import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { type IStream, StreamMode } from 'aws-cdk-lib/aws-kinesis';
import { type IKey, Key } from 'aws-cdk-lib/aws-kms';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { createPublishedTables, type PublishedTableRefs } from './batch-jobs/published-tables';
import { createAthenaResultsBucket } from './data-lake/athena-workgroup';
import { createPseudonymKey } from './data-lake/firehose-delivery';
import { createFeatureStores, type FeatureStores } from './feature-store/feature-stores';
import { type CanarySecrets, createCanarySecrets } from './freshness-canary';
import { createEventStores } from './ingestion/event-stores';
import { LakeStorage } from './lake-storage';
import { denyGrantsExceptForAwsResources } from './private/key-grants';
import { protectedTable } from './private/protected-table';
import { createImpressionDeadLetterQueue } from './recommendation-api';

export interface RecoStreamDataStackProps extends StackProps {
  /** @default 'ON_DEMAND' */
  readonly streamMode?: 'ON_DEMAND' | 'PROVISIONED';
  /** Shards of a provisioned stream. @default 1 */
  readonly shardCount?: number;
  /** @default 24 */
  readonly streamRetentionHours?: number;
  /** Create the HMAC key of the lake's pseudonyms (the app stack then pseudonymises). @default false */
  readonly pseudonymizeLakeUserIds?: boolean;
  /**
   * Names of the roles (in the app stack, fixed at synth: `lakePurgeRoleName`) that alone may read Firehose's
   * error records in the lake bucket (`LakeStorage.restrictDeliveryErrorReads`).
   */
  readonly deliveryErrorReaderRoleNames: readonly string[];
}

/** Everything of the app that holds data or the key to it, as the app stack takes it (typed, by interface). */
export interface StatefulResources {
  /** One customer-managed key for every store and every log group of the app. */
  readonly key: IKey;
  readonly lakeBucket: IBucket;
  readonly accessLogsBucket: IBucket;
  readonly athenaResultsBucket: IBucket;
  readonly eventsStream: IStream;
  readonly writeKeysTable: ITable;
  readonly featureStores: FeatureStores;
  readonly publishedTables: PublishedTableRefs;
  readonly itemsTable: ITable;
  readonly deletionRequestsTable: ITable;
  readonly canarySecrets: CanarySecrets;
  /** Recommendation impressions whose put on the stream failed for good, with the reason. */
  readonly impressionDeadLetterQueue: IQueue;
  /** Only with `pseudonymizeLakeUserIds`. */
  readonly pseudonymKey?: ISecret;
}

/**
 * RecoStreamData: the stateful resources (key, stream, buckets, dead-letter queues, tables, secrets), in a
 * stack of their own with termination protection, so the app stack (functions, APIs, state machines, alarms)
 * can be replaced, rolled back or deleted without a risk to the data (the CDK best-practice guide's advice).
 *
 * Each resource is created under a scope named after the construct that used to create it in the single
 * `RecoStream` stack (`Ingestion`, `FeatureStore`, ...), so its logical id is the same as before: an existing
 * deployment moves its resources here with a stack refactor or a resource import (docs/migration.md).
 * The app stack reads them through CloudFormation exports; every grant is on the identity side (the app's
 * roles), so nothing in this stack refers back to the app stack.
 */
export class RecoStreamDataStack extends Stack {
  public readonly resources: StatefulResources;
  /** The lake bucket and its access-log bucket. */
  public readonly lake: LakeStorage;

  constructor(scope: Construct, id: string, props: RecoStreamDataStackProps) {
    super(scope, id, { ...props, terminationProtection: true });

    // One customer-managed key for every store: they hold the same data (user behaviour events), and
    // access is still granted per resource through IAM.
    const key = new Key(this, 'DataKey', { enableKeyRotation: true, description: 'RecoStream data at rest' });
    denyGrantsExceptForAwsResources(key);

    this.lake = new LakeStorage(this, 'LakeStorage', { encryptionKey: key });
    this.lake.restrictDeliveryErrorReads(
      props.deliveryErrorReaderRoleNames.map((name) =>
        this.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: name }),
      ),
    );

    const retentionHours = props.streamRetentionHours ?? 24;
    const events = createEventStores(new Construct(this, 'Ingestion'), {
      encryptionKey: key,
      streamMode: props.streamMode === 'PROVISIONED' ? StreamMode.PROVISIONED : StreamMode.ON_DEMAND,
      shardCount: props.shardCount,
      streamRetention: Duration.hours(retentionHours),
    });
    const featureStores = createFeatureStores(new Construct(this, 'FeatureStore'), {
      encryptionKey: key,
      accessLogsBucket: this.lake.accessLogsBucket,
    });
    const dataLake = new Construct(this, 'DataLake');
    const athenaResultsBucket = createAthenaResultsBucket(dataLake, {
      key,
      accessLogsBucket: this.lake.accessLogsBucket,
    });
    const pseudonymKey = props.pseudonymizeLakeUserIds ? createPseudonymKey(dataLake, key) : undefined;

    this.resources = {
      key,
      lakeBucket: this.lake.bucket,
      accessLogsBucket: this.lake.accessLogsBucket,
      athenaResultsBucket,
      eventsStream: events.stream,
      writeKeysTable: events.writeKeysTable,
      featureStores,
      publishedTables: createPublishedTables(new Construct(this, 'BatchJobs'), key),
      // The catalogue and the deletion audit trail outlive the app stack.
      itemsTable: protectedTable(new Construct(this, 'ItemCatalogue'), 'ItemsTable', 'itemId', key),
      deletionRequestsTable: protectedTable(
        new Construct(this, 'UserDeletion'),
        'DeletionRequestsTable',
        'requestId',
        key,
      ),
      canarySecrets: createCanarySecrets(new Construct(this, 'FreshnessCanary'), key),
      impressionDeadLetterQueue: createImpressionDeadLetterQueue(
        new Construct(this, 'RecommendationApi'),
        key,
      ),
      pseudonymKey,
    };
    this.addOutputs();
  }

  /** The names operators and `npx recostream` commands need (the app stack's outputs are the rest). */
  private addOutputs(): void {
    const r = this.resources;
    const outputs: Record<string, [string, string]> = {
      EventsStreamName: [r.eventsStream.streamName, 'Kinesis events stream'],
      ProfilesTableName: [r.featureStores.profilesTable.tableName, 'DynamoDB user profiles'],
      ItemStatsTableName: [r.featureStores.itemStatsTable.tableName, 'DynamoDB item statistics'],
      WriteKeysTableName: [r.writeKeysTable.tableName, 'DynamoDB ingest write keys (hashed)'],
      ItemsTableName: [r.itemsTable.tableName, 'DynamoDB item catalogue (PUT v1/items)'],
      LakeBucketName: [r.lakeBucket.bucketName, 'Data lake bucket (quarantine/ holds rejected events)'],
      DeadLetterQueueUrl: [
        r.featureStores.deadLetterQueue.queueUrl,
        'Records the consumer dead-lettered (poison), with their reason',
      ],
      ImpressionDeadLetterQueueUrl: [
        r.impressionDeadLetterQueue.queueUrl,
        'Recommendation impressions the stream did not take, with the reason (replay: docs/operations.md)',
      ],
      FailedBatchesBucketName: [
        r.featureStores.failedBatchesBucket.bucketName,
        'Batches the consumer gave up on (npx recostream dlq replay --bucket <name> --stream <EventsStreamName>)',
      ],
      SimilaritiesTableName: [
        r.publishedTables.similaritiesTable.tableName,
        'DynamoDB item similarities (versioned)',
      ],
      TrendingTableName: [r.publishedTables.trendingTable.tableName, 'DynamoDB trending items (versioned)'],
      JobRunsTableName: [
        r.publishedTables.jobRunsTable.tableName,
        'DynamoDB batch runs and active-version pointers',
      ],
    };
    for (const [id, [value, description]] of Object.entries(outputs))
      new CfnOutput(this, id, { value, description });
  }
}
