/**
 * The control plane of a batch run, behind ports (no AWS here): plan, validate, publish, record a failure,
 * roll back. The Lambda handlers and the local runner both call these, with DynamoDB/S3 adapters or fakes.
 */
import type {
  ActivePointer,
  JobName,
  RunRecord,
  SimilarityItem,
  TrendingItem,
  ValidationCheck,
} from '../shared/published';
import { cfNeighbourRows, type EaseSolveSettings } from './ease-solve';
import { type JobPlan, type PlanInput, planRun } from './job-plan';
import type { ResultRowsReader } from './lake-results';
import { similarityItems, trendingItems } from './published-items';
import { evaluateGate, type GateThresholds, gatePassed, parseStatsRow } from './validation-gate';
import { checkRollbackTarget, type StoredRunRecord, versionsToExpire } from './versioning';

export class PointerConflictError extends Error {
  constructor(job: string, expectedRevision: number | undefined) {
    super(
      `${job}: the active-version pointer changed while flipping (expected revision ${expectedRevision ?? 'none'}); ` +
        'another publish or rollback won',
    );
    this.name = 'PointerConflictError';
  }
}

export interface JobRunsPort {
  getRun(job: JobName, runId: string): Promise<StoredRunRecord | undefined>;
  /** Newest first. */
  listRuns(job: JobName, limit?: number): Promise<StoredRunRecord[]>;
  putRun(run: StoredRunRecord): Promise<void>;
  updateRun(
    job: JobName,
    runId: string,
    changes: Partial<Omit<StoredRunRecord, 'job' | 'runId'>>,
  ): Promise<void>;
  getPointer(job: JobName): Promise<ActivePointer | undefined>;
  /** Sets the active version if the pointer still has `expectedRevision` (undefined: no pointer yet). */
  flipPointer(
    job: JobName,
    version: string,
    expectedRevision: number | undefined,
    now: Date,
  ): Promise<ActivePointer>;
}

export type PublishedItem = SimilarityItem | TrendingItem;

export interface PublishedStorePort {
  /** Writes (or overwrites) items of one job's table. */
  write(job: JobName, items: readonly PublishedItem[]): Promise<void>;
}

export interface JobServiceDeps {
  readonly runs: JobRunsPort;
  readonly published: PublishedStorePort;
  readonly results: ResultRowsReader;
  readonly clock?: () => Date;
}

export interface ValidateOutcome {
  readonly passed: boolean;
  readonly checks: readonly ValidationCheck[];
}

export interface PublishOutcome {
  readonly activeVersion: string;
  readonly publishedItems: number;
  readonly expiredVersions: readonly string[];
  /** Versions whose expiry failed (they stay readable; the next publish tries again). */
  readonly expiryErrors: readonly string[];
}

export interface FailureInput {
  readonly job: JobName;
  readonly runId?: string;
  /** Step Functions Catch output: `{ Error, Cause }`. */
  readonly error?: { readonly Error?: string; readonly Cause?: string };
}

/** The alarm topic's subject for a failed run (the state machine's NotifyFailure step publishes it). */
export function failedRunSubject(job: JobName): string {
  return `RecoStream ${job} run failed`;
}

export interface FailureOutcome {
  readonly job: JobName;
  readonly runId: string;
  /** Text for the alarm topic. */
  readonly message: string;
  readonly subject: string;
}

export class JobService {
  private readonly clock: () => Date;

  constructor(private readonly deps: JobServiceDeps) {
    this.clock = deps.clock ?? (() => new Date());
  }

  /** The run of the active version, if any. */
  async activeRun(job: JobName): Promise<StoredRunRecord | undefined> {
    const pointer = await this.deps.runs.getPointer(job);
    return pointer ? this.deps.runs.getRun(job, pointer.activeVersion) : undefined;
  }

