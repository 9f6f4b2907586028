/**
 * The lake's `items` table: the catalogue's change log (lambdas/shared/catalogue-lake.ts), JSON lines that
 * `PUT /v1/items` appends under `items/dt=…/`, with partition projection on the day (no crawler).
 */
import { Aws } from 'aws-cdk-lib';
import { type CfnDatabase, CfnTable } from 'aws-cdk-lib/aws-glue';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import {
  ITEM_CHANGE_COLUMNS,
  ITEM_CHANGE_PARTITION_KEYS,
  ITEMS_LAKE_TABLE,
  ITEMS_PREFIX,
} from '../../lambdas/shared/catalogue-lake';

export interface ItemsLakeTableProps {
  readonly database: CfnDatabase;
  readonly bucket: IBucket;
  /** First day of the `dt` projection (yyyy-MM-dd). */
  readonly projectionStartDate: string;
}

export class ItemsLakeTable extends Construct {
  public readonly table: CfnTable;

  constructor(scope: Construct, id: string, props: ItemsLakeTableProps) {
    super(scope, id);
    const location = `s3://${props.bucket.bucketName}/${ITEMS_PREFIX}`;
    const column = (c: { name: string; type: string; comment: string }) => ({
      name: c.name,
      type: c.type,
      comment: c.comment,
    });
    this.table = new CfnTable(this, 'Resource', {
      catalogId: Aws.ACCOUNT_ID,
      databaseName: props.database.ref,
      tableInput: {
        name: ITEMS_LAKE_TABLE,
        description: 'Catalogue changes written by PUT /v1/items (one row per item and request)',
        tableType: 'EXTERNAL_TABLE',
        parameters: {
          EXTERNAL: 'TRUE',
          classification: 'json',
          'projection.enabled': 'true',
          'projection.dt.type': 'date',
          'projection.dt.format': 'yyyy-MM-dd',
          'projection.dt.range': `${props.projectionStartDate},NOW`,
          'projection.dt.interval': '1',
          'projection.dt.interval.unit': 'DAYS',
          'storage.location.template': `${location}dt=\${dt}/`,
        },
        partitionKeys: ITEM_CHANGE_PARTITION_KEYS.map(column),
        storageDescriptor: {
          columns: ITEM_CHANGE_COLUMNS.map(column),
          location,
          inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
          outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
          serdeInfo: {
            serializationLibrary: 'org.openx.data.jsonserde.JsonSerDe',
            parameters: { 'ignore.malformed.json': 'true' },
          },
          storedAsSubDirectories: false,
        },
      },
    });
  }
}
