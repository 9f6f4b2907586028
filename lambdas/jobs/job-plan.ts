/**
 * Plans one run: its id, its window (incremental from the active version's window end) and its query steps
 * (H1's SQL, rendered for Athena too). Pure; the plan handler supplies the clock, randomness and the
 * active run.
 */
import type { JobName } from '../shared/published';
import { cfSolveSettings, type EaseSolveSettings } from './ease-solve';
import {
  athenaUnload,
  type CfRunParams,
  cfQuerySteps,
  DEFAULT_CF_SETTINGS,
  DEFAULT_TRENDING_SETTINGS,
  type QueryStep,
  type TrendingRunParams,
  trendingQuerySteps,
} from './job-sql';
import { newRunId } from './run-id';
import type { StoredRunRecord } from './versioning';

export type CfSettings = typeof DEFAULT_CF_SETTINGS;
export type TrendingSettings = typeof DEFAULT_TRENDING_SETTINGS;

export interface PlannedStep extends QueryStep {
  /** The same step as an Athena UNLOAD statement into the lake bucket. */
  readonly athenaQuery: string;
}

/** The plan is the state machine's working document: every later step reads it. */
export interface JobPlan {
  readonly job: JobName;
  readonly runId: string;
  readonly windowTo: string;
  readonly windowFrom?: string;
  readonly previousStateRunId?: string;
  readonly steps: readonly PlannedStep[];
  /** Where the publishable rows are (JSON). */
  readonly resultPrefix: string;
  /** Where the one-row stats are (JSON). */
  readonly statsPrefix: string;
  /**
   * Seconds since the active version's run finished (JOB_METRICS.lastSuccessAgeSeconds); absent before the
   * first published run. Emitted by the plan step on every run, so the age is visible while runs fail.
   */
  readonly lastSuccessAgeSeconds?: number;
  /** A replay as of this past instant (PlanInput.asOf): the drift checks have no like-for-like baseline. */
  readonly asOf?: string;
  /** cf: window end of the full recomputation this run's incremental chain starts from (this run's own when full). */
  readonly fullRecomputeAt?: string;
  /** cf with the EASE model: the result rows are the Gram matrix, solved into neighbour lists at publish. */
  readonly solve?: EaseSolveSettings;
}

/** Position of the result and stats steps in H1's step lists (contract: cf [state, similarity, stats]). */
export const STEP_ROLES: Readonly<Record<JobName, { result: number; stats: number; count: number }>> = {
  cf: { result: 1, stats: 2, count: 3 },
  trending: { result: 0, stats: 1, count: 2 },
};

export interface PlanInput {
  readonly job: JobName;
  readonly now: Date;
  readonly runIdSuffix: string;
  /** The run of the active version: its window end is where this run starts reading. */
  readonly active?: StoredRunRecord;
  /** Bucket the Athena UNLOAD statements write to. */
  readonly lakeBucket: string;
  readonly cfSettings?: Partial<CfSettings>;
  readonly trendingSettings?: Partial<TrendingSettings>;
  /**
   * cf: recompute from the whole lake when the incremental chain started this many days ago or more. It
   * picks up events that arrived later than the lookback, drops deleted users' contributions from the
   * state, and keeps the state an incremental run needs younger than the lake's `jobs/` expiry.
   * @default DEFAULT_FULL_RECOMPUTE_DAYS
   */
  readonly fullRecomputeDays?: number;
  /**
   * Plan as of this past instant (ISO-8601): a replay of history. The window is on event time and ends
   * there, over every event received by now (an import is received when it is imported, whatever its
   * event time), and cf recomputes in full. For historical imports (e.g. the UCI data); the run id still
   * comes from the real clock, so versions keep their order. The next cf run after a replay recomputes in
   * full: a state windowed on event time is no prefix of the receipt clock the live runs continue on.
   */
  readonly asOf?: string;
}

export const DEFAULT_FULL_RECOMPUTE_DAYS = 7;

export function planRun(input: PlanInput): JobPlan {
  const runId = newRunId(input.now, input.runIdSuffix);
  if (input.asOf !== undefined && !(Date.parse(input.asOf) <= input.now.getTime()))
    throw new Error(`asOf must be an ISO-8601 instant in the past, got ${input.asOf}`);
  const windowTo = input.asOf ?? input.now.toISOString();
  const replay = input.asOf !== undefined ? { replayReceivedBy: input.now.toISOString() } : {};
  let steps: QueryStep[];
  let windowFrom: string | undefined;
  let previousStateRunId: string | undefined;
  let fullRecomputeAt: string | undefined;
  let solve: EaseSolveSettings | undefined;
  if (input.job === 'cf') {
    // Incremental: merge the events since the active run's window end into that run's state, unless the
    // chain of incremental runs is due for a full recomputation.
    const chainStart = input.active?.fullRecomputeAt ?? input.active?.startedAt;
    const days = input.fullRecomputeDays ?? DEFAULT_FULL_RECOMPUTE_DAYS;
    const due =
      input.asOf !== undefined ||
      chainStart === undefined ||
      input.active?.asOf !== undefined ||
      input.now.getTime() - Date.parse(chainStart) >= days * 86_400_000;
    windowFrom = due ? undefined : input.active?.window?.to;
    previousStateRunId = windowFrom ? input.active?.runId : undefined;
    fullRecomputeAt = windowFrom ? chainStart : windowTo;
    const params: CfRunParams = {
      ...DEFAULT_CF_SETTINGS,
      ...input.cfSettings,
      runId,
      windowTo,
      windowFrom,
      previousStateRunId,
      ...replay,
    };
    steps = cfQuerySteps(params);
    solve = cfSolveSettings(params);
  } else {
    const params: TrendingRunParams = {
      ...DEFAULT_TRENDING_SETTINGS,
      ...input.trendingSettings,
      runId,
      windowTo,
      ...replay,
    };
    steps = trendingQuerySteps(params);
  }
  const roles = STEP_ROLES[input.job];
  if (steps.length !== roles.count) {
    throw new Error(`${input.job} has ${steps.length} query steps, the state machine expects ${roles.count}`);
  }
  const planned = steps.map((step) => ({ ...step, athenaQuery: athenaUnload(step, input.lakeBucket) }));
  return {
    job: input.job,
    runId,
    windowTo,
    ...(windowFrom ? { windowFrom } : {}),
    ...(previousStateRunId ? { previousStateRunId } : {}),
    ...(fullRecomputeAt ? { fullRecomputeAt } : {}),
    ...(input.asOf !== undefined ? { asOf: input.asOf } : {}),
    ...(solve ? { solve } : {}),
    steps: planned,
    resultPrefix: (planned[roles.result] as PlannedStep).targetPrefix,
    statsPrefix: (planned[roles.stats] as PlannedStep).targetPrefix,
  };
}
