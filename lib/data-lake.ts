import { join } from 'node:path';
import { Duration, Names, Size, SizeRoundingBehavior } from 'aws-cdk-lib';
import type { CfnNamedQuery, CfnWorkGroup } from 'aws-cdk-lib/aws-athena';
import { Metric, type MetricOptions } from 'aws-cdk-lib/aws-cloudwatch';
import type { CfnDatabase, CfnTable } from 'aws-cdk-lib/aws-glue';
import type { Role } from 'aws-cdk-lib/aws-iam';
import type { IStream } from 'aws-cdk-lib/aws-kinesis';
import type { CfnDeliveryStream } from 'aws-cdk-lib/aws-kinesisfirehose';
import { type IKey, Key } from 'aws-cdk-lib/aws-kms';
import type { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { ATTRIBUTION_WINDOW_DAYS } from '../lambdas/shared/attribution-window';
import {
  ATTRIBUTION_TOUCHES_COLUMNS,
  ATTRIBUTION_TOUCHES_VIEW,
  attributionTouchesSql,
  RECOMMENDATION_CLICKS_COLUMNS,
  RECOMMENDATION_CLICKS_VIEW,
  RECOMMENDATION_SLOTS_COLUMNS,
  RECOMMENDATION_SLOTS_VIEW,
  recommendationClicksSql,
  recommendationSlotsSql,
} from '../lambdas/shared/events/lake-views';
import { QUARANTINE_PREFIX } from '../lambdas/shared/lake-layout';
import { ItemsLakeTable } from './catalogue/items-lake-table';
import { createAthenaWorkgroup } from './data-lake/athena-workgroup';
import { createFirehoseDelivery } from './data-lake/firehose-delivery';
import { createLakeCatalog } from './data-lake/glue-catalog';
import { LakeView } from './data-lake/lake-view';
import { IdentitiesView } from './identity/identities-view';
import { LOG_RETENTION } from './private/log-groups';
import { REPO_ROOT, type RecoFunction } from './recostream-function';

export { QUARANTINE_REASONS, type QuarantineReason } from '../lambdas/shared/quarantine-layout';
export { EVENTS_TABLE_NAME, QUARANTINE_TABLE_NAME } from './data-lake/glue-catalog';
export { glueColumn, parquetStorage } from './data-lake/private/glue-table-parts';

/** Directory whose `*.sql` files become Athena named queries. */
export const NAMED_QUERIES_DIR = join(REPO_ROOT, 'sql', 'named');
/** First day the partition projections cover (`dt` of both tables). */
export const DEFAULT_PROJECTION_START_DATE = '2024-01-01';

export interface DataLakeProps {
  /** The lake bucket: Firehose writes `events/` and `errors/`, the ingest API already writes `quarantine/`. */
  readonly lakeBucket: IBucket;
  /** The events stream Firehose reads. */
  readonly stream: IStream;
  /** Athena query results (`createAthenaResultsBucket`, in the data stack). */
  readonly resultsBucket: IBucket;
  /**
   * Customer-managed key for Firehose's S3 writes, the Athena results bucket and the query results.
   * @default - the lake bucket's key, or a new customer-managed key with yearly rotation if it has none
   */
  readonly encryptionKey?: IKey;
  /**
   * Key prefix the quarantined events live under (`<prefix>dt=…/reason=…/*.jsonl`).
   * @default 'quarantine/'
   */
  readonly quarantinePrefix?: string;
  /**
   * Glue database name: lower-case letters, digits and underscores, so Athena needs no quoting.
   * @default - derived from the construct path, e.g. `recostream_datalake_e1d8e1ba`
   */
  readonly databaseName?: string;
  /**
   * First date (`yyyy-MM-dd`) the `dt` partition projections cover; queries for earlier days find nothing.
   * @default '2024-01-01'
   */
  readonly projectionStartDate?: string;
  /**
   * How long Firehose buffers before writing a Parquet object (60 to 900 s with dynamic partitioning).
   * Each partition (event type and hour) has its own buffer, so this is also the lake's freshness bound.
   * @default Duration.seconds(300)
   */
  readonly bufferingInterval?: Duration;
  /**
   * Buffer size that triggers a write before the interval ends (64 to 128 MiB with format conversion and
   * dynamic partitioning). Large buffers give large Parquet files, which Athena scans efficiently.
   * @default Size.mebibytes(128)
   */
  readonly bufferingSize?: Size;
  /**
   * Retention of the delivery stream's error log.
   * @default LOG_RETENTION (one month)
   */
  readonly deliveryLogRetention?: RetentionDays;
  /**
   * Athena cancels a query of the workgroup once it has scanned this much (Athena's minimum is 10 MB).
   * @default Size.gibibytes(10)
   */
  readonly bytesScannedCutoffPerQuery?: Size;
  /**
   * Directory whose `*.sql` files become Athena named queries (name = file name without `.sql`, description =
   * the first line when it starts with `-- `). A missing directory means no named queries.
   * @default - `sql/named` in the repository
   */
  readonly namedQueriesDirectory?: string;
  /**
   * The HMAC key (`createPseudonymKey`, in the data stack): with it, `userId` and `anonymousId` become
   * `p1_<HMAC-SHA256>` pseudonyms in the copy Firehose delivers to the lake (a Lambda data transformation).
   * The stream and the feature store keep the real ids. See lambdas/shared/pseudonym.ts, docs/operations.md.
   * @default - no pseudonyms: real ids in the lake
   */
  readonly pseudonymKey?: ISecret;
}

/**
 * The queryable data lake over the lake bucket: a Glue database with the `events` table (Parquet, partitioned
 * by event type, day and hour: every delivered copy of an event) and the `quarantine` table (JSON lines, by
 * day and rejection reason), both with partition projection so Athena needs no crawler and no MSCK REPAIR,
 * and the `events_unique` view (one row per event, what counts read); a Firehose delivery stream that reads
 * the events stream and writes Parquet into the `events` partitions (dynamic partitioning on receipt time); and
 * an Athena workgroup with enforced settings, its own encrypted results bucket and the named queries of
 * `sql/named/`.
 */
export class DataLake extends Construct {
  /** Name of the Glue database (also the `Ref` of `database`). */
  public readonly databaseName: string;
  public readonly database: CfnDatabase;
  /** `events`: Parquet written by Firehose. */
  public readonly eventsTable: CfnTable;
  /** `events_unique`: an Athena view over `events`, one row per event (sql/views/events_unique.sql). */
  public readonly eventsUniqueView: CfnTable;
  /** `identities`: an Athena view over `events`, the anonymous ids linked to users (lib/identity). */
  public readonly identitiesView: CfnTable;
  /**
   * `attribution_touches`: an Athena view over `events`, the attribution rule (sql/views/attribution_touches.sql)
   * the attribution named queries and the attribution metrics job select from.
   */
  public readonly attributionTouchesView: CfnTable;
  /** `quarantine`: JSON lines written by the ingest API and the consumer. */
  public readonly quarantineTable: CfnTable;
  /** `items`: the catalogue's change log, JSON lines written by PUT /v1/items (lib/catalogue). */
  public readonly itemsTable: CfnTable;
  /** Kinesis stream -> Parquet in `events/`; its `Ref` is the delivery stream name. */
  public readonly deliveryStream: CfnDeliveryStream;
  /** Role Firehose assumes to read the stream, look up the Glue schema and write the lake. */
  public readonly deliveryRole: Role;
  /** Firehose's delivery error log. */
  public readonly deliveryLogGroup: LogGroup;
  /** The Athena workgroup; its `Ref` is the workgroup name. */
  public readonly workGroup: CfnWorkGroup;
  /** Name of the Athena workgroup. */
  public readonly workGroupName: string;
  /** Athena query results (KMS, expiring). */
  public readonly resultsBucket: IBucket;
  /** One named query per `*.sql` file, in file name order. */
  public readonly namedQueries: readonly CfnNamedQuery[];
  /** Key of Firehose's S3 writes, the results bucket and the query results. */
  public readonly key: IKey;
  /** The Firehose transformation that pseudonymises ids; only with `pseudonymKey`. */
  public readonly pseudonymizer?: RecoFunction;
  /** The HMAC key of the pseudonyms (generated, retained on stack deletion); only with `pseudonymKey`. */
  public readonly pseudonymKey?: ISecret;

  constructor(scope: Construct, id: string, props: DataLakeProps) {
    super(scope, id);
    const quarantinePrefix = props.quarantinePrefix ?? QUARANTINE_PREFIX;
    if (quarantinePrefix === '' || quarantinePrefix.startsWith('/') || !quarantinePrefix.endsWith('/')) {
      throw new Error(
        `quarantinePrefix must be non-empty, relative and end with '/', got '${quarantinePrefix}'`,
      );
    }
    const startDate = props.projectionStartDate ?? DEFAULT_PROJECTION_START_DATE;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(startDate) || Number.isNaN(Date.parse(`${startDate}T00:00:00Z`))) {
      throw new Error(`projectionStartDate must be a date in yyyy-MM-dd format, got '${startDate}'`);
    }
    const intervalSeconds = (props.bufferingInterval ?? Duration.seconds(300)).toSeconds({ integral: false });
    if (!Number.isInteger(intervalSeconds) || intervalSeconds < 60 || intervalSeconds > 900) {
      throw new Error(
        `bufferingInterval must be a whole number of seconds from 60 to 900 (dynamic partitioning), got ${intervalSeconds}`,
      );
    }
    const sizeMiB = (props.bufferingSize ?? Size.mebibytes(128)).toMebibytes({
      rounding: SizeRoundingBehavior.NONE,
    });
    if (!Number.isInteger(sizeMiB) || sizeMiB < 64 || sizeMiB > 128) {
      throw new Error(
        `bufferingSize must be a whole number of MiB from 64 to 128 (format conversion), got ${sizeMiB}`,
      );
    }
    const cutoffBytes = (props.bytesScannedCutoffPerQuery ?? Size.gibibytes(10)).toBytes();
    if (!Number.isInteger(cutoffBytes) || cutoffBytes < 10_000_000) {
      throw new Error(
        `bytesScannedCutoffPerQuery must be at least 10 MB (10000000 bytes), got ${cutoffBytes}`,
      );
    }
    this.databaseName =
      props.databaseName ?? Names.uniqueResourceName(this, { maxLength: 255, separator: '_' }).toLowerCase();
    if (!/^[a-z0-9_]{1,255}$/.test(this.databaseName)) {
      throw new Error(
        `databaseName must be 1 to 255 lower-case letters, digits or underscores, got '${this.databaseName}'`,
      );
    }

    const bucket = props.lakeBucket;
    this.key =
      props.encryptionKey ??
      bucket.encryptionKey ??
      new Key(this, 'Key', { enableKeyRotation: true, description: 'RecoStream data lake' });

    const catalog = createLakeCatalog(this, {
      bucket,
      databaseName: this.databaseName,
      quarantinePrefix,
      projectionStartDate: startDate,
    });
    this.database = catalog.database;
    this.eventsTable = catalog.eventsTable;
    this.eventsUniqueView = catalog.eventsUniqueView;
    this.quarantineTable = catalog.quarantineTable;
    this.identitiesView = new IdentitiesView(this, 'IdentitiesView', {
      database: this.database,
      databaseName: this.databaseName,
      eventsTable: this.eventsTable,
    }).table;
    this.attributionTouchesView = new LakeView(this, 'AttributionTouchesView', {
      database: this.database,
      databaseName: this.databaseName,
      reads: [this.eventsTable],
      name: ATTRIBUTION_TOUCHES_VIEW,
      description: `The attribution rule: each purchase line with each impression that showed its item to its buyer in the ${ATTRIBUTION_WINDOW_DAYS} days before`,
      sql: attributionTouchesSql(),
      columns: ATTRIBUTION_TOUCHES_COLUMNS,
    }).table;
    // What a recommendation showed and the clicks on it: the named queries' CTR and experiment inputs.
    const recommendationViews = [
      {
        id: 'RecommendationSlotsView',
        name: RECOMMENDATION_SLOTS_VIEW,
        description: 'What a recommendation showed: one row per item of each impression at its position',
        sql: recommendationSlotsSql(),
        columns: RECOMMENDATION_SLOTS_COLUMNS,
      },
      {
        id: 'RecommendationClicksView',
        name: RECOMMENDATION_CLICKS_VIEW,
        description: 'The clicks on recommended items, one row per recommendation_click',
        sql: recommendationClicksSql(),
        columns: RECOMMENDATION_CLICKS_COLUMNS,
      },
    ];
    for (const { id, ...view } of recommendationViews) {
      new LakeView(this, id, {
        database: this.database,
        databaseName: this.databaseName,
        reads: [this.eventsTable, this.eventsUniqueView],
        ...view,
      });
    }
    this.itemsTable = new ItemsLakeTable(this, 'ItemsTable', {
      database: this.database,
      bucket,
      projectionStartDate: startDate,
    }).table;

    const delivery = createFirehoseDelivery(this, {
      bucket,
      stream: props.stream,
      key: this.key,
      databaseName: this.databaseName,
      database: this.database,
      eventsTable: this.eventsTable,
      bufferingIntervalSeconds: intervalSeconds,
      bufferingSizeMiB: sizeMiB,
      logRetention: props.deliveryLogRetention ?? LOG_RETENTION,
      pseudonymKey: props.pseudonymKey,
    });
    this.deliveryStream = delivery.deliveryStream;
    this.deliveryRole = delivery.deliveryRole;
    this.deliveryLogGroup = delivery.deliveryLogGroup;
    this.pseudonymizer = delivery.pseudonymizer;
    this.pseudonymKey = props.pseudonymKey;

    const athena = createAthenaWorkgroup(this, {
      key: this.key,
      resultsBucket: props.resultsBucket,
      database: this.database,
      bytesScannedCutoffPerQuery: cutoffBytes,
      namedQueriesDirectory: props.namedQueriesDirectory ?? NAMED_QUERIES_DIR,
    });
    this.resultsBucket = props.resultsBucket;
    this.workGroup = athena.workGroup;
    this.workGroupName = athena.workGroupName;
    this.namedQueries = athena.namedQueries;
  }

  /** Age of the oldest record in Firehose not yet delivered to S3 (the lake's freshness), maximum per period. */
  public metricDataFreshness(options: MetricOptions = {}): Metric {
    return new Metric({
      namespace: 'AWS/Firehose',
      metricName: 'DeliveryToS3.DataFreshness',
      dimensionsMap: { DeliveryStreamName: this.deliveryStream.ref },
      statistic: 'Maximum',
      ...options,
    });
  }
}
