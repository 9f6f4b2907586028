/**
 * The batch jobs' query steps: which SQL (sql/jobs/*.sql) each step runs, with which validated
 * parameters, and where it writes its rows in the lake bucket. The same steps run on Athena (UNLOAD,
 * from Step Functions) and on DuckDB over the local lake (local/jobs/engine.ts). Domain code: no AWS.
 *
 * cf:       [state (PARQUET, the Glue table cf_state), similarity (JSON), stats (JSON)]
 * trending: [trending (JSON), stats (JSON)]
 */

import { DEFAULT_PROFILE_LIMITS } from '../consumer/profile';
import type { LakeColumn } from '../shared/events/lake-columns';
import { MAX_FUTURE_SKEW_MS } from '../shared/events/schema';
import {
  CF_RESULTS_PREFIX,
  CF_STATE_PREFIX,
  CF_STATS_PREFIX,
  TRENDING_RESULTS_PREFIX,
  TRENDING_STATS_PREFIX,
} from '../shared/lake-layout';
import { loadJobSql } from './sql-files';
import {
  booleanLiteral,
  doubleLiteral,
  integerLiteral,
  parseIsoInstant,
  renderSql,
  type SqlLiteral,
  SqlParameterError,
  stringLiteral,
  timestampLiteral,
} from './sql-params';

export { SQL_BUNDLE_DIR } from './sql-files';

export interface QueryStep {
  readonly name: string;
  readonly select: string;
  /** Lake-relative prefix, ending in '/', e.g. `jobs/cf/results/run=<runId>/` */
  readonly targetPrefix: string;
  readonly format: 'PARQUET' | 'JSON';
}

/**
 * The two clocks a run's window can be on. Live runs window on receipt time (`received_at`): the lake is
 * partitioned by it, and an event is counted by the run whose window it arrived in, however late it
 * happened. An as-of replay of history windows on event time (`occurred_at`) instead, over every event
 * received by `replayReceivedBy` (the run's real time): imported history is received when it is imported,
 * years after it happened, so the receipt clock says nothing about "as of" then.
 */
interface WindowClock {
  /** Present: an as-of replay, windowed on occurred_at, reading the events received by this instant. */
  readonly replayReceivedBy?: string;
}

export interface CfRunParams extends WindowClock {
  readonly runId: string;
  /** End of the window (ISO-8601 UTC): events with received_at <= windowTo (occurred_at in a replay). */
  readonly windowTo: string;
  /** Start of the window (exclusive). Absent: full recompute (then previousStateRunId must be absent too). */
  readonly windowFrom?: string;
  /** The run whose state this run merges into (the last published run). */
  readonly previousStateRunId?: string;
  readonly topK: number;
  /** Minimum users in common for a pair to count. */
  readonly minSupport: number;
  /** λ in support / (support + λ). */
  readonly shrinkage: number;
  /** RP3beta's α: the walk's transition probabilities are raised to it (1: the plain random walk). */
  readonly alpha: number;
  /** RP3beta's β: a neighbour's weight is divided by its popularity (signal mass) to this power. */
  readonly beta: number;
  /** Published score = (weight / the largest weight) to this power (1: proportional). */
  readonly neighbourExponent: number;
  /** Signal of a purchased item (the strongest signal present counts). */
  readonly purchaseWeight: number;
  readonly cartWeight: number;
  readonly viewWeight: number;
  /** Items one user contributes to the pairs at most (strongest, most recent first). */
  readonly maxItemsPerUser: number;
  /** Stats: an item is active when it had an interaction in the last N days of the data. */
  readonly activeDays: number;
  /**
   * The model: `ease` (cf_ease.sql: the head items' user vectors, solved at publish by ease-solve.ts, and
   * RP3beta's lists of the other items, ease-fallback.ts) or `rp3beta` (cf_similarity.sql, all in SQL).
   */
  readonly model: CfModel;
  /** EASE: the most popular items in the model (the solve is O(n³) time, 8 n² bytes). */
  readonly easeItems: number;
  /** EASE: λ, the L2 regularisation. */
  readonly easeLambda: number;
}

export const CF_MODELS = ['ease', 'rp3beta'] as const;
export type CfModel = (typeof CF_MODELS)[number];

export const DEFAULT_CF_SETTINGS: Omit<
  CfRunParams,
  'runId' | 'windowTo' | 'windowFrom' | 'previousStateRunId' | 'replayReceivedBy'
