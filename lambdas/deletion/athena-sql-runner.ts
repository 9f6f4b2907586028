/**
 * LakeSql on Athena: StartQueryExecution in the lake's workgroup (its enforced settings decide the result
 * location, encryption and bytes-scanned cutoff), poll GetQueryExecution with backoff until a final state,
 * page through GetQueryResults. A query still running when the caller's deadline comes is stopped, so an
 * invocation never leaves an UNLOAD writing behind it.
 */
import {
  type AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import type { LakeSql } from './lake-purge-runner';

export class AthenaQueryError extends Error {
  override readonly name = 'AthenaQueryError';
  constructor(
    readonly queryExecutionId: string,
    readonly state: string,
    reason: string,
  ) {
    super(`Athena query ${queryExecutionId} ${state}: ${reason}`);
  }
}

export interface AthenaSqlRunnerOptions {
  readonly workGroup: string;
  readonly database: string;
  /** Milliseconds left before the query must be given up (and stopped). */
  readonly remainingMs: () => number;
  /** @default 1000, doubling up to 5000 */
  readonly pollMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export class AthenaSqlRunner implements LakeSql {
  constructor(
    private readonly client: AthenaClient,
    private readonly options: AthenaSqlRunnerOptions,
  ) {}

  async select(sql: string): Promise<Array<Array<string | undefined>>> {
    const id = await this.run(sql);
    const rows: Array<Array<string | undefined>> = [];
    let token: string | undefined;
    let first = true;
    do {
      const page = await this.client.send(
        new GetQueryResultsCommand({ QueryExecutionId: id, NextToken: token, MaxResults: 1000 }),
      );
      const pageRows = page.ResultSet?.Rows ?? [];
      // The first row of the first page is the header.
      for (const row of first ? pageRows.slice(1) : pageRows)
        rows.push((row.Data ?? []).map((d) => d.VarCharValue));
      first = false;
      token = page.NextToken;
    } while (token);
    return rows;
  }

  async execute(sql: string): Promise<void> {
    await this.run(sql);
  }

  private async run(sql: string): Promise<string> {
    const started = await this.client.send(
      new StartQueryExecutionCommand({
        QueryString: sql,
        WorkGroup: this.options.workGroup,
        QueryExecutionContext: { Database: this.options.database },
      }),
    );
    const id = started.QueryExecutionId;
    if (!id) throw new Error('Athena returned no QueryExecutionId');
    const sleep = this.options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
    let wait = this.options.pollMs ?? 1000;
    for (;;) {
      const { QueryExecution: execution } = await this.client.send(
        new GetQueryExecutionCommand({ QueryExecutionId: id }),
      );
      const state = execution?.Status?.State ?? 'UNKNOWN';
      if (state === 'SUCCEEDED') return id;
      if (state === 'FAILED' || state === 'CANCELLED')
        throw new AthenaQueryError(id, state, execution?.Status?.StateChangeReason ?? 'no reason given');
      if (this.options.remainingMs() < wait + 5000) {
        await this.client.send(new StopQueryExecutionCommand({ QueryExecutionId: id }));
        throw new AthenaQueryError(id, 'STOPPED', 'the invocation ran out of time; the next run redoes it');
      }
      await sleep(wait);
      wait = Math.min(wait * 2, 5000);
    }
  }
}
