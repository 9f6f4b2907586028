/**
 * The batch jobs as the evaluation runs them: on one DuckDB connection, the training events as the lake's
 * `events` table (the rows the delivery stream writes, toLakeRow, with the Glue columns' types and the
 * partition columns), then the cf job's query steps (a full recompute with the settings given: state, then
 * similarity) and the trending job's, exactly the SQL text Athena runs. The table is in memory and the
 * state step's rows stand in for the `cf_state` partition the similarity step reads, so trending can run
 * once per day of held-out orders cheaply. (The jobs on Parquet files in the lake's layout are tested in
 * test/unit/jobs and test/integration/jobs-local.test.ts.)
 */
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fallbackRow, withFallback } from '../lambdas/jobs/ease-fallback';
import { cfSolveSettings, easeSimilarityRows, type VectorRow, vectorRow } from '../lambdas/jobs/ease-solve';
import { STEP_ROLES } from '../lambdas/jobs/job-plan';
import {
  type CfRunParams,
  cfQuerySteps,
  DEFAULT_TRENDING_SETTINGS,
  type SimilarityRow,
  trendingQuerySteps,
} from '../lambdas/jobs/job-sql';
import { similarityItems, trendingItems } from '../lambdas/jobs/published-items';
import type { TrendingEntry, TrendingLists } from '../lambdas/recommend/scoring';
import type { CanonicalEvent } from '../lambdas/shared/events';
import {
  EVENT_COLUMNS,
  EVENT_PARTITION_KEYS,
  eventPartition,
  toLakeRow,
} from '../lambdas/shared/events/lake-columns';
import { GLOBAL_TRENDING_SCOPE, type Neighbour, type TrendingItem } from '../lambdas/shared/published';
import { type LocalLake, openLocalLake, type QueryResult, sqlString } from '../local/lake/query';
import { duckDbColumns } from '../local/lake/writer';

export type CfSettings = Omit<CfRunParams, 'runId' | 'windowTo' | 'windowFrom' | 'previousStateRunId'>;

export interface BatchModels {
  /** The cf job's neighbour lists, as the API reads them (its model: settings.model). */
  readonly neighbours: ReadonlyMap<string, readonly Neighbour[]>;
  /**
   * RP3beta's lists (cf_similarity.sql), the `rp3beta` baseline: the same as `neighbours` when that is the
   * model; absent when not asked for (tuning the blend alone).
   */
  readonly rp3beta?: ReadonlyMap<string, readonly Neighbour[]>;
  /** Trending lists by window end (every instant asked for). */
  readonly trending: ReadonlyMap<string, TrendingLists>;
  readonly pairs: number;
}

/**
 * DuckDB's memory for the jobs' queries (the evaluation must fit in 1.5 GB with the baselines). The cf SQL
 * needs about 200-350 MB of it on the eleven UCI months (200 MB fails with an out-of-memory error).
 */
const DUCKDB_MEMORY_LIMIT = '400MB';

export async function runBatchJobs(
  events: readonly CanonicalEvent[],
  options: {
    readonly asOf: string;
    readonly trendingAsOf: readonly string[];
    readonly cf: CfSettings;
    /** Also RP3beta's lists when the cf model is another (default: true). */
    readonly rp3beta?: boolean;
    readonly log?: (message: string) => void;
  },
): Promise<BatchModels> {
  const lake = await BatchLake.open(events, options.log);
  try {
    const neighbours = await lake.cf(options.cf, options.asOf);
    const rp3beta =
      options.cf.model === 'rp3beta'
        ? neighbours
        : options.rp3beta === false
          ? undefined
          : await lake.cf({ ...options.cf, model: 'rp3beta' }, options.asOf);
    const trending = await lake.trending(options.trendingAsOf);
    return { neighbours, ...(rp3beta ? { rp3beta } : {}), trending, pairs: pairsOf(neighbours) };
  } finally {
    await lake.close();
  }
}

export function pairsOf(neighbours: ReadonlyMap<string, readonly Neighbour[]>): number {
  let pairs = 0;
  for (const list of neighbours.values()) pairs += list.length;
  return pairs;
}

/** A temporary lake of the training events, open on one DuckDB connection, for any number of job runs. */
export class BatchLake {
  private runs = 0;

  private constructor(
    private readonly lakeDir: string,
    private readonly lake: LocalLake,
    private readonly log: (message: string) => void,
  ) {}

  static async open(
    events: readonly CanonicalEvent[],
    log: (message: string) => void = () => undefined,
  ): Promise<BatchLake> {
    const lakeDir = await mkdtemp(join(tmpdir(), 'recostream-eval-'));
    try {
      const started = Date.now();
      const staging = join(lakeDir, 'events.jsonl');
      await stageRows(events, staging);
      // An empty lake: its views exist, typed like the Glue tables; `events` is then replaced below.
      const lake = await openLocalLake(lakeDir);
      try {
        // Bounded: a large pair join spills to disk instead of taking the machine's memory.
        await lake.runQuery(`SET memory_limit = '${DUCKDB_MEMORY_LIMIT}'`);
        await lake.runQuery(`SET temp_directory = ${sqlString(join(lakeDir, 'spill'))}`);
        await lake.runQuery('SET preserve_insertion_order = false');
        const columns = duckDbColumns([...EVENT_COLUMNS, ...EVENT_PARTITION_KEYS])
          .map(([name, type]) => `${sqlString(name)}: ${sqlString(type)}`)
          .join(', ');
        await lake.runQuery(
          `CREATE TEMPORARY TABLE events_in_memory AS SELECT * FROM read_json(${sqlString(staging)}, ` +
            `format = 'newline_delimited', columns = {${columns}})`,
        );
        await lake.runQuery('CREATE OR REPLACE TEMPORARY VIEW events AS SELECT * FROM events_in_memory');
      } catch (error) {
        await lake.close();
        throw error;
      }
      await rm(staging, { force: true });
      log(`lake: ${events.length} events loaded in ${seconds(started)}`);
      return new BatchLake(lakeDir, lake, log);
    } catch (error) {
      await rm(lakeDir, { recursive: true, force: true });
      throw error;
    }
  }

