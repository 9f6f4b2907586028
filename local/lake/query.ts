/**
 * SQL over the local data lake with DuckDB, as the same tables Athena sees in AWS:
 *
 *   events         <lakeDir>/events/event_type=…/dt=…/hour=…/*.parquet   (EVENT_COLUMNS + event_type, dt, hour)
 *   events_unique  one row per event over events (sql/views/events_unique.sql, the same SQL as the Glue view)
 *   identities     anonymous ids linked to users (sql/views/identities.sql, the same SQL as the Glue view)
 *   attribution_touches  the attribution rule: purchase lines and the impressions that may earn them
 *                  (sql/views/attribution_touches.sql, the same SQL as the Glue view)
 *   quarantine     <lakeDir>/quarantine/dt=…/reason=…/*.jsonl             (QUARANTINE_COLUMNS + dt, reason)
 *   cf_state       <lakeDir>/jobs/cf/state/run=…/*.parquet                 (CF_STATE_COLUMNS + run)
 *   items          <lakeDir>/items/dt=…/*.jsonl                            (ITEM_CHANGE_COLUMNS + dt; catalogue changes)
 *
 * The tables are views whose columns are built from lake-columns.ts, with the Glue types and names (JSON
 * keys of the quarantine records mapped to their column names, partition columns as strings), so a
 * query that runs here runs on Athena unchanged, as long as it keeps to the SQL both engines accept
 * (see sql/named/*.sql). When the lake has no files yet the views still exist, typed and empty.
 *
 * Also here: the engine-neutral result type shared with the Athena adapter (athena-query.ts), result
 * formatting for the CLI (aligned table, RFC 4180 CSV, JSON) and the named queries in sql/named.
 */

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  type DuckDBConnection,
  type DuckDBExtractedStatements,
  DuckDBInstance,
  type DuckDBPreparedStatement,
  type DuckDBResultReader,
} from '@duckdb/node-api';
import { CF_STATE_COLUMNS, CF_STATE_PARTITION_KEY } from '../../lambdas/jobs/job-sql';
import {
  ITEM_CHANGE_COLUMNS,
  ITEM_CHANGE_PARTITION_KEYS,
  ITEMS_LAKE_TABLE,
  ITEMS_PREFIX,
} from '../../lambdas/shared/catalogue-lake';
import {
  EVENT_COLUMNS,
  EVENT_PARTITION_KEYS,
  type LakeColumn,
  QUARANTINE_COLUMNS,
  QUARANTINE_PARTITION_KEYS,
} from '../../lambdas/shared/events/lake-columns';
import {
  ATTRIBUTION_TOUCHES_VIEW,
  attributionTouchesSql,
  EVENTS_UNIQUE_VIEW,
  eventsUniqueSql,
  IDENTITIES_VIEW,
  identitiesSql,
  RECOMMENDATION_CLICKS_VIEW,
  RECOMMENDATION_SLOTS_VIEW,
  recommendationClicksSql,
  recommendationSlotsSql,
} from '../../lambdas/shared/events/lake-views';
import { CF_STATE_PREFIX, EVENTS_PREFIX, QUARANTINE_PREFIX } from '../../lambdas/shared/lake-layout';
import { type BucketLocation, bucketStorage } from './bucket-storage';
import { hiveTypeToDuckDb as duckdbType } from './writer';

/** A query result, whatever engine ran it. Values are JSON-safe: numbers, strings, booleans, null, arrays, objects. */
export interface QueryResult {
  readonly columns: readonly string[];
  /** Engine type names, one per column (DuckDB: `BIGINT`, Athena: `bigint`). */
  readonly types: readonly string[];
  readonly rows: readonly (readonly unknown[])[];
}

/** What `recostream query` runs SQL on: DuckDB over the local lake, or Athena. */
export interface LakeQueryEngine {
  /** For messages, e.g. `local lake .data/lake (DuckDB)`. */
  readonly description: string;
  runQuery(sql: string): Promise<QueryResult>;
  close(): Promise<void>;
}

/** Relative globs of the two tables: one level per partition key, as Firehose and the ingest API write them. */
export const EVENTS_GLOB = 'events/*/*/*/*.parquet';
export const QUARANTINE_GLOB = 'quarantine/*/*/*.jsonl';
/** The cf job's state (written by local/job-engine.ts as Athena's UNLOAD would): `jobs/cf/state/run=…/*.parquet`. */
export const CF_STATE_GLOB = `${CF_STATE_PREFIX}run=*/*.parquet`;
/** The catalogue's change log, written by PUT /v1/items: `items/dt=…/*.jsonl`. */
export const ITEMS_GLOB = `${ITEMS_PREFIX}dt=*/*.jsonl`;