> = {
  topK: 50,
  minSupport: 2,
  shrinkage: 5,
  alpha: 0.5,
  beta: 0.5,
  neighbourExponent: 2,
  purchaseWeight: 1,
  cartWeight: 0.5,
  viewWeight: 0.2,
  maxItemsPerUser: 300,
  activeDays: 30,
  model: 'ease',
  easeItems: 2000,
  easeLambda: 300,
};

export interface TrendingRunParams extends WindowClock {
  readonly runId: string;
  /** Events that happened by windowTo and were received by it (by replayReceivedBy in a replay). */
  readonly windowTo: string;
  /** Events that happened in the last `hours` hours before windowTo. */
  readonly hours: number;
  readonly halfLifeHours: number;
  /** Items per scope (global and each category). */
  readonly topN: number;
  readonly viewWeight: number;
  readonly cartWeight: number;
  readonly purchaseWeight: number;
}

export const DEFAULT_TRENDING_SETTINGS: Omit<TrendingRunParams, 'runId' | 'windowTo' | 'replayReceivedBy'> = {
  hours: 24,
  halfLifeHours: 6,
  topN: 50,
  viewWeight: 1,
  cartWeight: 3,
  purchaseWeight: 5,
};

/** Glue table `cf_state` (partition key `run`, string): the columns cf_state.sql writes, in order. */
export const CF_STATE_COLUMNS: readonly LakeColumn[] = [
  { name: 'user_key', type: 'string', comment: "user_id, else 'anon#' || anonymous_id" },
  { name: 'item_id', type: 'string', comment: 'item' },
  { name: 'views', type: 'bigint', comment: 'distinct product_view events' },
  { name: 'carts', type: 'bigint', comment: 'distinct add_to_cart events' },
  { name: 'purchases', type: 'bigint', comment: 'distinct orders containing the item' },
  { name: 'category', type: 'string', comment: 'largest non-null category seen' },
  { name: 'last_event_at', type: 'timestamp', comment: 'latest event time (UTC)' },
];
export const CF_STATE_PARTITION_KEY: LakeColumn = { name: 'run', type: 'string', comment: 'run id' };

/** State of run X at `jobs/cf/state/run=X/`. */

/** A type, not an interface: rows are read as plain records (published-items.ts). */
export type SimilarityRow = {
  readonly item_id: string;
  readonly neighbour_id: string;
  /** (0, 1] */
  readonly score: number;
  readonly support: number;
  /** 1..K */
  readonly rank: number;
};

export interface TrendingRow {
  /** 'global' | 'category#<c>' (trendingScope in lambdas/shared/published.ts). */
  readonly scope: string;
  readonly item_id: string;
  readonly category: string | null;
  readonly score: number;
  readonly rank: number;
}

export interface CfStats {
  readonly input_events: number;
  readonly input_users: number;
  readonly input_items: number;
  /**
   * Newest time on the window's clock, epoch ms (received_at; occurred_at in an as-of replay); null for an
   * empty window. The validation gate's freshness input.
   */
  readonly window_max_received_ms: number | null;
  readonly state_users: number;
  readonly state_items: number;
  readonly output_rows: number;
  readonly items_with_neighbours: number;
  readonly active_items: number;
  readonly null_ids: number;
  /** Rows whose neighbour is the item itself. */
  readonly self_neighbours: number;
  readonly min_score: number | null;
  readonly max_score: number | null;
}

export interface TrendingStats {
  readonly input_events: number;
  /** As CfStats.window_max_received_ms. */
  readonly window_max_received_ms: number | null;
  readonly output_rows: number;
  readonly scopes: number;
  readonly null_ids: number;
  readonly min_score: number | null;
  readonly max_score: number | null;
}

/** Run ids: they become S3 prefixes and SQL string literals, so letters, digits, `-`, `_` and `.` only. */
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
/** The `run` value that matches no state: a full recompute merges with nothing. */
export const NO_PREVIOUS_STATE = '_none_';
const HOUR_MS = 3_600_000;
/**
 * A client resends an event within the retry horizon (the consumer's ledger, 24 h by default): an incremental
 * cf run reads the partitions that long before its window too, so that it recognises the copy of an event an
 * earlier run already counted.
 */
export const RESEND_LOOKBACK_MS = DEFAULT_PROFILE_LIMITS.dedupHorizonMinutes * 60_000;

function runIdLiteral(name: string, value: unknown): SqlLiteral {
  if (typeof value === 'string' && value.includes('..'))
    throw new SqlParameterError(name, `'${value}' contains '..'`);
  return stringLiteral(name, value, RUN_ID);
}

