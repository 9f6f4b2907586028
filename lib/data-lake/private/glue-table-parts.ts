/** Pieces of Glue table inputs shared by the lake's tables (events, quarantine) and the jobs' `cf_state`. */
import type { CfnTable } from 'aws-cdk-lib/aws-glue';
import type { LakeColumn } from '../../../lambdas/shared/events';

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
export function jsonKeyMappings(columns: readonly LakeColumn[]): Record<string, string> {
  return Object.fromEntries(columns.flatMap((c) => (c.jsonKey ? [[c.name, c.jsonKey]] : [])));
}

export function dateProjection(startDate: string): Record<string, string> {
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
export function projectionParameters(
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

/** `key1=${key1}/key2=${key2}/` for Athena's `storage.location.template`. */
export function locationTemplate(keys: readonly LakeColumn[]): string {
  return keys.map((k) => `${k.name}=\${${k.name}}/`).join('');
}
