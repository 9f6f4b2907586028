import { Duration } from 'aws-cdk-lib';
import type { IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IStream } from 'aws-cdk-lib/aws-kinesis';
import { StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { KinesisEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { SERVICES } from '../lambdas/shared/metric-names';
import { metricFailedBatchesWritten, PutOnlyS3Destination } from './failed-batches';
import type { FeatureStores } from './feature-store/feature-stores';
import { RecoFunction } from './recostream-function';

export {
  createFeatureStores,
  FEATURE_TTL_ATTRIBUTE,
  type FeatureStores,
  type FeatureStoresProps,
} from './feature-store/feature-stores';

export interface FeatureStoreProps {
  /** The events stream the consumer reads. */
  readonly stream: IStream;
  /** The tables, dead-letter queue and failed-batches bucket (`createFeatureStores`, in the data stack). */
  readonly stores: FeatureStores;
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
   * Retry horizon: a resend of an accepted event (same eventId) within this time after its `receivedAt` is
   * applied once, however many events came in between (`DEDUP_HORIZON_MINUTES`). The profile's event
   * ledger costs 16 bytes per event of the horizon (`ledgerMaxEntries` caps it). Whole minutes, 1 minute
   * to 7 days.
   * @default Duration.hours(24)
   */
  readonly dedupHorizon?: Duration;
  /**
   * Most events one profile's ledger keeps (`LEDGER_MAX_ENTRIES`, 16 bytes each). A user with more events
   * within the horizon (a bot: 4,096 a day is one every 21 s around the clock) keeps exactly-once for the
   * newest ones only; a resend of an older one is applied again.
   * @default 4096
   */
  readonly ledgerMaxEntries?: number;
  /**
   * Retention of the events stream: watermarks older than this (and the horizon) are pruned from profiles
   * and item rows, since no record at or below them can be delivered again.
   * @default Duration.hours(24)
   */
  readonly streamRetention?: Duration;
  /**
   * Reserved concurrency of the consumer: other functions cannot starve it, and it cannot starve them. It
   * must be at least the number of open shards times `parallelizationFactor`, or shards wait their turn.
   * @default 20
   */
  readonly reservedConcurrency?: number;
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
   * Retries of a failing batch before its records go to the failed-batches bucket (0 to 10000).
   * @default 10
   */
  readonly retryAttempts?: number;
  /**
   * Records older than this go to the failed-batches bucket unprocessed (60 s to 7 days).
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
   * Tumbling window of the event source mapping (0 to 15 minutes): the consumer sums item statistics in the
   * window state across the invocations of a shard and writes each touched item row once when the window
   * closes (lambdas/consumer/item-window.ts). Profiles are written per batch either way. `Duration.seconds(0)`
   * writes item rows per batch.
   * @default Duration.seconds(60)
   */
  readonly itemStatsWindow?: Duration;
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
 * with partial batch responses, bisect-on-error and bounded retries. Records that can never be applied
 * (poison) go to an SQS dead-letter queue; batches the mapping gives up on go whole to an S3 bucket, from
 * which `recostream dlq replay` re-publishes them.
 */
export class FeatureStore extends Construct {
  /** Per-user profiles; partition key `userId`. */
  public readonly profilesTable: ITable;
  /** Per-item statistics; partition key `itemId`, sort key `bucket`. */
  public readonly itemStatsTable: ITable;
  /** Per-shard progress of the consumer (where the mapping gave up on records); partition key `shardId`. */
  public readonly progressTable: ITable;
  /** Records the consumer dead-lettered (unparseable, poison, refused by DynamoDB), with their reason. */
  public readonly deadLetterQueue: IQueue;
  /** The event source mapping's on-failure destination: whole batches it gave up on. */
  public readonly failedBatchesBucket: IBucket;
  /** Batches the mapping gave up on (objects written to the failed-batches bucket), per minute. */
  public readonly failedBatchesMetric: IMetric;
  /** Reads the events stream and updates both tables. */
  public readonly consumerFunction: RecoFunction;

  constructor(scope: Construct, id: string, props: FeatureStoreProps) {
    super(scope, id);
    const affinityHalfLifeDays = positive('affinityHalfLifeDays', props.affinityHalfLifeDays ?? 14);
    const profileTtlDays = positiveInteger('profileTtlDays', props.profileTtlDays ?? 400);
    const itemBucketTtlDays = positiveInteger('itemBucketTtlDays', props.itemBucketTtlDays ?? 8);
    const recentInteractionsLimit = positiveInteger(
      'recentInteractionsLimit',
      props.recentInteractionsLimit ?? 50,
    );
    const dedupHorizonMinutes = wholeMinutes(
      'dedupHorizon',
      props.dedupHorizon ?? Duration.hours(24),
      1,
      7 * 24 * 60,
    );
    const ledgerMaxEntries = positiveInteger('ledgerMaxEntries', props.ledgerMaxEntries ?? 4096);
    if (ledgerMaxEntries > 10_000)
      throw new Error(
        `ledgerMaxEntries must be at most 10000 (160 KB of a 400 KB profile), got ${ledgerMaxEntries}`,
      );
    const reservedConcurrency = positiveInteger('reservedConcurrency', props.reservedConcurrency ?? 20);
    const maxRecordAge = props.maxRecordAge ?? Duration.hours(6);
    // A watermark can go once no record at or below it can arrive again (stream retention, maximum record
    // age) and no replay within the horizon needs it; one hour of margin for arrival-time skew.
    const watermarkRetentionSeconds =
      Math.max(
        Math.min((props.streamRetention ?? Duration.hours(24)).toSeconds(), maxRecordAge.toSeconds()),
        dedupHorizonMinutes * 60,
      ) + 3600;
    const parallelizationFactor = props.parallelizationFactor ?? 1;
    if (parallelizationFactor !== 1 && !props.allowParallelization) {
      throw new Error(
        `parallelizationFactor must be 1, got ${parallelizationFactor}: the consumer's exactly-once item ` +
          'statistics rely on per-shard ordering. Set allowParallelization: true to accept out-of-order ' +
          'processing within a shard.',
      );
    }

    const itemStatsWindowSeconds = (props.itemStatsWindow ?? Duration.seconds(60)).toSeconds();
    if (
      !Number.isInteger(itemStatsWindowSeconds) ||
      itemStatsWindowSeconds < 0 ||
      itemStatsWindowSeconds > 900
    )
      throw new Error(`itemStatsWindow must be whole seconds from 0 to 900, got ${itemStatsWindowSeconds}`);
    if (itemStatsWindowSeconds > 0 && parallelizationFactor !== 1)
      throw new Error(
        `itemStatsWindow needs parallelizationFactor 1 (the window state is per shard), got ${parallelizationFactor}`,
      );

    const { stores } = props;
    this.profilesTable = stores.profilesTable;
    this.itemStatsTable = stores.itemStatsTable;
    this.progressTable = stores.progressTable;
    this.deadLetterQueue = stores.deadLetterQueue;
    this.failedBatchesBucket = stores.failedBatchesBucket;
    this.failedBatchesMetric = metricFailedBatchesWritten(stores.failedBatchesBucket);

    this.consumerFunction = new RecoFunction(this, 'ConsumerFunction', {
      entry: 'lambdas/consumer/handler.ts',
      serviceName: SERVICES.consumer,
      description: 'Events stream consumer: updates user profiles and item statistics',
      memorySize: 1024,
      timeout: Duration.seconds(60),
      reservedConcurrentExecutions: reservedConcurrency,
      environment: {
        AFFINITY_HALF_LIFE_DAYS: String(affinityHalfLifeDays),
        PROFILE_TTL_DAYS: String(profileTtlDays),
        ITEM_BUCKET_TTL_DAYS: String(itemBucketTtlDays),
        RECENT_INTERACTIONS_LIMIT: String(recentInteractionsLimit),
        DEDUP_HORIZON_MINUTES: String(dedupHorizonMinutes),
        LEDGER_MAX_ENTRIES: String(ledgerMaxEntries),
        WATERMARK_RETENTION_SECONDS: String(watermarkRetentionSeconds),
      },
    })
      .bindTable(this.profilesTable, 'PROFILES_TABLE_NAME', 'readWrite')
      .bindTable(this.itemStatsTable, 'ITEM_STATS_TABLE_NAME', 'readWrite')
      .bindTable(this.progressTable, 'CONSUMER_PROGRESS_TABLE_NAME', 'readWrite')
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
        maxRecordAge,
        parallelizationFactor,
        ...(itemStatsWindowSeconds > 0 ? { tumblingWindow: Duration.seconds(itemStatsWindowSeconds) } : {}),
        startingPosition: props.startingPosition ?? StartingPosition.TRIM_HORIZON,
        onFailure: new PutOnlyS3Destination(stores.failedBatchesBucket),
      }),
    );
  }
}

function wholeMinutes(name: string, value: Duration, min: number, max: number): number {
  const minutes = value.toMinutes({ integral: false });
  if (!Number.isInteger(minutes) || minutes < min || minutes > max)
    throw new Error(`${name} must be a whole number of minutes from ${min} to ${max}, got ${minutes}`);
  return minutes;
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
