/**
 * Writes lake objects the way Firehose does in AWS, for the local delivery loop (lake-delivery.ts):
 * canonical events become Snappy-compressed Parquet with exactly the Glue table's columns
 * (EVENT_COLUMNS, in order), one object per dynamic partition under the delivery stream's Prefix
 * with `!{partitionKeyFromQuery:…}` filled in. Partition values live only in the object key (Hive
 * layout), never as columns in the files. Records Firehose could not convert go to the
 * ErrorOutputPrefix as JSON lines carrying the raw data in base64, as Firehose's error records do.
 *
 * Parquet is written by DuckDB: the rows go to a temporary JSON-lines file, one COPY … PARTITION_BY
 * turns it into one Parquet file per partition in a staging folder (outside the lake, so readers
 * never see half-written files), and each file is then put to the bucket at its final key (moved into
 * the bucket's folder, or a PutObject on moto: bucket-storage.ts).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, open, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import {
  type CanonicalEvent,
  EVENT_COLUMNS,
  eventPartition,
  type LakeColumn,
  toLakeRow,
} from '../../lambdas/shared/events';
import { type HiveScalar, type HiveType, parseHiveType } from '../../lambdas/shared/events/hive-types';
import { type BucketLocation, bucketStorage } from './bucket-storage';

export type EventPartition = ReturnType<typeof eventPartition>;

export interface WriteEventsOptions {
  /** The destination bucket (a folder: the bucket's folder, object keys are paths below it). */
  readonly bucket: BucketLocation;
  /** The delivery stream's Prefix, e.g. `events/event_type=!{partitionKeyFromQuery:event_type}/…/`. */
  readonly prefixTemplate: string;
  /** Object name inside the partition's prefix; must be unique. @default `<epochMs>-<uuid>.parquet` */
  readonly fileName?: (partition: EventPartition) => string;
  /** Delivery time, for `!{timestamp:…}` in the prefix. @default now */
  readonly now?: Date;
}

export interface WriteResult {
  /** Where the objects are: absolute paths in a folder, `s3://<bucket>/<key>` on S3. */
  readonly files: string[];
  readonly rows: number;
  /** Total size of the objects written. */
  readonly bytes: number;
}

/** `!{firehose:error-output-type}` values this writer produces. */
export type ErrorOutputType = 'processing-failed' | 'format-conversion-failed';

/** A record Firehose could not deliver as Parquet. */
export interface FailedRecord {
  readonly rawData: Uint8Array;
  readonly errorOutputType: ErrorOutputType;
  readonly errorCode: string;
  readonly errorMessage: string;
  /** When the record reached the stream, epoch ms. */
  readonly arrivalTimestamp?: number;
  readonly sequenceNumber?: string;
  readonly attemptsMade?: number;
}

export interface WriteErrorRecordsOptions {
  readonly bucket: BucketLocation;
  /** The delivery stream's ErrorOutputPrefix, e.g. `errors/!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/`. */
  readonly errorPrefixTemplate: string;
  /** @default `<epochMs>-<uuid>.jsonl` */
  readonly fileName?: (errorOutputType: ErrorOutputType) => string;
  readonly now?: Date;
}

const PARTITION_COLUMN = '__lake_partition';

/**
 * Translates a Hive/Glue column type into DuckDB's type syntax, e.g.
 * `array<struct<itemid:string,quantity:int>>` → `STRUCT("itemid" VARCHAR, "quantity" INTEGER)[]`.
 */
export function hiveTypeToDuckDb(hiveType: string): string {
  return duckDbType(parseHiveType(hiveType));
}

const DUCKDB_SCALARS: Readonly<Record<HiveScalar, string>> = {
  boolean: 'BOOLEAN',
  tinyint: 'TINYINT',
  smallint: 'SMALLINT',
  int: 'INTEGER',
  bigint: 'BIGINT',
  float: 'FLOAT',
  double: 'DOUBLE',
  string: 'VARCHAR',
  date: 'DATE',
  timestamp: 'TIMESTAMP',
  binary: 'BLOB',
};