/** `dt` and `hour` of the UTC hour that contains `epochMs`, as string literals. */
function partitionOf(epochMs: number): { dt: SqlLiteral; hour: SqlLiteral } {
  const iso = new Date(Math.floor(epochMs / HOUR_MS) * HOUR_MS).toISOString();
  return { dt: { sql: `'${iso.slice(0, 10)}'` }, hour: { sql: `'${iso.slice(11, 13)}'` } };
}

/**
 * The window's clock and the receipt-time partitions (`dt`, `hour` of received_at) a run reads: from the
 * hour of `fromMs` (live runs; 1970 for a full recompute or a replay) to the hour of the newest receipt
 * it may read (windowTo, or replayReceivedBy in a replay).
 */
function clockValues(p: WindowClock, windowToMs: number, liveFromMs: number): Record<string, SqlLiteral> {
  const replay = p.replayReceivedBy !== undefined;
  const receivedBy = replay ? parseIsoInstant('replayReceivedBy', p.replayReceivedBy) : windowToMs;
  if (receivedBy < windowToMs)
    throw new SqlParameterError('replayReceivedBy', `${p.replayReceivedBy} is before windowTo`);
  const from = partitionOf(replay ? 0 : liveFromMs);
  const to = partitionOf(receivedBy);
  return {
    windowOnEventTime: booleanLiteral(replay),
    receivedBy: timestampLiteral(receivedBy),
    pruneFromDt: from.dt,
    pruneFromHour: from.hour,
    pruneToDt: to.dt,
    pruneToHour: to.hour,
  };
}

/** Validated SQL literals of a cf run; throws SqlParameterError naming the bad parameter. */
export function cfSqlValues(p: CfRunParams): Record<string, SqlLiteral> {
  const to = parseIsoInstant('windowTo', p.windowTo);
  const incremental = p.windowFrom !== undefined;
  if (incremental !== (p.previousStateRunId !== undefined))
    throw new SqlParameterError(
      incremental ? 'previousStateRunId' : 'windowFrom',
      'windowFrom and previousStateRunId go together (both for an incremental run, neither for a full recompute)',
    );
  const from = incremental ? parseIsoInstant('windowFrom', p.windowFrom) : 0;
  if (from >= to)
    throw new SqlParameterError('windowFrom', `${p.windowFrom} is not before windowTo ${p.windowTo}`);
  const runId = runIdLiteral('runId', p.runId);
  const previous = incremental ? runIdLiteral('previousStateRunId', p.previousStateRunId) : undefined;
  if (previous && p.previousStateRunId === p.runId)
    throw new SqlParameterError('previousStateRunId', 'must differ from runId');
  const weight = (name: keyof CfRunParams) =>
    doubleLiteral(name, p[name], { min: 0, max: 1, minExclusive: true });
  return {
    runId,
    previousStateRunId: previous ?? { sql: `'${NO_PREVIOUS_STATE}'` },
    windowTo: timestampLiteral(to),
    windowFrom: timestampLiteral(from),
    // An incremental live run reads the partitions its window was received in, and the retry horizon
    // before them (earlier copies of resent events); a full one, all of them.
    ...clockValues(p, to, incremental ? from - RESEND_LOOKBACK_MS : 0),
    topK: integerLiteral('topK', p.topK, 1, 1000),
    minSupport: integerLiteral('minSupport', p.minSupport, 1, 1_000_000),
    shrinkage: doubleLiteral('shrinkage', p.shrinkage, { min: 0, max: 1_000_000 }),
    alpha: doubleLiteral('alpha', p.alpha, { min: 0, max: 4, minExclusive: true }),
    beta: doubleLiteral('beta', p.beta, { min: 0, max: 4 }),
    neighbourExponent: doubleLiteral('neighbourExponent', p.neighbourExponent, {
      min: 0,
      max: 8,
      minExclusive: true,
    }),
    purchaseWeight: weight('purchaseWeight'),
    cartWeight: weight('cartWeight'),
    viewWeight: weight('viewWeight'),
    maxItemsPerUser: integerLiteral('maxItemsPerUser', p.maxItemsPerUser, 2, 100_000),
    activeDays: integerLiteral('activeDays', p.activeDays, 1, 3660),
    easeItems: integerLiteral('easeItems', p.easeItems, 2, 20_000),
  };
}

