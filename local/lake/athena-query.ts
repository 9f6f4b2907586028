/**
 * The lake query interface (lake-query.ts) against Athena: StartQueryExecution in a workgroup, poll
 * GetQueryExecution with exponential backoff until the query ends, then page through
 * GetQueryResults. Athena returns every value as text; values are typed back from the result
 * metadata so a result reads the same as the local DuckDB one (counts are numbers, NULL is null).
 *
 * The workgroup (stack output AthenaWorkGroupName) decides where results are written and enforces
 * its limits; the database is the Glue database holding the `events` and `quarantine` tables.
 */
import {
  type AthenaClient,
  type ColumnInfo,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  type QueryExecutionState,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { integerValue, type LakeQueryEngine, type QueryResult } from './query';

export interface AthenaLakeOptions {
  readonly client: AthenaClient;
  readonly workGroup: string;
  /** Glue database of the lake tables; without it, the query must qualify table names. */
  readonly database?: string;
  /** @default the workgroup's default (AwsDataCatalog) */
  readonly catalog?: string;
  /** First wait between two GetQueryExecution calls. @default 200 */
  readonly pollInitialMs?: number;
  /** Longest wait between two polls. @default 5000 */
  readonly pollMaxMs?: number;
  /** A query still running after this long is stopped (StopQueryExecution) and reported. @default 30 min */
  readonly timeoutMs?: number;
  /** Rows per GetQueryResults page (Athena allows at most 1000). @default 1000 */
  readonly pageSize?: number;
  /** Called with each state seen while polling, e.g. to print progress. */
  readonly onState?: (state: QueryExecutionState, queryExecutionId: string) => void;
  /** Injected for tests. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

/** The query ended FAILED or CANCELLED (or timed out); `reason` is Athena's StateChangeReason. */
export class AthenaQueryError extends Error {
  constructor(
    message: string,
    readonly queryExecutionId: string | undefined,
    readonly state: string,
    readonly reason: string | undefined,
  ) {
    super(message);
    this.name = 'AthenaQueryError';
  }
}

export class AthenaLake implements LakeQueryEngine {
  readonly description: string;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;

  constructor(private readonly options: AthenaLakeOptions) {
    if (!options.workGroup) throw new Error('AthenaLake: workGroup is required');
    this.description = `Athena workgroup ${options.workGroup}${options.database ? `, database ${options.database}` : ''}`;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.now = options.now ?? Date.now;
  }

  async runQuery(sql: string): Promise<QueryResult> {
    const { client } = this.options;
    const context =
      this.options.database || this.options.catalog
        ? {
            QueryExecutionContext: {
              ...(this.options.database ? { Database: this.options.database } : {}),
              ...(this.options.catalog ? { Catalog: this.options.catalog } : {}),
            },
          }
        : {};
    const started = await client.send(
      new StartQueryExecutionCommand({ QueryString: sql, WorkGroup: this.options.workGroup, ...context }),
    );
    const id = started.QueryExecutionId;
    if (!id)
      throw new AthenaQueryError('Athena returned no QueryExecutionId', undefined, 'UNKNOWN', undefined);
    await this.waitForCompletion(id);
    return this.readResults(id);
  }

  async close(): Promise<void> {
    // The client belongs to the caller.
  }

  private async waitForCompletion(id: string): Promise<void> {
    const startedAt = this.now();
    const timeoutMs = this.options.timeoutMs ?? 30 * 60 * 1000;
    const maxDelay = this.options.pollMaxMs ?? 5000;
    let delay = this.options.pollInitialMs ?? 200;
    for (;;) {
      const out = await this.options.client.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
      const status = out.QueryExecution?.Status;
      const state = status?.State;
      if (state) this.options.onState?.(state, id);
      if (state === 'SUCCEEDED') return;
      if (state === 'FAILED' || state === 'CANCELLED') {
        const reason = status?.StateChangeReason ?? status?.AthenaError?.ErrorMessage;
        throw new AthenaQueryError(
          `Athena query ${id} ${state}: ${reason ?? 'no reason given'}`,
          id,
          state,
          reason,
        );
      }
      if (this.now() - startedAt + delay > timeoutMs) {
        await this.options.client.send(new StopQueryExecutionCommand({ QueryExecutionId: id })).catch(() => {
          // Best effort: the error below is what matters.
        });
        throw new AthenaQueryError(
          `Athena query ${id} still ${state ?? 'unknown'} after ${Math.round(timeoutMs / 1000)} s: stopped`,
          id,
          'TIMEOUT',
          undefined,
        );
      }
      await this.sleep(delay);
      delay = Math.min(maxDelay, delay * 2);
    }
  }

  private async readResults(id: string): Promise<QueryResult> {
    let columnInfo: readonly ColumnInfo[] | undefined;
    const rows: unknown[][] = [];
    let nextToken: string | undefined;
    let first = true;
    do {
      const page = await this.options.client.send(
        new GetQueryResultsCommand({
          QueryExecutionId: id,
          MaxResults: this.options.pageSize ?? 1000,
          ...(nextToken ? { NextToken: nextToken } : {}),
        }),
      );
      columnInfo ??= page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
      const info = columnInfo;
      const labels = info.map((c) => c.Label ?? c.Name ?? '');
      let pageRows = page.ResultSet?.Rows ?? [];
      // A SELECT's first row holds the column labels (DDL results have none): skip it when it does.
      if (first && pageRows.length > 0) {
        const head = (pageRows[0]?.Data ?? []).map((d) => d.VarCharValue ?? '');
        if (head.length === labels.length && head.every((v, i) => v === labels[i]))
          pageRows = pageRows.slice(1);
      }
      first = false;
      for (const row of pageRows) {
        const data = row.Data ?? [];
        rows.push(info.map((column, i) => athenaValue(data[i]?.VarCharValue, column.Type ?? 'varchar')));
      }
      nextToken = page.NextToken;
    } while (nextToken);
    const info = columnInfo ?? [];
    return {
      columns: info.map((c) => c.Label ?? c.Name ?? ''),
      types: info.map((c) => c.Type ?? 'varchar'),
      rows,
    };
  }
}

const INTEGER_TYPES: ReadonlySet<string> = new Set(['tinyint', 'smallint', 'integer', 'int', 'bigint']);
const FLOAT_TYPES: ReadonlySet<string> = new Set(['double', 'real', 'float']);

/**
 * One Athena text value as the matching JS value. A missing VarCharValue is SQL NULL (an empty string
 * arrives as ''). Decimals, temporal and nested values stay text, as in the DuckDB results.
 */
export function athenaValue(text: string | undefined, type: string): unknown {
  if (text === undefined) return null;
  const base = type.toLowerCase().split('(', 1)[0]?.trim() ?? '';
  if (INTEGER_TYPES.has(base)) return integerValue(text);
  if (FLOAT_TYPES.has(base)) {
    const value = Number(text);
    return Number.isFinite(value) ? value : text;
  }
  if (base === 'boolean') return text === 'true';
  return text;
}
