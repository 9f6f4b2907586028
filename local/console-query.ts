/**
 * The console's query box: read-only SQL on the local lake, one query at a time, bounded in rows and time.
 *
 * Read-only is enforced twice: the text must be a single SELECT or WITH statement (comments and string
 * literals are skipped when looking for the keyword and for `;`), and it is run wrapped as a subquery
 * (`SELECT * FROM (<sql>) LIMIT n`), which DuckDB refuses to parse for anything but a query. DuckDB runs
 * queries on its own threads (limited to one here), so a long query never blocks the API's event loop.
 */
import { type LocalLake, openLocalLake, type QueryResult } from './lake-query';

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

interface Scan {
  /** The text with comments replaced by a space and literals emptied: keywords and `;` are safe to find. */
  readonly skeleton: string;
  /** Index just after the last character that is neither whitespace, `;` nor part of a comment. */
  readonly codeEnd: number;
}

function scan(sql: string): Scan {
  let skeleton = '';
  let codeEnd = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i] as string;
    const next = sql[i + 1];
    if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end + 1;
      skeleton += ' ';
    } else if (c === '/' && next === '*') {
      const end = sql.indexOf('*/', i + 2);
      if (end === -1) throw new QueryRefusedError('unterminated /* comment');
      i = end + 2;
      skeleton += ' ';
    } else if (c === "'" || c === '"') {
      // A doubled quote inside a literal is an escaped quote.
      let j = i + 1;
      for (;;) {
        const k = sql.indexOf(c, j);
        if (k === -1)
          throw new QueryRefusedError(`unterminated ${c === "'" ? 'string' : 'quoted identifier'}`);
        if (sql[k + 1] === c) {
          j = k + 2;
          continue;
        }
        i = k + 1;
        break;
      }
      skeleton += c + c;
      codeEnd = i;
    } else {
      skeleton += c;
      i++;
      if (c !== ';' && !/\s/.test(c)) codeEnd = i;
    }
  }
  return { skeleton, codeEnd };
}

/** The statement with comments replaced by a space and string literals and quoted identifiers emptied. */
export function sqlSkeleton(sql: string): string {
  return scan(sql).skeleton;
}

/**
 * The SQL to run, without trailing `;` and comments, or a QueryRefusedError saying why it is not a single
 * read-only query.
 */
export function readOnlyQuery(sql: string): string {
  const { skeleton, codeEnd } = scan(sql);
  const body = skeleton.trim().replace(/[\s;]*$/, '');
  if (body === '') throw new QueryRefusedError('the query is empty');
  if (body.includes(';')) throw new QueryRefusedError('only one statement at a time');
  const keyword = /^\(*\s*([A-Za-z]+)/.exec(body)?.[1]?.toUpperCase();
  if (keyword !== 'SELECT' && keyword !== 'WITH') {
    throw new QueryRefusedError(
      `only SELECT and WITH queries run here (read-only); this one starts with ${keyword ?? 'something else'}`,
    );
  }
  return sql.slice(0, codeEnd);
}

export interface ConsoleQueryResult extends QueryResult {
  /** True when the query had more rows than the limit (only the first `limit` are returned). */
  readonly truncated: boolean;
  readonly limit: number;
  readonly elapsedMs: number;
}

export interface ConsoleQueryRunnerOptions {
  readonly lakeDir: string;
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

  constructor(private readonly options: ConsoleQueryRunnerOptions) {
    this.rowLimit = options.rowLimit ?? DEFAULT_QUERY_ROW_LIMIT;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS;
  }

  async run(sql: string): Promise<ConsoleQueryResult> {
    const text = readOnlyQuery(sql);
    if (this.running) throw new QueryBusyError();
    this.running = true;
    const started = performance.now();
    let settled: Promise<unknown> = Promise.resolve();
    try {
      const lake = await this.open();
      // New partitions (a new hour, the first quarantine file) need the views rebuilt.
      await lake.refresh();
      // A newline before `)`: the query may end with a -- comment.
      const wrapped = `SELECT * FROM (\n${text}\n) AS console_query LIMIT ${this.rowLimit + 1}`;
      const query = lake.runQuery(wrapped);
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

  async close(): Promise<void> {
    await this.settled;
    const lake = this.lake;
    this.lake = undefined;
    if (lake) await (await lake.catch(() => undefined))?.close();
  }

  private open(): Promise<LocalLake> {
    if (!this.lake) {
      this.lake = openLocalLake(this.options.lakeDir).then(async (lake) => {
        // One thread and a memory cap: the console must not starve the pipeline on a 2-core laptop.
        await lake.runQuery('SET threads = 1');
        await lake.runQuery("SET memory_limit = '512MB'");
        return lake;
      });
      this.lake.catch(() => {
        this.lake = undefined;
      });
    }
    return this.lake;
  }
}
