/**
 * The console's query box: read-only SQL on the local lake, one query at a time, bounded in rows and time.
 *
 * Read-only is DuckDB's doing, not a check on the text: the runner's own DuckDB instance is confined to the
 * lake directory with its configuration locked (`ConfinedLakeOptions` in lake-query.ts: no file outside the
 * lake, no extension installs, no `SET` that undoes it), and DuckDB's own parser must find exactly one
 * statement in the text, which must prepare as a SELECT; only that prepared statement runs, streamed, and
 * only the first rows are read. DuckDB runs queries on its own thread (one here), so a long query never
 * blocks the API's event loop.
 */
import { StatementType } from '@duckdb/node-api';
import { type BucketLocation, type BucketStorage, bucketStorage } from '../lake/bucket-storage';
import { LAKE_TABLE_PREFIXES, type LocalLake, openBucketLake, type QueryResult } from '../lake/query';

export const DEFAULT_QUERY_ROW_LIMIT = 500;
export const DEFAULT_QUERY_TIMEOUT_MS = 10_000;

export class QueryRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QueryRefusedError';
  }
}

export class QueryBusyError extends Error {
  constructor() {
    super('another query is still running: wait for it to finish');
    this.name = 'QueryBusyError';
  }
}

export class QueryTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`query interrupted after ${timeoutMs} ms (the console's time limit)`);
    this.name = 'QueryTimeoutError';
  }
}

/** What the node bindings say when the text parses to no statement at all (only comments or blanks). */
const NO_STATEMENT = 'Error in native callback';

/**
 * Runs `sql` on `lake` when DuckDB's parser finds exactly one statement in it and that statement prepares
 * as a SELECT (WITH, VALUES, DESCRIBE, FROM-first and SHOW are SELECTs too); else a QueryRefusedError
 * naming what it found. At most `maxRows` rows are read.
 */
export async function runOneSelect(lake: LocalLake, sql: string, maxRows: number): Promise<QueryResult> {
  if (sql.trim() === '') throw new QueryRefusedError('the query is empty');
  let statements: Awaited<ReturnType<LocalLake['extractStatements']>>;
  try {
    statements = await lake.extractStatements(sql);
  } catch (error) {
    const message = (error as Error).message;
    if (message === NO_STATEMENT) throw new QueryRefusedError('the query is empty');
    throw new QueryRefusedError(message.replace(/^Failed to extract statements: /, ''));
  }
  if (statements.count !== 1)
    throw new QueryRefusedError(`only one statement at a time; this text holds ${statements.count}`);
  const prepared = await statements.prepare(0);
  if (prepared.statementType !== StatementType.SELECT) {
    const kind = StatementType[prepared.statementType] ?? String(prepared.statementType);
    throw new QueryRefusedError(`only SELECT queries run here (read-only), not ${kind}`);
  }
  return lake.readPrepared(prepared, maxRows);
}

export interface ConsoleQueryResult extends QueryResult {
  /** True when the query had more rows than the limit (only the first `limit` are returned). */
  readonly truncated: boolean;
  readonly limit: number;
  readonly elapsedMs: number;
}

export interface ConsoleQueryRunnerOptions {
  /** The lake bucket: its folder, or the bucket on moto (synced to a local copy before each query). */
  readonly lake: BucketLocation;
  /** @default 500 */
  readonly rowLimit?: number;
  /** @default 10000 */
  readonly timeoutMs?: number;
}

/** Owns its own DuckDB instance (opened on first use), so the CLI and the batch jobs keep theirs. */
export class ConsoleQueryRunner {
  private lake?: Promise<LocalLake>;
  private running = false;
  /** Settles when the query DuckDB runs (if any) has ended. */
  private settled: Promise<unknown> = Promise.resolve();
  private readonly rowLimit: number;
  private readonly timeoutMs: number;
  private readonly bucket: BucketStorage;

  constructor(options: ConsoleQueryRunnerOptions) {
    this.bucket = bucketStorage(options.lake);
    this.rowLimit = options.rowLimit ?? DEFAULT_QUERY_ROW_LIMIT;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS;
  }

  async run(sql: string): Promise<ConsoleQueryResult> {
    if (this.running) throw new QueryBusyError();
    this.running = true;
    const started = performance.now();
    let settled: Promise<unknown> = Promise.resolve();
    try {
      const lake = await this.open();
      // The bucket's local copy brought up to date (nothing to do on its folder), then the views rebuilt:
      // new partitions (a new hour, the first quarantine file) need it.
      await this.bucket.localCopy(LAKE_TABLE_PREFIXES);
      await lake.refresh();
      const query = runOneSelect(lake, sql, this.rowLimit + 1);
      settled = query.catch(() => undefined);
      this.settled = settled;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          reject(new QueryTimeoutError(this.timeoutMs));
          // An interrupt that arrives before DuckDB starts executing is lost: repeat until the query ends.
          lake.interrupt();
          const again = setInterval(() => lake.interrupt(), 200);
          void settled.finally(() => clearInterval(again));
        }, this.timeoutMs);
      });
      const result = await Promise.race([query, timedOut]).finally(() => clearTimeout(timer));
      const truncated = result.rows.length > this.rowLimit;
      return {
        ...result,
        rows: truncated ? result.rows.slice(0, this.rowLimit) : result.rows,
        truncated,
        limit: this.rowLimit,
        elapsedMs: Math.round(performance.now() - started),
      };
    } finally {
      // Busy until DuckDB has really stopped, so the next query never queues behind an interrupted one.
      void settled.finally(() => {
        this.running = false;
      });
    }
  }

  /** Settles once DuckDB has really ended the last query (an interrupted one takes a moment to stop). */
  async whenIdle(): Promise<void> {
    while (this.running) await this.settled;
  }

  async close(): Promise<void> {
    await this.settled;
    const lake = this.lake;
    this.lake = undefined;
    if (lake) await (await lake.catch(() => undefined))?.close();
  }

  private open(): Promise<LocalLake> {
    if (!this.lake) {
      // One thread and a memory cap: the console must not starve the pipeline on a 2-core laptop.
      this.lake = openBucketLake(this.bucket, { confined: { threads: 1, memoryLimit: '512MB' } });
      this.lake.catch(() => {
        this.lake = undefined;
      });
    }
    return this.lake;
  }
}