export function trendingSqlValues(p: TrendingRunParams): Record<string, SqlLiteral> {
  const to = parseIsoInstant('windowTo', p.windowTo);
  integerLiteral('hours', p.hours, 1, 24 * 90);
  const start = to - p.hours * HOUR_MS;
  const weight = (name: keyof TrendingRunParams) => doubleLiteral(name, p[name], { min: 0, max: 1000 });
  return {
    runId: runIdLiteral('runId', p.runId),
    windowTo: timestampLiteral(to),
    windowStart: timestampLiteral(start),
    // An event that happened after windowStart was received at most the allowed clock skew before it.
    ...clockValues(p, to, start - MAX_FUTURE_SKEW_MS),
    halfLifeHours: doubleLiteral('halfLifeHours', p.halfLifeHours, {
      min: 0,
      max: 24 * 365,
      minExclusive: true,
    }),
    topN: integerLiteral('topN', p.topN, 1, 1000),
    viewWeight: weight('viewWeight'),
    cartWeight: weight('cartWeight'),
    purchaseWeight: weight('purchaseWeight'),
  };
}

/**
 * Renders `sql/jobs/<name>.sql` with the values (includes resolved from the same folder; `substitutes`
 * renders another file in place of an included one; that file's own includes are not substituted, so it
 * may include the file it stands in for).
 */
export function renderJobSql(
  name: string,
  values: Readonly<Record<string, SqlLiteral>>,
  substitutes: Readonly<Record<string, string>> = {},
): string {
  return renderSql(loadJobSql(name), values, (file) => {
    const substitute = substitutes[file];
    return substitute === undefined ? loadJobSql(file) : renderJobSql(substitute, values);
  }).trim();
}

export function cfQuerySteps(p: CfRunParams): QueryStep[] {
  const values = cfSqlValues(p);
  const run = `run=${p.runId}/`;
  return [
    {
      name: 'cf-state',
      select: renderJobSql('cf_state', values),
      targetPrefix: `${CF_STATE_PREFIX}${run}`,
      format: 'PARQUET',
    },
    p.model === 'ease'
      ? {
          // The head items' user vectors, which the publish step solves into neighbour lists (ease-solve.ts),
          // and RP3beta's lists of the other items (the fallback, ease-fallback.ts).
          name: 'cf-vectors',
          select: renderJobSql('cf_ease', values),
          targetPrefix: `${CF_RESULTS_PREFIX}${run}`,
          format: 'JSON',
        }
      : {
          name: 'cf-similarity',
          select: renderJobSql('cf_similarity', values),
          targetPrefix: `${CF_RESULTS_PREFIX}${run}`,
          format: 'JSON',
        },
    {
      name: 'cf-stats',
      // The stats' output part is the model's: for EASE the items the solve can give neighbours (at publish).
      select: renderJobSql(
        'cf_stats',
        values,
        p.model === 'ease' ? { cf_similarity: 'cf_vectors_pairs' } : {},
      ),
      targetPrefix: `${CF_STATS_PREFIX}${run}`,
      format: 'JSON',
    },
  ];
}

export function trendingQuerySteps(p: TrendingRunParams): QueryStep[] {
  const values = trendingSqlValues(p);
  const run = `run=${p.runId}/`;
  return [
    {
      name: 'trending',
      select: renderJobSql('trending', values),
      targetPrefix: `${TRENDING_RESULTS_PREFIX}${run}`,
      format: 'JSON',
    },
    {
      name: 'trending-stats',
      select: renderJobSql('trending_stats', values),
      targetPrefix: `${TRENDING_STATS_PREFIX}${run}`,
      format: 'JSON',
    },
  ];
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const PREFIX = /^(?:[A-Za-z0-9_.=-]+\/)+$/;

/** Validates a step's target prefix: relative, ending in '/', no `..`, S3-safe characters only. */
export function checkTargetPrefix(prefix: string): string {
  if (!PREFIX.test(prefix) || prefix.split('/').some((part) => part === '..' || part === '.'))
    throw new Error(
      `invalid target prefix '${prefix}': expected relative segments of [A-Za-z0-9_.=-] ending in '/'`,
    );
  return prefix;
}

/**
 * The Athena statement of a step: `UNLOAD (<select>) TO 's3://<bucket>/<prefix>' WITH (format = …)`.
 * UNLOAD refuses a non-empty target, so a step can never overwrite a previous run's output.
 */
export function athenaUnload(step: QueryStep, bucketName: string): string {
  if (!BUCKET.test(bucketName)) throw new Error(`invalid bucket name '${bucketName}'`);
  checkTargetPrefix(step.targetPrefix);
  if (step.format !== 'PARQUET' && step.format !== 'JSON')
    throw new Error(`unknown format '${String(step.format)}'`);
  return `UNLOAD (\n${step.select}\n) TO 's3://${bucketName}/${step.targetPrefix}' WITH (format = '${step.format}')`;
}