function duckDbType(type: HiveType): string {
  switch (type.kind) {
    case 'scalar':
      return DUCKDB_SCALARS[type.name];
    case 'decimal':
      return `DECIMAL(${type.precision},${type.scale})`;
    case 'array':
      return `${duckDbType(type.element)}[]`;
    case 'map':
      return `MAP(${duckDbType(type.key)}, ${duckDbType(type.value)})`;
    case 'struct':
      return `STRUCT(${type.fields.map((f) => `${quoteIdentifier(f.name)} ${duckDbType(f.type)}`).join(', ')})`;
  }
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function sqlString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/**
 * Fills in a Firehose S3 prefix: `!{partitionKeyFromQuery:k}` from the partition,
 * `!{timestamp:<Java date pattern>}` from the delivery time (UTC), `!{firehose:error-output-type}`
 * and `!{firehose:random-string}`. Anything else is an error, as Firehose rejects it too.
 */
export function expandPrefix(
  template: string,
  values: {
    readonly partition?: Readonly<Record<string, string>>;
    readonly errorOutputType?: string;
    readonly now?: Date;
  } = {},
): string {
  const now = values.now ?? new Date();
  return template.replace(/!\{([^}:]+):([^}]*)\}/g, (expression, namespace: string, key: string) => {
    if (namespace === 'partitionKeyFromQuery') {
      const value = values.partition?.[key];
      if (value === undefined) throw new Error(`No partition key '${key}' for ${expression}`);
      return value;
    }
    if (namespace === 'timestamp') return formatTimestamp(now, key);
    if (namespace === 'firehose' && key === 'error-output-type' && values.errorOutputType)
      return values.errorOutputType;
    if (namespace === 'firehose' && key === 'random-string') return randomString();
    throw new Error(`Unsupported prefix expression ${expression} in '${template}'`);
  });
}

/** Firehose's defaults when a prefix is empty: `YYYY/MM/dd/HH/`, and `<error-output-type>/YYYY/MM/dd/HH/`. */
function defaultPrefix(template: string, error: boolean): string {
  if (template !== '') return template;
  return error ? '!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd/HH}/' : '!{timestamp:yyyy/MM/dd/HH}/';
}

/** The Java DateTimeFormatter letters Firehose prefixes use in practice, in UTC. */
function formatTimestamp(date: Date, pattern: string): string {
  const parts: Record<string, string> = {
    yyyy: String(date.getUTCFullYear()),
    MM: pad(date.getUTCMonth() + 1),
    dd: pad(date.getUTCDate()),
    HH: pad(date.getUTCHours()),
    mm: pad(date.getUTCMinutes()),
    ss: pad(date.getUTCSeconds()),
  };
  return pattern.replace(/yyyy|MM|dd|HH|mm|ss|'([^']*)'/g, (token, quoted?: string) =>
    quoted !== undefined ? quoted : (parts[token] as string),
  );
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

function randomString(): string {
  return randomBytes(8).toString('base64url').slice(0, 11);
}

function defaultFileName(extension: string): string {
  return `${Date.now()}-${randomUUID()}.${extension}`;
}

/** The object key of a prefix and name: empty segments (a prefix without its `/`, or with two) dropped. */
function objectKey(path: string): string {
  return path
    .split('/')
    .filter((part) => part !== '')
    .join('/');
}

let sharedInstance: Promise<DuckDBInstance> | undefined;

/** One in-memory DuckDB for the process: it only converts, nothing is stored in it. */
function duckdb(): Promise<DuckDBInstance> {
  sharedInstance ??= DuckDBInstance.create(':memory:').catch((error: unknown) => {
    sharedInstance = undefined;
    throw error;
  });
  return sharedInstance;
}

/** `columns={…}` for read_json, from the Glue types of the lake columns. */
export function duckDbColumns(columns: readonly LakeColumn[] = EVENT_COLUMNS): Array<[string, string]> {
  return columns.map((c) => [c.name, hiveTypeToDuckDb(c.type)]);
}

/**
 * Writes events as Parquet objects, one per partition (event type, date, hour of occurrence),
 * under the expanded prefix template in the bucket.
 */