export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

// ---------------------------------------------------------------------------------------------
// The local lake
// ---------------------------------------------------------------------------------------------

/** The lake of a local runtime data directory: `<dataDir>/lake`, which the runtime links to the lake bucket's folder. */
export function localLakeDir(dataDir: string): string {
  return join(dataDir, 'lake');
}

/**
 * DuckDB locked down for SQL typed by a person (the console's query box): files can be opened only under the
 * lake directory (`allowed_directories` with `enable_external_access = false`, so `read_text('/etc/passwd')`,
 * `ATTACH`, `COPY … TO` elsewhere and URLs all fail), extensions are neither installed nor loaded on demand,
 * and `lock_configuration` refuses any `SET` that would undo this. Which statements run at all is the
 * caller's decision (see console-query.ts: one prepared SELECT).
 */
export interface ConfinedLakeOptions {
  /** DuckDB worker threads. */
  readonly threads: number;
  /** DuckDB memory limit, e.g. `512MB`. */
  readonly memoryLimit: string;
}

export interface LocalLakeOptions {
  /** Confine DuckDB to the lake directory and lock its configuration; absent: an ordinary instance. */
  readonly confined?: ConfinedLakeOptions;
}

export interface LocalLakeStatus {
  /** Files the `events` view reads; 0 means the view is the empty typed table. */
  readonly eventFiles: number;
  readonly quarantineFiles: number;
}

export class LocalLake implements LakeQueryEngine {
  readonly description: string;
  private status: LocalLakeStatus = { eventFiles: 0, quarantineFiles: 0 };

  private constructor(
    readonly lakeDir: string,
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
  ) {
    this.description = `local lake ${lakeDir} (DuckDB)`;
  }

