import { join } from 'node:path';
import {
  Aws,
  CfnResource,
  Duration,
  Names,
  RemovalPolicy,
  Size,
  SizeRoundingBehavior,
  Stack,
  Validations,
} from 'aws-cdk-lib';
import { CfnNamedQuery, CfnWorkGroup } from 'aws-cdk-lib/aws-athena';
import { Metric, type MetricOptions } from 'aws-cdk-lib/aws-cloudwatch';
import { CfnDatabase, CfnTable } from 'aws-cdk-lib/aws-glue';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IStream } from 'aws-cdk-lib/aws-kinesis';
import { CfnDeliveryStream } from 'aws-cdk-lib/aws-kinesisfirehose';
import { type IKey, Key } from 'aws-cdk-lib/aws-kms';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type IBucket,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import {
  EVENT_COLUMNS,
  EVENT_PARTITION_KEYS,
  EVENT_PARTITION_SOURCES,
  EVENT_TYPES,
  type LakeColumn,
  QUARANTINE_COLUMNS,
  QUARANTINE_PARTITION_KEYS,
} from '../lambdas/shared/events';
import {
  EVENTS_UNIQUE_COLUMNS,
  EVENTS_UNIQUE_VIEW,
  eventsUniqueSql,
} from '../lambdas/shared/events/lake-views';
import {
  DELIVERY_ERRORS_FIREHOSE_PREFIX,
  DELIVERY_ERRORS_PREFIX,
  EVENTS_FIREHOSE_PREFIX,
  EVENTS_PREFIX,
  QUARANTINE_PREFIX,
} from '../lambdas/shared/lake-layout';
import { QUARANTINE_REASONS } from '../lambdas/shared/quarantine-layout';
import { ItemsLakeTable } from './catalogue/items-lake-table';
import { athenaViewTableInput } from './data-lake/athena-view';
import { readNamedQueryFiles } from './data-lake/named-queries';
import { IdentitiesView } from './identity/identities-view';

import { sendObjectEventsToEventBridge } from './private/bucket-events';
import { acknowledgeGuardRule } from './private/guard-rules';
import { LOG_RETENTION } from './private/log-groups';

import { REPO_ROOT, RecoFunction } from './recostream-function';

export { QUARANTINE_REASONS, type QuarantineReason } from '../lambdas/shared/quarantine-layout';

/** Glue table of the events Firehose delivers as Parquet. */
export const EVENTS_TABLE_NAME = 'events';
/** Glue table over the JSON-lines objects the ingest API (and the consumer) quarantine. */
export const QUARANTINE_TABLE_NAME = 'quarantine';
/** Directory whose `*.sql` files become Athena named queries. */
export const NAMED_QUERIES_DIR = join(REPO_ROOT, 'sql', 'named');
/** First day the partition projections cover (`dt` of both tables). */
export const DEFAULT_PROJECTION_START_DATE = '2024-01-01';