  /**
   * Plans a run and records it as running. `startedAt` is the execution's start time (Step Functions'
   * `$$.Execution.StartTime`, or the local runner's clock): the run's "now", so a run's window does not
   * depend on when the plan function happened to be scheduled. @default the service's clock
   */
  async plan(input: Omit<PlanInput, 'now' | 'active'> & { readonly startedAt?: string }): Promise<JobPlan> {
    const { startedAt, ...planInput } = input;
    const now = startedAt !== undefined ? new Date(startedAt) : this.clock();
    const active = await this.activeRun(input.job);
    const planned = planRun({ ...planInput, now, active });
    const plan: JobPlan = active?.finishedAt
      ? {
          ...planned,
          lastSuccessAgeSeconds: Math.max(
            0,
            Math.round((now.getTime() - Date.parse(active.finishedAt)) / 1000),
          ),
        }
      : planned;
    await this.deps.runs.putRun({
      job: plan.job,
      runId: plan.runId,
      status: 'running',
      startedAt: now.toISOString(),
      window: { ...(plan.windowFrom ? { from: plan.windowFrom } : {}), to: plan.windowTo },
      resultPrefix: plan.resultPrefix,
      ...(plan.previousStateRunId ? { previousStateRunId: plan.previousStateRunId } : {}),
      ...(plan.fullRecomputeAt ? { fullRecomputeAt: plan.fullRecomputeAt } : {}),
      ...(plan.asOf ? { asOf: plan.asOf } : {}),
      ...(plan.solve ? { solve: plan.solve } : {}),
    });
    return plan;
  }

  async validate(plan: JobPlan, thresholds: GateThresholds): Promise<ValidateOutcome> {
    const rows = await this.deps.results.readRows(plan.statsPrefix);
    if (rows.length !== 1) {
      throw new Error(
        `${plan.job} run ${plan.runId}: expected one stats row under ${plan.statsPrefix}, found ${rows.length}`,
      );
    }
    const stats = parseStatsRow(rows[0] as Record<string, unknown>);
    // A replay reads another slice of time than the live runs: comparing its counts with theirs says nothing.
    const baseline = plan.asOf ? undefined : await this.driftBaseline(plan.job, plan.runId);
    const checks = evaluateGate({
      job: plan.job,
      windowTo: plan.windowTo,
      stats,
      previous: baseline?.stats,
      thresholds,
    });
    const passed = gatePassed(checks);
    const storedStats = Object.fromEntries(
      Object.entries(stats).filter((e): e is [string, number] => e[1] !== null),
    );
    await this.deps.runs.updateRun(plan.job, plan.runId, {
      stats: storedStats,
      checks,
      ...(baseline ? { baselineRunId: baseline.runId } : {}),
      ...(passed ? {} : { status: 'rejected', finishedAt: this.clock().toISOString() }),
    });
    return { passed, checks };
  }

  async publish(plan: JobPlan, keepVersions: number): Promise<PublishOutcome> {
    const { job, runId } = plan;
    const run = await this.deps.runs.getRun(job, runId);
    if (!run) throw new Error(`${job}: no run record ${runId}`);
    if (run.status !== 'running' && run.status !== 'published')
      throw new Error(
        `${job} run ${runId} is ${run.status}: only a running run that passed the gate is published`,
      );
    if (!run.checks || !gatePassed(run.checks))
      throw new Error(`${job} run ${runId} has not passed the validation gate: nothing is published`);

    const items = await this.itemsOf(job, plan.resultPrefix, runId, plan.solve);
    if (items.length === 0) throw new Error(`${job} run ${runId}: no rows under ${plan.resultPrefix}`);
    await this.deps.published.write(job, items);

    // Flip only after every item of the version is written; a retry after a flip finds it done.
    const pointer = await this.deps.runs.getPointer(job);
    if (pointer?.activeVersion !== runId)
      await this.deps.runs.flipPointer(job, runId, pointer?.revision, this.clock());
    await this.deps.runs.updateRun(job, runId, {
      status: 'published',
      finishedAt: this.clock().toISOString(),
      publishedItems: items.length,
    });
    const { expired, errors } = await this.expireOldVersions(job, runId, keepVersions);
    return {
      activeVersion: runId,
      publishedItems: items.length,
      expiredVersions: expired,
      expiryErrors: errors,
    };
  }