  static async open(lakeDir: string, options: LocalLakeOptions = {}): Promise<LocalLake> {
    const root = resolve(lakeDir);
    const instance = await DuckDBInstance.create(
      ':memory:',
      options.confined ? { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' } : {},
    );
    try {
      const connection = await instance.connect();
      // Athena runs in UTC: current_date and timestamp rendering must match.
      await connection.run(`SET TimeZone = 'UTC'`);
      if (options.confined) await confine(connection, root, options.confined);
      const lake = new LocalLake(root, instance, connection);
      await lake.refresh();
      return lake;
    } catch (error) {
      instance.closeSync();
      throw error;
    }
  }

  get files(): LocalLakeStatus {
    return this.status;
  }

  /**
   * (Re)creates the views. Views read their globs at query time, so new files in existing partitions
   * show up by themselves; call this after the first files of a table appear (or their columns change).
   */
  async refresh(): Promise<LocalLakeStatus> {
    const eventsGlob = join(this.lakeDir, EVENTS_GLOB);
    const quarantineGlob = join(this.lakeDir, QUARANTINE_GLOB);
    const eventFiles = await this.countFiles(eventsGlob);
    const quarantineFiles = await this.countFiles(quarantineGlob);

    const hiveTypes = (keys: readonly LakeColumn[]) =>
      `{${keys.map((k) => `${sqlString(k.name)}: ${duckdbType(k.type)}`).join(', ')}}`;

    let eventsSource: string | undefined;
    let present = new Set<string>();
    if (eventFiles > 0) {
      eventsSource = `read_parquet(${sqlString(eventsGlob)}, hive_partitioning = true, union_by_name = true, hive_types = ${hiveTypes(EVENT_PARTITION_KEYS)})`;
      present = new Set(await this.columnNames(eventsSource));
    }
    await this.connection.run(
      `CREATE OR REPLACE VIEW events AS ${typedSelect(
        [...EVENT_COLUMNS, ...EVENT_PARTITION_KEYS].map((c) => ({ column: c, source: c.name })),
        eventsSource,
        present,
      )}`,
    );
    // In dependency order: the later views read events_unique.
    const views: Array<[string, string]> = [
      [EVENTS_UNIQUE_VIEW, eventsUniqueSql()],
      [IDENTITIES_VIEW, identitiesSql()],
      [ATTRIBUTION_TOUCHES_VIEW, attributionTouchesSql()],
      [RECOMMENDATION_SLOTS_VIEW, recommendationSlotsSql()],
      [RECOMMENDATION_CLICKS_VIEW, recommendationClicksSql()],
    ];
    for (const [view, sql] of views) await this.connection.run(`CREATE OR REPLACE VIEW ${view} AS\n${sql}`);

    let quarantineSource: string | undefined;
    if (quarantineFiles > 0) {
      const jsonColumns = QUARANTINE_COLUMNS.map(
        (c) => `${sqlString(c.jsonKey ?? c.name)}: ${sqlString(duckdbType(c.type))}`,
      ).join(', ');
      quarantineSource = `read_json(${sqlString(quarantineGlob)}, format = 'newline_delimited', hive_partitioning = true, hive_types = ${hiveTypes(QUARANTINE_PARTITION_KEYS)}, columns = {${jsonColumns}})`;
    }
    await this.connection.run(
      `CREATE OR REPLACE VIEW quarantine AS ${typedSelect(
        [
          ...QUARANTINE_COLUMNS.map((c) => ({ column: c, source: c.jsonKey ?? c.name })),
          ...QUARANTINE_PARTITION_KEYS.map((c) => ({ column: c, source: c.name })),
        ],
        quarantineSource,
        undefined,
      )}`,
    );
    await this.refreshCfState();
    await this.refreshItems();
    this.status = { eventFiles, quarantineFiles };
    return this.status;
  }

  /** `items`: the catalogue's change log (lambdas/shared/catalogue-lake.ts), JSON lines per request and day. */
  private async refreshItems(): Promise<void> {
    const glob = join(this.lakeDir, ITEMS_GLOB);
    const files = await this.countFiles(glob);
    const jsonColumns = ITEM_CHANGE_COLUMNS.map(
      (c) => `${sqlString(c.name)}: ${sqlString(duckdbType(c.type))}`,
    );
    const source =
      files > 0
        ? `read_json(${sqlString(glob)}, format = 'newline_delimited', hive_partitioning = true, hive_types = {'dt': VARCHAR}, columns = {${jsonColumns.join(', ')}})`
        : undefined;
    await this.connection.run(
      `CREATE OR REPLACE VIEW ${ITEMS_LAKE_TABLE} AS ${typedSelect(
        [...ITEM_CHANGE_COLUMNS, ...ITEM_CHANGE_PARTITION_KEYS].map((c) => ({ column: c, source: c.name })),
        source,
        undefined,
      )}`,
    );
  }

  /** `cf_state`: the collaborative-filtering state the cf job writes, one `run=<runId>` partition per run. */
  private async refreshCfState(): Promise<void> {
    const glob = join(this.lakeDir, CF_STATE_GLOB);
    const files = await this.countFiles(glob);
    const source =
      files > 0
        ? `read_parquet(${sqlString(glob)}, hive_partitioning = true, union_by_name = true, hive_types = {${sqlString(CF_STATE_PARTITION_KEY.name)}: VARCHAR})`
        : undefined;
    await this.connection.run(
      `CREATE OR REPLACE VIEW cf_state AS ${typedSelect(
        [...CF_STATE_COLUMNS, CF_STATE_PARTITION_KEY].map((c) => ({ column: c, source: c.name })),
        source,
        undefined,
      )}`,
    );
  }

  async runQuery(sql: string): Promise<QueryResult> {
    return toQueryResult(await this.connection.runAndReadAll(sql));
  }

  /** The statements of `sql` as DuckDB's own parser splits them (a syntax error throws); nothing runs. */
  extractStatements(sql: string): Promise<DuckDBExtractedStatements> {
    return this.connection.extractStatements(sql);
  }

  /** Streams a prepared statement's result and keeps at most `maxRows` rows of it. */
  async readPrepared(statement: DuckDBPreparedStatement, maxRows: number): Promise<QueryResult> {
    const result = toQueryResult(await statement.streamAndReadUntil(maxRows));
    return { ...result, rows: result.rows.slice(0, maxRows) };
  }

  /** Stops the query running on this lake's connection (it then fails with an interrupt error). */
  interrupt(): void {
    this.connection.interrupt();
  }

  async close(): Promise<void> {
    this.connection.closeSync();
    this.instance.closeSync();
  }

  private async countFiles(glob: string): Promise<number> {
    const reader = await this.connection.runAndReadAll(`SELECT count(*) FROM glob(${sqlString(glob)})`);
    return Number(reader.getRowsJson()[0]?.[0] ?? 0);
  }

  private async columnNames(source: string): Promise<string[]> {
    const reader = await this.connection.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`);
    return reader.getRowObjectsJson().map((row) => String(row.column_name));
  }
}

/** The prefixes the lake's tables read (the globs above): what a local copy of the lake bucket must hold. */
export const LAKE_TABLE_PREFIXES: readonly string[] = [
  EVENTS_PREFIX,
  QUARANTINE_PREFIX,
  CF_STATE_PREFIX,
  ITEMS_PREFIX,
];

/**
 * openLocalLake over a lake bucket: its local copy brought up to date first (one sync per call; the bucket's
 * folder itself by default, a copy synced from moto's S3 in the moto set).
 */
export async function openBucketLake(
  lake: BucketLocation,
  options: LocalLakeOptions = {},
): Promise<LocalLake> {
  return LocalLake.open(await bucketStorage(lake).localCopy(LAKE_TABLE_PREFIXES), options);
}

/** Opens DuckDB in memory with the `events` and `quarantine` views over `lakeDir` (which may not exist yet). */
export function openLocalLake(lakeDir: string, options: LocalLakeOptions = {}): Promise<LocalLake> {
  return LocalLake.open(lakeDir, options);
}

/** Applies ConfinedLakeOptions; the order matters: `allowed_directories` can only be set before access is off. */
async function confine(connection: DuckDBConnection, lakeDir: string, options: ConfinedLakeOptions) {
  if (!Number.isInteger(options.threads) || options.threads < 1)
    throw new Error(`threads must be a positive integer, got ${options.threads}`);
  await connection.run(`SET threads = ${options.threads}`);
  await connection.run(`SET memory_limit = ${sqlString(options.memoryLimit)}`);
  await connection.run(`SET allowed_directories = [${sqlString(`${lakeDir}/`)}]`);
  await connection.run('SET enable_external_access = false');
  await connection.run('SET lock_configuration = true');
}

function toQueryResult(reader: DuckDBResultReader): QueryResult {
  const columns = reader.columnNames();
  const types = reader.columnTypes().map((t) => t.toString());
  const wide = types.map((t) => WIDE_INTEGER_TYPES.has(t));
  const rows = reader
    .getRowsJson()
    .map((row) =>
      row.map((value, i) => (wide[i] && typeof value === 'string' ? integerValue(value) : value)),
    );
  return { columns, types, rows };
}

/**
 * `SELECT CAST(src AS type) AS name, …` over a source, with the lake's column names and types. A
 * column the files lack (e.g. added to the schema later) reads as NULL; without a source the select
 * returns no rows but has every column, typed.
 */
function typedSelect(
  columns: ReadonlyArray<{ column: LakeColumn; source: string }>,
  source: string | undefined,
  present: ReadonlySet<string> | undefined,
): string {
  const list = columns
    .map(({ column, source: from }) => {
      const value = source && (present === undefined || present.has(from)) ? quoteIdentifier(from) : 'NULL';
      return `CAST(${value} AS ${duckdbType(column.type)}) AS ${quoteIdentifier(column.name)}`;
    })
    .join(',\n  ');
  return source ? `SELECT\n  ${list}\nFROM ${source}` : `SELECT\n  ${list}\nWHERE false`;
}

// DuckDB's JSON form renders these as strings (they can exceed 2^53); counts and sums are among them.
const WIDE_INTEGER_TYPES: ReadonlySet<string> = new Set(['BIGINT', 'UBIGINT', 'HUGEINT', 'UHUGEINT']);

/** A number when it is exact as one, else the decimal string. */
export function integerValue(text: string): number | string {
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : text;
}

// The result formats live in result-format.ts; re-exported here for the lake's callers.
export {
  formatCsv,
  formatJson,
  formatResult,
  formatTable,
  OUTPUT_FORMATS,
  type OutputFormat,
  rowObjects,
} from './result-format';

// ---------------------------------------------------------------------------------------------
// Named queries: sql/named/<name>.sql
// ---------------------------------------------------------------------------------------------

export const NAMED_QUERY_DIR = resolve(__dirname, '..', '..', 'sql', 'named');

export interface NamedQuery {
  readonly name: string;
  /** The first line without its `-- `: the Athena named query's description. */
  readonly description: string;
  readonly sql: string;
}

export class UnknownNamedQueryError extends Error {
  constructor(
    readonly requested: string,
    readonly available: readonly string[],
  ) {
    super(
      `no named query '${requested}'; available: ${available.length > 0 ? available.join(', ') : '(none)'}`,
    );
    this.name = 'UnknownNamedQueryError';
  }
}

export function listNamedQueries(dir = NAMED_QUERY_DIR): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((file) => file.endsWith('.sql') && statSync(join(dir, file)).isFile())
    .map((file) => file.slice(0, -'.sql'.length))
    .sort();
}

export function loadNamedQuery(name: string, dir = NAMED_QUERY_DIR): NamedQuery {
  const available = listNamedQueries(dir);
  if (!available.includes(name)) throw new UnknownNamedQueryError(name, available);
  const sql = readFileSync(join(dir, `${name}.sql`), 'utf8');
  const first = sql.split('\n', 1)[0] ?? '';
  return { name, description: first.replace(/^--\s*/, '').trim(), sql };
}
