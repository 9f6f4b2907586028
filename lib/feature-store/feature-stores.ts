/**
 * What the feature store keeps: the Profiles, ItemStats and ConsumerProgress tables, the consumer's dead-letter
 * queue and the failed-batches bucket. Stateful, so created in the data stack (lib/recostream-data-stack.ts)
 * under a scope named `FeatureStore`: the logical ids are those the single stack had (docs/migration.md).
 */
import { type Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { FailedBatches } from '../failed-batches';
import { createDeadLetterQueue } from '../private/dead-letter-queue';

/** TTL attribute (epoch seconds) of both feature tables. */
export const FEATURE_TTL_ATTRIBUTE = 'expiresAt';

export interface FeatureStoresProps {
  /** Customer-managed key of the tables, the dead-letter queue and the failed-batches bucket. */
  readonly encryptionKey: IKey;
  /**
   * Billing mode of the tables. PROVISIONED uses the CDK default capacity (5 RCU / 5 WCU); tune it on the
   * exposed tables.
   * @default BillingMode.PAY_PER_REQUEST
   */
  readonly billingMode?: BillingMode;
  /**
   * How long the batches the event source mapping gives up on stay in the failed-batches bucket (>= 7 days).
   * @default Duration.days(7)
   */
  readonly failedBatchRetention?: Duration;
  /**
   * Bucket for the failed-batches bucket's server access logs.
   * @default - none (acknowledged)
   */
  readonly accessLogsBucket?: IBucket;
}

export interface FeatureStores {
  /** Per-user profiles; partition key `userId`. */
  readonly profilesTable: Table;
  /** Per-item statistics; partition key `itemId`, sort key `bucket`. */
  readonly itemStatsTable: Table;
  /** Per-shard progress of the consumer; partition key `shardId`. */
  readonly progressTable: Table;
  /** Records the consumer dead-lettered (unparseable, poison, refused by DynamoDB), with their reason. */
  readonly deadLetterQueue: Queue;
  /** The event source mapping's on-failure destination: whole batches it gave up on. */
  readonly failedBatchesBucket: IBucket;
}

export function createFeatureStores(scope: Construct, props: FeatureStoresProps): FeatureStores {
  const tableDefaults = {
    billingMode: props.billingMode ?? BillingMode.PAY_PER_REQUEST,
    encryption: TableEncryption.CUSTOMER_MANAGED,
    encryptionKey: props.encryptionKey,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    removalPolicy: RemovalPolicy.RETAIN,
    deletionProtection: true,
  } as const;

  const profilesTable = new Table(scope, 'ProfilesTable', {
    ...tableDefaults,
    timeToLiveAttribute: FEATURE_TTL_ATTRIBUTE,
    partitionKey: { name: 'userId', type: AttributeType.STRING },
  });
  const itemStatsTable = new Table(scope, 'ItemStatsTable', {
    ...tableDefaults,
    timeToLiveAttribute: FEATURE_TTL_ATTRIBUTE,
    partitionKey: { name: 'itemId', type: AttributeType.STRING },
    sortKey: { name: 'bucket', type: AttributeType.STRING },
  });
  const progressTable = new Table(scope, 'ConsumerProgressTable', {
    ...tableDefaults,
    partitionKey: { name: 'shardId', type: AttributeType.STRING },
  });

  const deadLetterQueue = createDeadLetterQueue(scope, 'DeadLetterQueue', {
    encryptionKey: props.encryptionKey,
    reason:
      'This queue is itself the dead-letter destination of the consumer handler (poison records); records ' +
      'are inspected and replayed by an operator, not consumed.',
  });

  const failedBatches = new FailedBatches(scope, 'FailedBatches', {
    encryptionKey: props.encryptionKey,
    retention: props.failedBatchRetention,
    accessLogsBucket: props.accessLogsBucket,
  });
  return {
    profilesTable,
    itemStatsTable,
    progressTable,
    deadLetterQueue,
    failedBatchesBucket: failedBatches.bucket,
  };
}