  async recordFailure(input: FailureInput, newRunId: () => string): Promise<FailureOutcome> {
    const now = this.clock().toISOString();
    const error =
      [input.error?.Error, causeMessage(input.error?.Cause)].filter(Boolean).join(': ') || 'unknown error';
    const existing = input.runId ? await this.deps.runs.getRun(input.job, input.runId) : undefined;
    let runId = input.runId;
    if (existing) {
      // A run that already reached the tables keeps its status; the error is kept next to it.
      const published = existing.status === 'published';
      await this.deps.runs.updateRun(input.job, existing.runId, {
        error,
        ...(published ? {} : { status: 'failed', finishedAt: now }),
      });
    } else {
      // Failed before (or while) planning: record it anyway so the failure is listed with the runs.
      runId ??= newRunId();
      await this.deps.runs.putRun({
        job: input.job,
        runId,
        status: 'failed',
        startedAt: now,
        finishedAt: now,
        error,
      });
    }
    return {
      job: input.job,
      runId: runId as string,
      subject: failedRunSubject(input.job),
      message: `Batch job ${input.job} run ${runId} failed at ${now}; nothing was published. ${error}`,
    };
  }

  rollback(job: JobName, target: string): Promise<RollbackOutcome> {
    return rollbackJob(this.deps.runs, job, target, this.clock());
  }

  /**
   * The run drift is measured against: the newest earlier run whose data was sound, i.e. that passed every
   * check except possibly drift. A sudden jump is rejected once; if the next run confirms the new level it
   * compares with the rejected run and passes, so a lasting shift cannot lock the job out for good.
   */
  private async driftBaseline(job: JobName, runId: string): Promise<StoredRunRecord | undefined> {
    const recent = await this.deps.runs.listRuns(job, 50);
    return recent.find(
      (r) =>
        r.runId < runId &&
        r.stats !== undefined &&
        (r.status === 'published' || r.status === 'rolled_back' || r.status === 'rejected') &&
        (r.checks ?? []).every((c) => c.passed || c.name.startsWith('drift_')),
    );
  }

  /** The run's table items; an EASE run's rows are its Gram matrix, solved here (the job Lambda's memory). */
  private async itemsOf(
    job: JobName,
    prefix: string,
    version: string,
    solve: EaseSolveSettings | undefined,
  ): Promise<PublishedItem[]> {
    const rows = await this.deps.results.readRows(prefix);
    if (job !== 'cf') return trendingItems(rows, version);
    return similarityItems(cfNeighbourRows(rows, solve), version);
  }

  /** Rewrites the items of versions beyond the newest `keep` with a TTL, and marks their runs expired. */
  private async expireOldVersions(
    job: JobName,
    activeVersion: string,
    keep: number,
  ): Promise<{ expired: string[]; errors: string[] }> {
    const runs = await this.deps.runs.listRuns(job);
    const expired: string[] = [];
    const errors: string[] = [];
    const expiresAt = Math.floor(this.clock().getTime() / 1000);
    for (const version of versionsToExpire(runs, activeVersion, keep)) {
      const run = runs.find((r) => r.runId === version);
      try {
        if (!run?.resultPrefix) throw new Error('the run record has no resultPrefix');
        const items = (await this.itemsOf(job, run.resultPrefix, version, run.solve)).map((item) => ({
          ...item,
          expiresAt,
        }));
        await this.deps.published.write(job, items);
        await this.deps.runs.updateRun(job, version, { expiredAt: this.clock().toISOString() });
        expired.push(version);
      } catch (error) {
        errors.push(`${version}: ${(error as Error).message}`);
      }
    }
    return { expired, errors };
  }
}

export interface RollbackOutcome {
  readonly from?: string;
  readonly to: string;
  readonly revision: number;
}

/** Flips the pointer back to `target` (a live, published version) and marks the replaced run rolled_back. */
export async function rollbackJob(
  runs: JobRunsPort,
  job: JobName,
  target: string,
  now: Date,
): Promise<RollbackOutcome> {
  const [run, pointer] = await Promise.all([runs.getRun(job, target), runs.getPointer(job)]);
  checkRollbackTarget(job, target, run, pointer);
  const flipped = await runs.flipPointer(job, target, pointer?.revision, now);
  if (pointer) await runs.updateRun(job, pointer.activeVersion, { status: 'rolled_back' });
  if (run?.status === 'rolled_back') await runs.updateRun(job, target, { status: 'published' });
  return { from: pointer?.activeVersion, to: target, revision: flipped.revision };
}

/** Lambda errors arrive as a JSON Cause with errorMessage; Athena failures as plain text. */
function causeMessage(cause: string | undefined): string | undefined {
  if (!cause) return undefined;
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: string };
    if (typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // not JSON
  }
  return cause.length > 2000 ? `${cause.slice(0, 2000)}…` : cause;
}

export type { RunRecord };
