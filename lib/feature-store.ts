import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import type { IStream } from 'aws-cdk-lib/aws-kinesis';
import { type IKey, Key } from 'aws-cdk-lib/aws-kms';
import { StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { KinesisEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { RecoFunction } from './recostream-function';

/** TTL attribute (epoch seconds) of both feature tables. */
export const FEATURE_TTL_ATTRIBUTE = 'expiresAt';

export interface FeatureStoreProps {
  /** The events stream the consumer reads. */
  readonly stream: IStream;
  /**
   * Lake bucket whose quarantine prefix also receives a copy of every dead-lettered record, so
   * analysts find them in the `quarantine` table next to the events the ingest API rejected.
   * @default - dead-lettered records go to the DLQ only
   */
  readonly quarantineBucket?: IBucket;
  /**
   * Prefix of the quarantine in `quarantineBucket`.
   * @default 'quarantine/'
   */
  readonly quarantinePrefix?: string;
  /**
   * Customer-managed key that encrypts both tables and the dead-letter queue.
   * @default - a new customer-managed key with yearly rotation
   */
  readonly encryptionKey?: IKey;
  /**
   * Billing mode of both tables. PROVISIONED uses the CDK default capacity (5 RCU / 5 WCU); tune it on the
   * exposed tables.
   * @default BillingMode.PAY_PER_REQUEST
   */
  readonly billingMode?: BillingMode;
  /**
   * Half-life of the decaying category/brand affinities in a profile, days (`AFFINITY_HALF_LIFE_DAYS`).
   * @default 14
   */
  readonly affinityHalfLifeDays?: number;
  /**
   * A profile expires this many days after its last event (`PROFILE_TTL_DAYS`).
   * @default 400
   */
  readonly profileTtlDays?: number;
  /**
   * An item-statistics time bucket expires this many days after it was written (`ITEM_BUCKET_TTL_DAYS`).
   * @default 8
   */
  readonly itemBucketTtlDays?: number;
  /**
   * Recent interactions kept per profile (`RECENT_INTERACTIONS_LIMIT`).
   * @default 50
   */
  readonly recentInteractionsLimit?: number;
  /**
   * Maximum records per consumer invocation (1 to 10000).
   * @default 500
   */
  readonly batchSize?: number;
  /**
   * How long the event source mapping gathers records before invoking (0 to 300 s).
   * @default Duration.seconds(1)
   */
  readonly maxBatchingWindow?: Duration;
  /**
   * Split a failing batch in two and retry each half, isolating a poison record.
   * @default true
   */
  readonly bisectBatchOnError?: boolean;
  /**
   * Retries of a failing batch before its records go to the dead-letter queue (0 to 10000).
   * @default 10
   */
  readonly retryAttempts?: number;
  /**
   * Records older than this go to the dead-letter queue unprocessed (60 s to 7 days).
   * @default Duration.hours(6)
   */
  readonly maxRecordAge?: Duration;
  /**
   * Concurrent batches per shard (1 to 10). Values above 1 break per-shard ordering, which the consumer's
   * exactly-once item statistics rely on; they are refused unless `allowParallelization` is set.
   * @default 1
   */
  readonly parallelizationFactor?: number;
  /**
   * Accept a `parallelizationFactor` above 1, knowing that records of one shard may then be processed out of
   * order and item statistics may double-count on retries.
   * @default false
   */
  readonly allowParallelization?: boolean;
  /**
   * Where a new event source mapping starts reading.
   * @default StartingPosition.TRIM_HORIZON
   */
  readonly startingPosition?: StartingPosition;
}

/**
 * The online feature store: `Profiles` (per user) and `ItemStats` (per item and time bucket) DynamoDB tables,
 * kept up to date by the consumer function from the events stream through a Kinesis event source mapping
 * with partial batch responses, bisect-on-error, bounded retries and an SQS dead-letter queue.
 */
export class FeatureStore extends Construct {
  /** Per-user profiles; partition key `userId`. */
  public readonly profilesTable: Table;
  /** Per-item statistics; partition key `itemId`, sort key `bucket`. */
  public readonly itemStatsTable: Table;
  /** Records the consumer could not process (the mapping's on-failure destination and the handler's own). */
  public readonly deadLetterQueue: Queue;
  /** Reads the events stream and updates both tables. */
  public readonly consumerFunction: RecoFunction;
  /** Key that encrypts both tables and the dead-letter queue. */
  public readonly key: IKey;

  constructor(scope: Construct, id: string, props: FeatureStoreProps) {
    super(scope, id);
    const affinityHalfLifeDays = positive('affinityHalfLifeDays', props.affinityHalfLifeDays ?? 14);
    const profileTtlDays = positiveInteger('profileTtlDays', props.profileTtlDays ?? 400);
    const itemBucketTtlDays = positiveInteger('itemBucketTtlDays', props.itemBucketTtlDays ?? 8);
    const recentInteractionsLimit = positiveInteger(
      'recentInteractionsLimit',
      props.recentInteractionsLimit ?? 50,
    );
    const parallelizationFactor = props.parallelizationFactor ?? 1;
    if (parallelizationFactor !== 1 && !props.allowParallelization) {
      throw new Error(
        `parallelizationFactor must be 1, got ${parallelizationFactor}: the consumer's exactly-once item ` +
          'statistics rely on per-shard ordering. Set allowParallelization: true to accept out-of-order ' +
          'processing within a shard.',
      );
    }

    this.key =
      props.encryptionKey ??
      new Key(this, 'Key', { enableKeyRotation: true, description: 'RecoStream feature store' });
    const billingMode = props.billingMode ?? BillingMode.PAY_PER_REQUEST;
    const tableDefaults = {
      billingMode,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: FEATURE_TTL_ATTRIBUTE,
      removalPolicy: RemovalPolicy.RETAIN,
    } as const;

    this.profilesTable = new Table(this, 'ProfilesTable', {
      ...tableDefaults,
      partitionKey: { name: 'userId', type: AttributeType.STRING },
    });
    this.itemStatsTable = new Table(this, 'ItemStatsTable', {
      ...tableDefaults,
      partitionKey: { name: 'itemId', type: AttributeType.STRING },
      sortKey: { name: 'bucket', type: AttributeType.STRING },
    });

    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: this.key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const dlqReason =
      'This queue is itself the dead-letter destination (the event source mapping on-failure target and ' +
      'the consumer handler DLQ); records are inspected and replayed by an operator, not consumed.';
    Validations.of(this.deadLetterQueue).acknowledge(
      { id: 'AwsSolutions-SQS3', reason: dlqReason },
      { id: 'Serverless-SQSRedrivePolicy', reason: dlqReason },
    );

    this.consumerFunction = new RecoFunction(this, 'ConsumerFunction', {
      entry: 'lambdas/consumer/handler.ts',
      description: 'Events stream consumer: updates user profiles and item statistics',
      memorySize: 1024,
      timeout: Duration.seconds(60),
      environment: {
        AFFINITY_HALF_LIFE_DAYS: String(affinityHalfLifeDays),
        PROFILE_TTL_DAYS: String(profileTtlDays),
        ITEM_BUCKET_TTL_DAYS: String(itemBucketTtlDays),
        RECENT_INTERACTIONS_LIMIT: String(recentInteractionsLimit),
      },
    })
      .bindTable(this.profilesTable, 'PROFILES_TABLE_NAME', 'readWrite')
      .bindTable(this.itemStatsTable, 'ITEM_STATS_TABLE_NAME', 'readWrite')
      .bindQueueSender(this.deadLetterQueue, 'DLQ_URL');
    if (props.quarantineBucket) {
      this.consumerFunction.bindBucketPrefixWriter(
        props.quarantineBucket,
        props.quarantinePrefix ?? 'quarantine/',
        'QUARANTINE_BUCKET_NAME',
        'QUARANTINE_PREFIX',
      );
    }

    this.consumerFunction.addEventSource(
      new KinesisEventSource(props.stream, {
        batchSize: props.batchSize ?? 500,
        maxBatchingWindow: props.maxBatchingWindow ?? Duration.seconds(1),
        bisectBatchOnError: props.bisectBatchOnError ?? true,
        reportBatchItemFailures: true,
        retryAttempts: props.retryAttempts ?? 10,
        maxRecordAge: props.maxRecordAge ?? Duration.hours(6),
        parallelizationFactor,
        startingPosition: props.startingPosition ?? StartingPosition.TRIM_HORIZON,
        onFailure: new SqsDlq(this.deadLetterQueue),
      }),
    );
  }
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`${name} must be a positive number, got ${value}`);
  return value;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0)
    throw new Error(`${name} must be a positive integer, got ${value}`);
  return value;
}
