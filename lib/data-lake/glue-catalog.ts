/**
 * The lake's Glue catalog: the database, the `events` table (Parquet from Firehose), the `events_unique`
 * view and the `quarantine` table (JSON lines), both tables with partition projection so Athena needs no
 * crawler and no MSCK REPAIR. Created in the DataLake's scope, so the logical ids are the construct's.
 */
import { Aws } from 'aws-cdk-lib';
import { CfnDatabase, CfnTable } from 'aws-cdk-lib/aws-glue';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import {
  EVENT_COLUMNS,
  EVENT_PARTITION_KEYS,
  EVENT_TYPES,
  QUARANTINE_COLUMNS,
  QUARANTINE_PARTITION_KEYS,
} from '../../lambdas/shared/events';
import {
  EVENTS_UNIQUE_COLUMNS,
  EVENTS_UNIQUE_VIEW,
  eventsUniqueSql,
} from '../../lambdas/shared/events/lake-views';
import { EVENTS_PREFIX } from '../../lambdas/shared/lake-layout';
import { QUARANTINE_REASONS } from '../../lambdas/shared/quarantine-layout';
import { athenaViewTableInput } from './athena-view';
import {
  dateProjection,
  glueColumn,
  jsonKeyMappings,
  locationTemplate,
  parquetStorage,
  projectionParameters,
} from './private/glue-table-parts';

/** Glue table of the events Firehose delivers as Parquet. */
export const EVENTS_TABLE_NAME = 'events';
/** Glue table over the JSON-lines objects the ingest API (and the consumer) quarantine. */
export const QUARANTINE_TABLE_NAME = 'quarantine';

export interface LakeCatalogProps {
  readonly bucket: IBucket;
  readonly databaseName: string;
  readonly quarantinePrefix: string;
  /** First day (`yyyy-MM-dd`) of the `dt` projections. */
  readonly projectionStartDate: string;
}

export interface LakeCatalog {
  readonly database: CfnDatabase;
  readonly eventsTable: CfnTable;
  readonly eventsUniqueView: CfnTable;
  readonly quarantineTable: CfnTable;
}

export function createLakeCatalog(scope: Construct, props: LakeCatalogProps): LakeCatalog {
  const { bucket, databaseName, projectionStartDate: startDate } = props;
  const database = new CfnDatabase(scope, 'Database', {
    catalogId: Aws.ACCOUNT_ID,
    databaseInput: {
      name: databaseName,
      description: 'RecoStream data lake: raw events (Parquet) and quarantined events (JSON lines)',
    },
  });

  const eventsLocation = `s3://${bucket.bucketName}/${EVENTS_PREFIX}`;
  const eventsTable = new CfnTable(scope, 'EventsTable', {
    catalogId: Aws.ACCOUNT_ID,
    databaseName: database.ref,
    tableInput: {
      name: EVENTS_TABLE_NAME,
      description: 'Canonical events delivered by Firehose, partitioned by event type and receipt time (UTC)',
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
  const eventsUniqueView = new CfnTable(scope, 'EventsUniqueView', {
    catalogId: Aws.ACCOUNT_ID,
    databaseName: database.ref,
    tableInput: athenaViewTableInput({
      name: EVENTS_UNIQUE_VIEW,
      description:
        'One row per event (the earliest received copy of each event_id per receipt day) over events',
      databaseName,
      sql: eventsUniqueSql(),
      columns: EVENTS_UNIQUE_COLUMNS,
    }),
  });
  eventsUniqueView.node.addDependency(eventsTable);

  const quarantineLocation = `s3://${bucket.bucketName}/${props.quarantinePrefix}`;
  const quarantineTable = new CfnTable(scope, 'QuarantineTable', {
    catalogId: Aws.ACCOUNT_ID,
    databaseName: database.ref,
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
  return { database, eventsTable, eventsUniqueView, quarantineTable };
}
