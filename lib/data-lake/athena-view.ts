/**
 * An Athena view as a Glue table, the way Athena's own `CREATE VIEW` stores it, so CloudFormation can own it:
 * table type `VIRTUAL_VIEW`, parameters `presto_view = true` and `comment = Presto View` (Trino recognises a
 * view by these three), `ViewOriginalText` = `/* Presto View: <base64 of the JSON definition> *\/` and
 * `ViewExpandedText` = `/* Presto View *\/`. The JSON is Trino's ConnectorViewDefinition: the SQL, the catalog
 * and schema its table names resolve in, and the output columns with their Trino types (checked against the
 * query when the view is read: a mismatch makes Athena call the view stale). The storage descriptor repeats
 * the columns with their Hive types, as Athena does, for Glue's own listings.
 */
import { Token } from 'aws-cdk-lib';
import type { CfnTable } from 'aws-cdk-lib/aws-glue';
import { type HiveScalar, type HiveType, parseHiveType } from '../../lambdas/shared/events/hive-types';
import type { LakeColumn } from '../../lambdas/shared/events/lake-columns';

const VIEW_PREFIX = '/* Presto View: ';
const VIEW_SUFFIX = ' */';
/** Athena's Glue catalog, as it names it inside view definitions. */
export const ATHENA_CATALOG = 'awsdatacatalog';

/** The JSON Athena (Trino) stores, base64-encoded, in `ViewOriginalText`. */
export interface PrestoViewDefinition {
  readonly originalSql: string;
  readonly catalog: string;
  readonly schema: string;
  readonly columns: ReadonlyArray<{ readonly name: string; readonly type: string }>;
  /** Run with the querying user's permissions (Athena's views are invoker views). */
  readonly runAsInvoker: boolean;
}

export interface AthenaViewProps {
  readonly name: string;
  readonly description: string;
  /** Glue database (a literal name: it is encoded into the definition at synth time). */
  readonly databaseName: string;
  /** The view's SELECT; table names resolve in `databaseName`. */
  readonly sql: string;
  /** The columns the SELECT returns, in order, with their Hive types. */
  readonly columns: readonly LakeColumn[];
}

/** The `TableInput` of an Athena view. */
export function athenaViewTableInput(props: AthenaViewProps): CfnTable.TableInputProperty {
  return {
    name: props.name,
    description: props.description,
    tableType: 'VIRTUAL_VIEW',
    parameters: { presto_view: 'true', comment: 'Presto View' },
    viewOriginalText: encodePrestoView(prestoViewDefinition(props)),
    viewExpandedText: '/* Presto View */',
    partitionKeys: [],
    storageDescriptor: {
      columns: props.columns.map((c) => ({ name: c.name, type: c.type, comment: c.comment })),
      serdeInfo: {},
    },
  };
}

export function prestoViewDefinition(props: AthenaViewProps): PrestoViewDefinition {
  if (Token.isUnresolved(props.databaseName) || Token.isUnresolved(props.sql))
    throw new Error(`Athena view '${props.name}': the database name and SQL must be known at synth time`);
  return {
    originalSql: props.sql,
    catalog: ATHENA_CATALOG,
    schema: props.databaseName,
    columns: props.columns.map((c) => ({ name: c.name, type: hiveTypeToTrino(c.type) })),
    runAsInvoker: true,
  };
}

export function encodePrestoView(definition: PrestoViewDefinition): string {
  return `${VIEW_PREFIX}${Buffer.from(JSON.stringify(definition), 'utf8').toString('base64')}${VIEW_SUFFIX}`;
}

/** The inverse of `encodePrestoView`, as Trino's view reader decodes `ViewOriginalText`. */
export function decodePrestoView(text: string): PrestoViewDefinition {
  if (!text.startsWith(VIEW_PREFIX) || !text.endsWith(VIEW_SUFFIX))
    throw new Error(`not a Presto view text: ${text.slice(0, 40)}…`);
  const base64 = text.slice(VIEW_PREFIX.length, text.length - VIEW_SUFFIX.length);
  return JSON.parse(Buffer.from(base64, 'base64').toString('utf8')) as PrestoViewDefinition;
}

/**
 * Hive type -> the Trino type Athena engine 3 reads it as (its type id in a view definition): `string` ->
 * `varchar`, `int` -> `integer`, `timestamp` -> `timestamp(3)`, `array<…>` -> `array(…)`, `struct<a:…>` ->
 * `row(a …)`.
 */
export function hiveTypeToTrino(hiveType: string): string {
  return trinoType(parseHiveType(hiveType));
}

const TRINO_SCALARS: Readonly<Record<HiveScalar, string>> = {
  boolean: 'boolean',
  tinyint: 'tinyint',
  smallint: 'smallint',
  int: 'integer',
  bigint: 'bigint',
  float: 'real',
  double: 'double',
  string: 'varchar',
  date: 'date',
  timestamp: 'timestamp(3)',
  binary: 'varbinary',
};

function trinoType(type: HiveType): string {
  switch (type.kind) {
    case 'scalar':
      return TRINO_SCALARS[type.name];
    case 'decimal':
      return `decimal(${type.precision},${type.scale})`;
    case 'array':
      return `array(${trinoType(type.element)})`;
    case 'map':
      return `map(${trinoType(type.key)},${trinoType(type.value)})`;
    case 'struct':
      return `row(${type.fields.map((f) => `${f.name.toLowerCase()} ${trinoType(f.type)}`).join(',')})`;
  }
}