export interface DataLakeProps {
  /** The lake bucket: Firehose writes `events/` and `errors/`, the ingest API already writes `quarantine/`. */
  readonly lakeBucket: IBucket;
  /** The events stream Firehose reads. */
  readonly stream: IStream;
  /** Destination of the Athena results bucket's server access logs (a bucket that accepts S3 log delivery). */
  readonly accessLogsBucket: IBucket;
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
   * Days Athena query results are kept in the results bucket.
   * @default 30
   */
  readonly queryResultRetentionDays?: number;
  /**
   * Directory whose `*.sql` files become Athena named queries (name = file name without `.sql`, description =
   * the first line when it starts with `-- `). A missing directory means no named queries.
   * @default - `sql/named` in the repository
   */
  readonly namedQueriesDirectory?: string;
  /**
   * Replace `userId` and `anonymousId` with `p1_<HMAC-SHA256>` pseudonyms in the copy Firehose delivers to the
   * lake (a Lambda data transformation with a generated key in Secrets Manager). The stream and the feature
   * store keep the real ids. See lambdas/shared/pseudonym.ts and docs/operations.md.
   * @default false
   */
  readonly pseudonymizeUserIds?: boolean;
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
  public readonly resultsBucket: Bucket;
  /** One named query per `*.sql` file, in file name order. */
  public readonly namedQueries: readonly CfnNamedQuery[];
  /** Key of Firehose's S3 writes, the results bucket and the query results. */
  public readonly key: IKey;
  /** The Firehose transformation that pseudonymises ids; only with `pseudonymizeUserIds`. */
  public readonly pseudonymizer?: RecoFunction;
  /** The HMAC key of the pseudonyms (generated, retained on stack deletion); only with `pseudonymizeUserIds`. */
  public readonly pseudonymKey?: Secret;

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
    const resultDays = props.queryResultRetentionDays ?? 30;
    if (!Number.isInteger(resultDays) || resultDays < 1) {
      throw new Error(`queryResultRetentionDays must be a whole number of days >= 1, got ${resultDays}`);
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

    // ---- Glue catalog ----------------------------------------------------------------------------------
    this.database = new CfnDatabase(this, 'Database', {
      catalogId: Aws.ACCOUNT_ID,
      databaseInput: {
        name: this.databaseName,
        description: 'RecoStream data lake: raw events (Parquet) and quarantined events (JSON lines)',
      },
    });

    const eventsLocation = `s3://${bucket.bucketName}/${EVENTS_PREFIX}`;
    this.eventsTable = new CfnTable(this, 'EventsTable', {
      catalogId: Aws.ACCOUNT_ID,
      databaseName: this.database.ref,
      tableInput: {
        name: EVENTS_TABLE_NAME,
        description:
          'Canonical events delivered by Firehose, partitioned by event type and receipt time (UTC)',
        tableType: 'EXTERNAL_TABLE',
        parameters: {
          EXTERNAL: 'TRUE',
          classification: 'parquet',
          'parquet.compression': 'SNAPPY',
          ...projectionParameters(EVENT_PARTITION_KEYS, {
            event_type: { type: 'enum', values: EVENT_TYPES.join(',') },
            dt: dateProjection(startDate),
            hour: { type: 'integer', range: '0,23', digits: '2' },
          }),
          'storage.location.template': `${eventsLocation}${locationTemplate(EVENT_PARTITION_KEYS)}`,
        },
        partitionKeys: EVENT_PARTITION_KEYS.map(glueColumn),
        storageDescriptor: parquetStorage(EVENT_COLUMNS, eventsLocation),
      },
    });

    // The raw table keeps every delivered copy (client resends, Firehose retries); counts read the view.
    this.eventsUniqueView = new CfnTable(this, 'EventsUniqueView', {
      catalogId: Aws.ACCOUNT_ID,
      databaseName: this.database.ref,
      tableInput: athenaViewTableInput({
        name: EVENTS_UNIQUE_VIEW,
        description:
          'One row per event (the earliest received copy of each event_id per receipt day) over events',
        databaseName: this.databaseName,
        sql: eventsUniqueSql(),
        columns: EVENTS_UNIQUE_COLUMNS,
      }),
    });
    this.eventsUniqueView.node.addDependency(this.eventsTable);
    this.identitiesView = new IdentitiesView(this, 'IdentitiesView', {
      database: this.database,
      databaseName: this.databaseName,
      eventsTable: this.eventsTable,
    }).table;

    const quarantineLocation = `s3://${bucket.bucketName}/${quarantinePrefix}`;
    this.quarantineTable = new CfnTable(this, 'QuarantineTable', {
      catalogId: Aws.ACCOUNT_ID,
      databaseName: this.database.ref,
      tableInput: {
        name: QUARANTINE_TABLE_NAME,
        description: 'Rejected events and request bodies (ingest API) and dead-lettered records (consumer)',
        tableType: 'EXTERNAL_TABLE',
        parameters: {
          EXTERNAL: 'TRUE',
          classification: 'json',
          ...projectionParameters(QUARANTINE_PARTITION_KEYS, {
            dt: dateProjection(startDate),
            reason: { type: 'enum', values: QUARANTINE_REASONS.join(',') },
          }),
          'storage.location.template': `${quarantineLocation}${locationTemplate(QUARANTINE_PARTITION_KEYS)}`,
        },
        partitionKeys: QUARANTINE_PARTITION_KEYS.map(glueColumn),
        storageDescriptor: {
          columns: QUARANTINE_COLUMNS.map(glueColumn),
          location: quarantineLocation,
          inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
          outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
          serdeInfo: {
            serializationLibrary: 'org.openx.data.jsonserde.JsonSerDe',
            parameters: {
              'ignore.malformed.json': 'true',
              ...Object.fromEntries(
                Object.entries(jsonKeyMappings(QUARANTINE_COLUMNS)).map(([column, key]) => [
                  `mapping.${column}`,
                  key,
                ]),
              ),
            },
          },
          storedAsSubDirectories: false,
        },
      },
    });

    this.itemsTable = new ItemsLakeTable(this, 'ItemsTable', {
      database: this.database,
      bucket,
      projectionStartDate: startDate,
    }).table;

    // ---- Firehose: stream -> Parquet ----------------------------------------------------------------------
    this.deliveryLogGroup = new LogGroup(this, 'DeliveryLogGroup', {
      retention: props.deliveryLogRetention ?? LOG_RETENTION,
    });
    const deliveryLogStream = this.deliveryLogGroup.addStream('S3DeliveryLogStream', {
      logStreamName: 'S3Delivery',
    });

    this.deliveryRole = new Role(this, 'DeliveryRole', {
      assumedBy: new ServicePrincipal('firehose.amazonaws.com'),
      // Firehose passes the account id as external id; requiring it guards against a confused deputy.
      externalIds: [Aws.ACCOUNT_ID],
      description:
        'Firehose: read the events stream, read the events table schema, write Parquet to the lake',
    });
    props.stream.grantRead(this.deliveryRole);
    bucket.grantPut(this.deliveryRole, `${EVENTS_PREFIX}*`);
    bucket.grantPut(this.deliveryRole, `${DELIVERY_ERRORS_PREFIX}*`);
    this.deliveryRole.addToPrincipalPolicy(
      new PolicyStatement({
        // The bucket-level calls of Firehose's S3 writer (no object access: that is granted per prefix above).
        actions: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
        resources: [bucket.bucketArn],
      }),
    );
    if (this.key !== bucket.encryptionKey) this.key.grantEncryptDecrypt(this.deliveryRole);
    const stack = Stack.of(this);
    this.deliveryRole.addToPrincipalPolicy(
      new PolicyStatement({
        // Record format conversion reads the column list of the events table (version LATEST).
        actions: ['glue:GetTable', 'glue:GetTableVersion', 'glue:GetTableVersions'],
        resources: [
          stack.formatArn({ service: 'glue', resource: 'catalog' }),
          stack.formatArn({ service: 'glue', resource: 'database', resourceName: this.databaseName }),
          stack.formatArn({
            service: 'glue',
            resource: 'table',
            resourceName: `${this.databaseName}/${EVENTS_TABLE_NAME}`,
          }),
        ],
      }),
    );
    this.deliveryLogGroup.grantWrite(this.deliveryRole);
    if (props.pseudonymizeUserIds) {
      this.pseudonymKey = this.createPseudonymKey();
      this.pseudonymizer = this.createPseudonymizer(this.pseudonymKey);
    }

    this.deliveryStream = new CfnDeliveryStream(this, 'DeliveryStream', {
      deliveryStreamType: 'KinesisStreamAsSource',
      kinesisStreamSourceConfiguration: {
        kinesisStreamArn: props.stream.streamArn,
        roleArn: this.deliveryRole.roleArn,
      },
      extendedS3DestinationConfiguration: {
        bucketArn: bucket.bucketArn,
        roleArn: this.deliveryRole.roleArn,
        prefix: EVENTS_FIREHOSE_PREFIX,
        errorOutputPrefix: DELIVERY_ERRORS_FIREHOSE_PREFIX,
        bufferingHints: { intervalInSeconds: intervalSeconds, sizeInMBs: sizeMiB },
        // Parquet compresses its own pages (SNAPPY below); S3-level compression must stay off with conversion.
        compressionFormat: 'UNCOMPRESSED',
        fileExtension: '.parquet',
        encryptionConfiguration: { kmsEncryptionConfig: { awskmsKeyArn: this.key.keyArn } },
        cloudWatchLoggingOptions: {
          enabled: true,
          logGroupName: this.deliveryLogGroup.logGroupName,
          logStreamName: deliveryLogStream.logStreamName,
        },
        s3BackupMode: 'Disabled',
        dynamicPartitioningConfiguration: { enabled: true, retryOptions: { durationInSeconds: 300 } },
        processingConfiguration: {
          enabled: true,
          // Firehose runs the Lambda transformation before the JQ query, so partitions come from the
          // pseudonymised record (same event type and time: only the ids change).
          processors: [
            ...(this.pseudonymizer ? [lambdaProcessor(this.pseudonymizer)] : []),
            {
              type: 'MetadataExtraction',
              parameters: [
                { parameterName: 'MetadataExtractionQuery', parameterValue: eventPartitionQuery() },
                { parameterName: 'JsonParsingEngine', parameterValue: 'JQ-1.6' },
              ],
            },
          ],
        },
        dataFormatConversionConfiguration: {
          enabled: true,
          inputFormatConfiguration: {
            deserializer: { openXJsonSerDe: { columnToJsonKeyMappings: jsonKeyMappings(EVENT_COLUMNS) } },
          },
          outputFormatConfiguration: { serializer: { parquetSerDe: { compression: 'SNAPPY' } } },
          schemaConfiguration: {
            catalogId: Aws.ACCOUNT_ID,
            databaseName: this.database.ref,
            tableName: this.eventsTable.ref,
            region: Aws.REGION,
            roleArn: this.deliveryRole.roleArn,
            versionId: 'LATEST',
          },
        },
      },
    });
    // Firehose checks its permissions when the stream is created: the role's policy must exist by then.
    this.deliveryStream.node.addDependency(this.deliveryRole);
    this.acknowledgeDeliveryFindings(bucket);

    // ---- Athena -----------------------------------------------------------------------------------------
    this.resultsBucket = new Bucket(this, 'ResultsBucket', {
      encryption: BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      serverAccessLogsBucket: props.accessLogsBucket,
      serverAccessLogsPrefix: 'athena-results/',
      // Versioned (Control Tower CT.S3.PR.11); Athena writes new keys only, so versions cost nothing extra.
      versioned: true,
      lifecycleRules: [
        {
          id: 'ExpireQueryResults',
          expiration: Duration.days(resultDays),
          noncurrentVersionExpiration: Duration.days(1),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    sendObjectEventsToEventBridge(this.resultsBucket);
    acknowledgeGuardRule(
      this.resultsBucket,
      's3_bucket_object_lock_enabled_check',
      'Query results are derived, re-runnable and expire after queryResultRetentionDays; Object Lock retention ' +
        'would keep them (and the user ids some hold) regardless.',
    );

    this.workGroupName = Names.uniqueResourceName(this, { maxLength: 128, separator: '-' });
    this.workGroup = new CfnWorkGroup(this, 'WorkGroup', {
      name: this.workGroupName,
      description: 'RecoStream analysts and batch jobs: engine v3, encrypted results, bytes-scanned cutoff',
      state: 'ENABLED',
      // Query history counts as workgroup content; without this the workgroup (and the stack) cannot be deleted
      // once a query has run.
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: cutoffBytes,
        requesterPaysEnabled: false,
        engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
        resultConfiguration: {
          outputLocation: `s3://${this.resultsBucket.bucketName}/results/`,
          expectedBucketOwner: Aws.ACCOUNT_ID,
          encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKey: this.key.keyArn },
        },
      },
    });

    const namedQueriesScope = new Construct(this, 'NamedQueries');
    this.namedQueries = readNamedQueryFiles(props.namedQueriesDirectory ?? NAMED_QUERIES_DIR).map(
      (file) =>
        new CfnNamedQuery(namedQueriesScope, file.name, {
          name: file.name,
          description: file.description,
          database: this.database.ref,
          workGroup: this.workGroup.ref,
          queryString: file.queryString,
        }),
    );
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

  private createPseudonymKey(): Secret {
    const secret = new Secret(this, 'PseudonymKey', {
      description: 'RecoStream: HMAC key of the user id pseudonyms in the data lake',
      encryptionKey: this.key,
      // 64 letters and digits (~380 bits); a deleted key would make the lake's pseudonyms unrelatable to users,
      // so deletion purges could no longer find their rows: keep it when the stack goes.
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The pseudonym HMAC key is not rotated automatically: a new key changes every pseudonym, which splits ' +
        "each user's lake history in two and breaks deletion purges of older rows. Rotation is a deliberate, " +
        'versioned (p1_ -> p2_) operation, described in docs/operations.md.',
    });
    return secret;
  }

  private createPseudonymizer(secret: Secret): RecoFunction {
    const fn = new RecoFunction(this, 'Pseudonymizer', {
      entry: 'lambdas/lake-pseudonymize/handler.ts',
      description: 'Firehose transformation: userId / anonymousId -> HMAC pseudonyms before the lake',
      memorySize: 512,
      // Firehose waits up to 5 minutes per invocation; a 1 MB batch takes well under a second.
      timeout: Duration.minutes(1),
      environment: { PSEUDONYM_SECRET_ARN: secret.secretArn },
    });
    secret.grantRead(fn);
    this.deliveryRole.addToPrincipalPolicy(
      new PolicyStatement({
        // Firehose invokes the unqualified ARN and reads its configuration; no version wildcard needed.
        actions: ['lambda:InvokeFunction', 'lambda:GetFunctionConfiguration'],
        resources: [fn.functionArn],
      }),
    );
    return fn;
  }

  private acknowledgeDeliveryFindings(bucket: IBucket): void {
    Validations.of(this.deliveryStream).acknowledge({
      id: 'AwsSolutions-KDF1',
      reason:
        'Firehose does not support server-side encryption for a Kinesis stream source: the records stay ' +
        'encrypted in the source stream (customer-managed key) and Firehose writes them to S3 with that key ' +
        '(KMSEncryptionConfig); in between they only exist in transit over TLS.',
    });
    const policy = this.deliveryRole.node.tryFindChild('DefaultPolicy');
    if (!policy) return;
    const acknowledge = (id: string, reason: string) => Validations.of(policy).acknowledge({ id, reason });
    acknowledge(
      'AwsSolutions-IAM5[Action::s3:Abort*]',
      'Part of the CDK grantPut action set (s3:AbortMultipartUpload), on the prefix-scoped object ARNs only.',
    );
    const kmsReason =
      'Added by the CDK grants on the KMS-encrypted stream and bucket; the statement is scoped to the one ' +
      'customer-managed key, and the wildcard only spans the ReEncrypt* / GenerateDataKey* variants.';
    acknowledge('AwsSolutions-IAM5[Action::kms:ReEncrypt*]', kmsReason);
    acknowledge('AwsSolutions-IAM5[Action::kms:GenerateDataKey*]', kmsReason);
    const cfnBucket = bucket.node.defaultChild;
    if (CfnResource.isCfnResource(cfnBucket)) {
      const logicalId = Stack.of(cfnBucket).getLogicalId(cfnBucket);
      for (const prefix of [EVENTS_PREFIX, DELIVERY_ERRORS_PREFIX]) {
        acknowledge(
          `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>/${prefix}*]`,
          `Firehose writes objects under '${prefix}' only; the wildcard stands for the object keys it generates ` +
            'under that prefix.',
        );
      }
    }
  }
}

export function glueColumn(column: LakeColumn): CfnTable.ColumnProperty {
  return { name: column.name, type: column.type, comment: column.comment };
}

/** Storage of a Glue table of Parquet objects under `location` (the events table, the cf job's state). */
export function parquetStorage(
  columns: readonly LakeColumn[],
  location: string,
): CfnTable.StorageDescriptorProperty {
  return {
    columns: columns.map(glueColumn),
    location,
    inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
    outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
    serdeInfo: {
      serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
      parameters: { 'serialization.format': '1' },
    },
    storedAsSubDirectories: false,
  };
}

/** `{ column: jsonKey }` for the columns whose JSON key differs from the column name. */
function jsonKeyMappings(columns: readonly LakeColumn[]): Record<string, string> {
  return Object.fromEntries(columns.flatMap((c) => (c.jsonKey ? [[c.name, c.jsonKey]] : [])));
}

function dateProjection(startDate: string): Record<string, string> {
  return {
    type: 'date',
    format: 'yyyy-MM-dd',
    range: `${startDate},NOW`,
    interval: '1',
    'interval.unit': 'DAYS',
  };
}

/**
 * `projection.enabled` plus `projection.<key>.<property>` for every partition key; throws when a key has no
 * projection (Athena would then find no partition at all) or a projection names no key.
 */
function projectionParameters(
  keys: readonly LakeColumn[],
  projections: Readonly<Record<string, Readonly<Record<string, string>>>>,
): Record<string, string> {
  const names = keys.map((k) => k.name);
  const projected = Object.keys(projections);
  if (names.length !== projected.length || names.some((n) => !projected.includes(n))) {
    throw new Error(
      `Partition projection must cover exactly the partition keys [${names}], got [${projected}]`,
    );
  }
  const parameters: Record<string, string> = { 'projection.enabled': 'true' };
  for (const name of names) {
    for (const [property, value] of Object.entries(projections[name] ?? {})) {
      parameters[`projection.${name}.${property}`] = value;
    }
  }
  return parameters;
}

/** Firehose's Lambda processor; 1 MB batches keep the response (ids grow to 67 characters) far below 6 MB. */
function lambdaProcessor(fn: RecoFunction): CfnDeliveryStream.ProcessorProperty {
  return {
    type: 'Lambda',
    parameters: [
      { parameterName: 'LambdaArn', parameterValue: fn.functionArn },
      { parameterName: 'NumberOfRetries', parameterValue: '3' },
      { parameterName: 'BufferSizeInMBs', parameterValue: '1' },
      { parameterName: 'BufferIntervalInSeconds', parameterValue: '60' },
    ],
  };
}

/** `key1=${key1}/key2=${key2}/` for Athena's `storage.location.template`. */
function locationTemplate(keys: readonly LakeColumn[]): string {
  return keys.map((k) => `${k.name}=\${${k.name}}/`).join('');
}

/**
 * The JQ 1.6 object Firehose's MetadataExtraction processor evaluates, keys in partition order, from the
 * same sources `eventPartition()` uses locally: the receipt time (`receivedAt`, always UTC ISO-8601 with
 * `Z`, set by the server), never the client's `occurredAt`.
 */
function eventPartitionQuery(): string {
  const fields = EVENT_PARTITION_KEYS.map((k) => {
    const source = EVENT_PARTITION_SOURCES[k.name];
    if (!source) throw new Error(`No source for events partition key '${k.name}'`);
    const slice = source.slice ? `[${source.slice[0]}:${source.slice[1]}]` : '';
    return `${k.name}: .${source.field}${slice}`;
  });
  return `{${fields.join(', ')}}`;
}
