/**
 * Runs the template's schedules (EventBridge Scheduler -> state machine of a batch job) on a fast-forwarded
 * clock: simulated time runs `speed` times faster than real time from the moment the lake first has events,
 * each job runs once then (so recommendations exist within about a minute of the first traffic), and again
 * at every scheduled time of the simulated clock. Until a job has an active version it is retried every
 * `bootstrapRetryMs` (early runs on a nearly empty lake may be rejected by the gate). One run at a time.
 */
import { EVENTS_PREFIX } from '../../lambdas/shared/lake-layout';
import type { JobName } from '../../lambdas/shared/published';
import { type BucketLocation, bucketStorage } from '../lake/bucket-storage';
import type { LocalSchedule, LocalTopology } from '../topology';
import type { LocalJobRunner } from './runner';
import { nextFireTime, parseScheduleExpression, type ScheduleSpec } from './schedule-expression';

export interface JobSchedulerOptions {
  readonly topology: LocalTopology;
  readonly runner: LocalJobRunner;
  /** The lake bucket: the schedule starts with its first events. */
  readonly lake: BucketLocation;
  /** Simulated seconds per real second. @default 96 (a day in 15 minutes) */
  readonly speed?: number;
  /** No job runs more often than this, whatever the speed. @default 30000 */
  readonly minIntervalMs?: number;
  /** @default 20000 */
  readonly bootstrapRetryMs?: number;
  /** How often the scheduler looks at the clock and the lake. @default 2000 */
  readonly tickMs?: number;
  readonly log?: (message: string) => void;
  readonly now?: () => number;
}

interface Entry {
  readonly schedule: LocalSchedule;
  readonly job: JobName;
  readonly spec: ScheduleSpec;
  /** Real time of the next run. */
  dueMs: number;
  /** Simulated time of the next scheduled fire. */
  nextSimMs?: number;
  lastRealRunMs: number;
}

export class LocalJobScheduler {
  private readonly entries: Entry[];
  private readonly speed: number;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private startedAtMs: number | undefined;
  private busy = false;
  private stopped = false;

  constructor(private readonly options: JobSchedulerOptions) {
    this.speed = options.speed ?? 96;
    if (!(this.speed > 0)) throw new Error(`Job scheduler speed must be > 0, got ${this.speed}`);
    this.now = options.now ?? Date.now;
    this.entries = options.topology.schedules
      .filter((s) => s.enabled)
      .flatMap((schedule) => {
        const job = options.topology.stateMachines.get(schedule.stateMachineId)?.job;
        if (!job) return [];
        return [
          {
            schedule,
            job: job as JobName,
            spec: parseScheduleExpression(schedule.expression, schedule.timezone),
            dueMs: 0,
            lastRealRunMs: 0,
          },
        ];
      });
  }

  start(): void {
    if (this.entries.length === 0) return;
    const tick = async () => {
      if (this.stopped) return;
      await this.tick().catch((error) => this.options.log?.(`job scheduler: ${(error as Error).message}`));
      if (!this.stopped) this.timer = setTimeout(() => void tick(), this.options.tickMs ?? 2000);
    };
    this.timer = setTimeout(() => void tick(), 0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  /** Per job: its schedule expression, the next real time it runs (undefined until the lake has events). */
  byJob(): Record<string, { expression: string; speed: number; nextRunAt?: string; simulatedNow?: string }> {
    const simulatedNow =
      this.startedAtMs === undefined ? undefined : new Date(this.simulated(this.now())).toISOString();
    return Object.fromEntries(
      this.entries.map((e) => [
        e.job,
        {
          expression: e.schedule.expression,
          speed: this.speed,
          nextRunAt:
            this.startedAtMs === undefined || !Number.isFinite(e.dueMs)
              ? undefined
              : new Date(e.dueMs).toISOString(),
          simulatedNow,
        },
      ]),
    );
  }

  snapshot(): Record<string, unknown> {
    return {
      speed: this.speed,
      clockStarted: this.startedAtMs !== undefined,
      simulatedNow:
        this.startedAtMs === undefined ? undefined : new Date(this.simulated(this.now())).toISOString(),
      schedules: this.entries.map((e) => ({
        job: e.job,
        expression: e.schedule.expression,
        nextRunAt: this.startedAtMs === undefined ? undefined : new Date(e.dueMs).toISOString(),
      })),
    };
  }

  private simulated(realMs: number): number {
    return (this.startedAtMs ?? realMs) + (realMs - (this.startedAtMs ?? realMs)) * this.speed;
  }

  private async tick(): Promise<void> {
    if (this.busy) return;
    const now = this.now();
    if (this.startedAtMs === undefined) {
      if (!(await lakeHasEvents(this.options.lake))) return;
      // The simulated clock starts with the first events: every job runs now, then on its schedule.
      this.startedAtMs = now;
      await this.options.runner.refreshActiveVersions().catch(() => undefined);
      for (const e of this.entries) e.dueMs = now;
    }
    const due = this.entries.filter((e) => e.dueMs <= now).sort((a, b) => a.dueMs - b.dueMs)[0];
    if (!due) return;
    this.busy = true;
    try {
      await this.options.runner
        .run(due.job)
        .catch((error) => this.options.log?.(`job ${due.job}: ${(error as Error).message}`));
      const after = this.now();
      due.lastRealRunMs = after;
      due.dueMs = this.nextDue(due, after);
    } finally {
      this.busy = false;
    }
  }

  private nextDue(entry: Entry, realNow: number): number {
    const minInterval = this.options.minIntervalMs ?? 30_000;
    if (!this.options.runner.hasActiveVersion(entry.job))
      return realNow + (this.options.bootstrapRetryMs ?? 20_000);
    const start = this.startedAtMs ?? realNow;
    const simNext = nextFireTime(entry.spec, this.simulated(realNow), start);
    if (simNext === undefined) return Number.POSITIVE_INFINITY;
    const real = start + (simNext - start) / this.speed;
    return Math.max(real, realNow + minInterval);
  }
}

/** True once the lake has at least one Parquet events object (the local Firehose delivered something). */
export async function lakeHasEvents(lake: BucketLocation): Promise<boolean> {
  try {
    return (await bucketStorage(lake).list(EVENTS_PREFIX)).some((object) => object.key.endsWith('.parquet'));
  } catch {
    return false;
  }
}