export async function writeEventsParquet(
  events: readonly CanonicalEvent[],
  options: WriteEventsOptions,
): Promise<WriteResult> {
  if (events.length === 0) return { files: [], rows: 0, bytes: 0 };
  const now = options.now ?? new Date();
  const template = defaultPrefix(options.prefixTemplate, false);
  const bucket = bucketStorage(options.bucket);

  const partitions: EventPartition[] = [];
  const indexByKey = new Map<string, number>();
  const staging = await mkdtemp(join(tmpdir(), 'recostream-lake-'));
  let connection: DuckDBConnection | undefined;
  try {
    const jsonPath = join(staging, 'rows.jsonl');
    const file = await open(jsonPath, 'w');
    try {
      let chunk: string[] = [];
      for (const event of events) {
        const partition = eventPartition(event);
        const key = `${partition.event_type}\u0000${partition.dt}\u0000${partition.hour}`;
        let index = indexByKey.get(key);
        if (index === undefined) {
          index = partitions.length;
          indexByKey.set(key, index);
          partitions.push(partition);
        }
        const row = toLakeRow(event);
        row[PARTITION_COLUMN] = index;
        chunk.push(JSON.stringify(row));
        if (chunk.length >= 5000) {
          await file.write(`${chunk.join('\n')}\n`);
          chunk = [];
        }
      }
      if (chunk.length > 0) await file.write(`${chunk.join('\n')}\n`);
    } finally {
      await file.close();
    }

    const columns = [...duckDbColumns(), [PARTITION_COLUMN, 'INTEGER'] as [string, string]];
    const columnSpec = columns.map(([name, type]) => `${sqlString(name)}: ${sqlString(type)}`).join(', ');
    const select = columns.map(([name]) => quoteIdentifier(name)).join(', ');
    const outDir = join(staging, 'out');
    connection = await (await duckdb()).connect();
    await connection.run(
      `COPY (SELECT ${select} FROM read_json(${sqlString(jsonPath)}, format = 'newline_delimited', ` +
        `columns = {${columnSpec}})) TO ${sqlString(outDir)} ` +
        `(FORMAT parquet, COMPRESSION snappy, PARTITION_BY (${quoteIdentifier(PARTITION_COLUMN)}))`,
    );

    const files: string[] = [];
    let bytes = 0;
    for (const [index, partition] of partitions.entries()) {
      const prefix = expandPrefix(template, { partition, now });
      const partitionDir = join(outDir, `${PARTITION_COLUMN}=${index}`);
      const written = (await readdir(partitionDir)).filter((f) => f.endsWith('.parquet')).sort();
      for (const [n, stagedName] of written.entries()) {
        const name = options.fileName?.(partition) ?? defaultFileName('parquet');
        // DuckDB may split a large partition into several files; keep every object name unique.
        const unique = n === 0 ? name : name.replace(/(\.parquet)?$/, `-${n}$1`);
        const staged = join(partitionDir, stagedName);
        bytes += (await stat(staged)).size;
        files.push(await bucket.put(objectKey(`${prefix}${unique}`), { file: staged }));
      }
    }
    return { files, rows: events.length, bytes };
  } finally {
    connection?.closeSync();
    await rm(staging, { recursive: true, force: true });
  }
}

/**
 * Writes records that could not be delivered as JSON lines under the error prefix, one object per
 * `!{firehose:error-output-type}`, each line shaped like Firehose's error records (raw data in base64).
 */
export async function writeErrorRecords(
  records: readonly FailedRecord[],
  options: WriteErrorRecordsOptions,
): Promise<WriteResult> {
  const now = options.now ?? new Date();
  const template = defaultPrefix(options.errorPrefixTemplate, true);
  const bucket = bucketStorage(options.bucket);
  const byType = new Map<ErrorOutputType, FailedRecord[]>();
  for (const record of records) {
    const group = byType.get(record.errorOutputType);
    if (group) group.push(record);
    else byType.set(record.errorOutputType, [record]);
  }
  const files: string[] = [];
  let bytes = 0;
  for (const [errorOutputType, group] of byType) {
    const prefix = expandPrefix(template, { errorOutputType, now });
    const name = options.fileName?.(errorOutputType) ?? defaultFileName('jsonl');
    const body = `${group
      .map((r) =>
        JSON.stringify({
          attemptsMade: r.attemptsMade ?? 1,
          arrivalTimestamp: r.arrivalTimestamp ?? now.getTime(),
          errorCode: r.errorCode,
          errorMessage: r.errorMessage,
          attemptEndingTimestamp: now.getTime(),
          rawData: Buffer.from(r.rawData).toString('base64'),
          sequenceNumber: r.sequenceNumber ?? null,
          subSequenceNumber: null,
        }),
      )
      .join('\n')}\n`;
    files.push(await bucket.put(objectKey(`${prefix}${name}`), body));
    bytes += Buffer.byteLength(body);
  }
  return { files, rows: records.length, bytes };
}