  /** The cf job as a full recompute as of `asOf`: its state step, its result step, then the publish step's solve. */
  async cf(settings: CfSettings, asOf: string): Promise<Map<string, Neighbour[]>> {
    const started = Date.now();
    const neighbours = cfNeighbours(await this.cfResult(settings, asOf), settings);
    this.log(
      `cf job: ${pairsOf(neighbours)} neighbour pairs for ${neighbours.size} items in ${seconds(started)}`,
    );
    return neighbours;
  }

  /** The cf job's state and result steps as of `asOf` (solve them with cfNeighbours, as often as needed). */
  async cfResult(settings: CfSettings, asOf: string): Promise<QueryResult> {
    const runId = `eval-cf-${++this.runs}`;
    const steps = cfQuerySteps({ ...settings, runId, windowTo: asOf });
    const step = (name: string) => steps.find((s) => s.name === name)?.select ?? '';
    // The state step's rows stand in for the cf_state partition `run = runId` the next step reads.
    await this.lake.runQuery(
      `CREATE OR REPLACE TEMPORARY TABLE cf_state_in_memory AS SELECT *, '${runId}' AS run FROM (${step('cf-state')})`,
    );
    await this.lake.runQuery('CREATE OR REPLACE TEMPORARY VIEW cf_state AS SELECT * FROM cf_state_in_memory');
    const result = steps[STEP_ROLES.cf.result] as (typeof steps)[number];
    return this.lake.runQuery(result.select);
  }

  /** The trending job once per distinct window end. */
  async trending(asOf: readonly string[]): Promise<Map<string, TrendingLists>> {
    const started = Date.now();
    const trending = new Map<string, TrendingLists>();
    for (const windowTo of [...new Set(asOf)].sort()) {
      const [run] = trendingQuerySteps({ ...DEFAULT_TRENDING_SETTINGS, runId: 'eval-trending', windowTo });
      trending.set(windowTo, trendingLists(rowsOf(await this.lake.runQuery(run?.select ?? ''))));
    }
    this.log(`trending job: ${trending.size} runs in ${seconds(started)}`);
    return trending;
  }

  async close(): Promise<void> {
    try {
      await this.lake.close();
    } finally {
      await rm(this.lakeDir, { recursive: true, force: true });
    }
  }
}

/** The events as the lake's rows (toLakeRow, with their partition values), one JSON line each. */
async function stageRows(events: readonly CanonicalEvent[], path: string): Promise<void> {
  const file = await open(path, 'w');
  try {
    for (let i = 0; i < events.length; i += 5000) {
      const chunk = events
        .slice(i, i + 5000)
        .map((e) => JSON.stringify({ ...toLakeRow(e), ...eventPartition(e) }))
        .join('\n');
      await file.write(`${chunk}\n`);
    }
  } finally {
    await file.close();
  }
}

/** What the publish step makes of a cf result (JobService.itemsOf), as the API reads it. */
export function cfNeighbours(result: QueryResult, settings: CfSettings): Map<string, Neighbour[]> {
  const solve = cfSolveSettings(settings);
  if (!solve) return neighbourLists(rowsOf(result));
  const { vectors, fallback } = easeRowsOf(result);
  return neighbourLists(withFallback(easeSimilarityRows(vectors, solve), fallback));
}

/** cf_ease.sql's rows straight from the columns (no record per vector row): vectors and fallback rows. */
function easeRowsOf(result: QueryResult): { vectors: VectorRow[]; fallback: SimilarityRow[] } {
  const at = (name: string) => result.columns.indexOf(name);
  const [kind, u, i, s] = [at('row_kind'), at('user_key'), at('item_id'), at('signal')];
  const [n, score, support, rank] = [at('neighbour_id'), at('score'), at('support'), at('rank')];
  const vectors: VectorRow[] = [];
  const fallback: SimilarityRow[] = [];
  for (const row of result.rows) {
    if (row[kind] === 'fallback')
      fallback.push(fallbackRow(row[i], row[n], row[score], row[support], row[rank]));
    else vectors.push(vectorRow(row[u], row[i], row[s]));
  }
  return { vectors, fallback };
}

function rowsOf(result: QueryResult): Record<string, unknown>[] {
  return result.rows.map((row) => Object.fromEntries(result.columns.map((c, i) => [c, row[i]])));
}

/** The rows as the publish step turns them into table items (published-items.ts), as the API reads them. */
function neighbourLists(rows: readonly Readonly<Record<string, unknown>>[]): Map<string, Neighbour[]> {
  return new Map(similarityItems(rows, 'eval').map((item) => [item.itemId, [...item.neighbours]]));
}

function trendingLists(rows: readonly Record<string, unknown>[]): TrendingLists {
  const scopes = trendingItems(rows, 'eval');
  const items = (scope: { items: TrendingItem['items'] } | undefined): TrendingEntry[] => [
    ...(scope?.items ?? []),
  ];
  return {
    global: items(scopes.find((s) => s.scope === GLOBAL_TRENDING_SCOPE)),
    byCategory: new Map(
      scopes
        .filter((s) => s.scope.startsWith('category#'))
        .map((s) => [s.scope.slice('category#'.length), items(s)]),
    ),
  };
}

function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}
