/**
 * Runs a batch job locally the way its state machine runs in AWS: the plan, validate and publish Lambdas
 * (found in the template by their JOB_FUNCTION variable, run by the FunctionHost), the query steps on DuckDB
 * over the local lake (H1's runQueryStepLocally, the same SQL Athena runs), and on any error the
 * record-failure Lambda plus its `NotifyFailure` step: a Publish through the SNS SDK to the topic the state
 * machine's definition names, with the subject and message the record-failure Lambda returned.
 */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { JOB_FUNCTION_ENV, type JobFunction } from '../../lambdas/jobs/job-names';
import type { JobPlan } from '../../lambdas/jobs/job-plan';
import {
  type FailureOutcome,
  failedRunSubject,
  type JobRunsPort,
  type PublishOutcome,
  type ValidateOutcome,
} from '../../lambdas/jobs/job-service';
import type { QueryStep } from '../../lambdas/jobs/job-sql';
import type { JobName, ValidationCheck } from '../../lambdas/shared/published';
import { FunctionError } from '../functions/function-host';
import type { BucketLocation } from '../lake/bucket-storage';
import type { Invoke, LocalTopology } from '../topology';
import { runQueryStepLocally } from './engine';

export type LocalRunStatus = 'published' | 'rejected' | 'failed';

export interface LocalRunResult {
  readonly job: JobName;
  readonly runId?: string;
  readonly status: LocalRunStatus;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  /** Milliseconds per query step, in order. */
  readonly stepMs: Readonly<Record<string, number>>;
  readonly checks?: readonly ValidationCheck[];
  readonly publish?: PublishOutcome;
  readonly error?: string;
}

export interface JobRunnerOptions {
  readonly topology: LocalTopology;
  readonly invoke: Invoke;
  /** The lake bucket the steps read and write (its folder by default, the bucket on moto). */
  readonly lake: BucketLocation;
  /**
   * SNS on the local endpoint or moto: one notification per failed or rejected run, published to the topic of
   * the job's state machine (its `NotifyFailure` step).
   */
  readonly sns: SNSClient;
  /** Reads the active-version pointers for health(). @default none (activeVersion from the last publish) */
  readonly runs?: JobRunsPort;
  /** @default runQueryStepLocally */
  readonly runStep?: (step: QueryStep, lake: BucketLocation) => Promise<void>;
  readonly log?: (message: string) => void;
  /** The runs' clock: each run starts (and plans its window) at `clock()`. @default the wall clock */
  readonly clock?: () => Date;
}

export interface JobSnapshot {
  readonly running: boolean;
  readonly runs: number;
  readonly published: number;
  readonly rejected: number;
  readonly failed: number;
  readonly activeVersion?: string;
  readonly lastRun?: LocalRunResult;
}

export class LocalJobRunner {
  private readonly functionIds: Readonly<Record<JobFunction, string>>;
  private readonly inFlight = new Map<JobName, Promise<LocalRunResult>>();
  private readonly stats = new Map<
    JobName,
    { runs: number; published: number; rejected: number; failed: number }
  >();
  private readonly last = new Map<JobName, LocalRunResult>();
  private readonly active = new Map<JobName, string>();
  private readonly clock: () => Date;
  private readonly log: (message: string) => void;

  constructor(private readonly options: JobRunnerOptions) {
    this.functionIds = jobFunctionIds(options.topology);
    this.clock = options.clock ?? (() => new Date());
    this.log = options.log ?? (() => undefined);
  }

  /** Jobs the template defines (state machines with a `recostream:job`). */
  jobs(): JobName[] {
    return [...this.options.topology.stateMachines.values()].flatMap((m) =>
      m.job ? [m.job as JobName] : [],
    );
  }

  /**
   * Runs `job` now (or as of a past `asOf`, as the state machine's execution input would); a run of the
   * same job already in progress is joined rather than started twice.
   */
  run(job: JobName, options: { readonly asOf?: string } = {}): Promise<LocalRunResult> {
    if (!this.jobs().includes(job)) return Promise.reject(new Error(`No state machine runs job '${job}'`));
    const current = this.inFlight.get(job);
    if (current) return current;
    const promise = this.execute(job, options).finally(() => this.inFlight.delete(job));
    this.inFlight.set(job, promise);
    return promise;
  }

  /** Reads the active versions from JobRuns (e.g. after a restart or a rollback). */
  async refreshActiveVersions(): Promise<void> {
    if (!this.options.runs) return;
    for (const job of this.jobs()) {
      const pointer = await this.options.runs.getPointer(job);
      if (pointer) this.active.set(job, pointer.activeVersion);
      else this.active.delete(job);
    }
  }

  hasActiveVersion(job: JobName): boolean {
    return this.active.has(job);
  }

  snapshot(): Record<string, JobSnapshot> {
    return Object.fromEntries(
      this.jobs().map((job) => {
        const s = this.stats.get(job) ?? { runs: 0, published: 0, rejected: 0, failed: 0 };
        return [
          job,
          {
            running: this.inFlight.has(job),
            ...s,
            activeVersion: this.active.get(job),
            lastRun: this.last.get(job),
          },
        ];
      }),
    );
  }

  private async execute(job: JobName, options: { readonly asOf?: string }): Promise<LocalRunResult> {
    const started = this.clock();
    const stepMs: Record<string, number> = {};
    let plan: JobPlan | undefined;
    let result: Omit<LocalRunResult, 'job' | 'startedAt' | 'finishedAt' | 'durationMs' | 'stepMs'>;
    try {
      // As the state machine passes `$$.Execution.StartTime`: the run's clock is the runner's.
      plan = (await this.options.invoke(this.functionIds.plan, {
        job,
        options,
        startedAt: started.toISOString(),
      })) as JobPlan;
      for (const step of plan.steps) {
        const t0 = performance.now();
        await (this.options.runStep ?? runQueryStepLocally)(step, this.options.lake);
        stepMs[step.name] = Math.round(performance.now() - t0);
      }
      const validation = (await this.options.invoke(this.functionIds.validate, plan)) as ValidateOutcome;
      if (!validation.passed) {
        result = { runId: plan.runId, status: 'rejected', checks: validation.checks };
        const failed = validation.checks.filter((c) => !c.passed).map((c) => `${c.name}: ${c.message}`);
        // In AWS the RunRejected alarm (on the RunsRejected metric) notifies the topic.
        await this.notify(job, {
          subject: `RecoStream ${job} run rejected`,
          message: `Batch job ${job} run ${plan.runId} was rejected by the validation gate: ${failed.join('; ')}`,
        });
      } else {
        const publish = (await this.options.invoke(this.functionIds.publish, plan)) as PublishOutcome;
        this.active.set(job, publish.activeVersion);
        result = { runId: plan.runId, status: 'published', checks: validation.checks, publish };
      }
    } catch (error) {
      const failure = await this.recordFailure(job, plan?.runId, error);
      result = { runId: failure?.runId ?? plan?.runId, status: 'failed', error: errorText(error) };
    }
    const finished = this.clock();
    const run: LocalRunResult = {
      job,
      ...result,
      startedAt: started.toISOString(),
      finishedAt: finished.toISOString(),
      durationMs: finished.getTime() - started.getTime(),
      stepMs,
    };
    this.count(job, run.status);
    this.last.set(job, run);
    this.log(
      `job ${job} run ${run.runId ?? '-'} ${run.status} in ${run.durationMs} ms${run.error ? `: ${run.error}` : ''}`,
    );
    return run;
  }

  /** What the state machine's Catch does: the record-failure Lambda, then the alarm topic. */
  private async recordFailure(
    job: JobName,
    runId: string | undefined,
    error: unknown,
  ): Promise<FailureOutcome | undefined> {
    const caught = {
      Error: error instanceof FunctionError ? error.errorType : ((error as Error)?.name ?? 'Error'),
      Cause: JSON.stringify({ errorMessage: errorText(error) }),
    };
    let failure: FailureOutcome;
    try {
      failure = (await this.options.invoke(this.functionIds['record-failure'], {
        job,
        ...(runId ? { runId } : {}),
        error: caught,
      })) as FailureOutcome;
    } catch (recordError) {
      await this.notify(job, {
        subject: failedRunSubject(job),
        message: `Batch job ${job} run ${runId ?? '-'} failed (${errorText(error)}) and recording it failed too: ${errorText(recordError)}`,
      });
      return undefined;
    }
    // Outside the try: a failed Publish fails the run, as the NotifyFailure step fails the execution.
    await this.notify(job, failure);
    return failure;
  }

  /** The state machine's NotifyFailure step: Subject and Message from `$.failure`, to its topic. */
  private async notify(
    job: JobName,
    notification: Pick<FailureOutcome, 'subject' | 'message'>,
  ): Promise<void> {
    const { topology } = this.options;
    const machine = [...topology.stateMachines.values()].find((m) => m.job === job);
    const topic = machine?.notifyTopicId ? topology.topics.get(machine.notifyTopicId) : undefined;
    if (!topic) throw new Error(`The state machine of job ${job} publishes to no SNS topic of the template`);
    await this.options.sns.send(
      new PublishCommand({
        TopicArn: topic.arn,
        Subject: notification.subject,
        Message: notification.message,
      }),
    );
  }

  private count(job: JobName, status: LocalRunStatus) {
    const s = this.stats.get(job) ?? { runs: 0, published: 0, rejected: 0, failed: 0 };
    s.runs++;
    s[status]++;
    this.stats.set(job, s);
  }
}

/** The job functions of the template, by their JOB_FUNCTION variable. */
export function jobFunctionIds(topology: LocalTopology): Record<JobFunction, string> {
  const ids: Partial<Record<JobFunction, string>> = {};
  for (const fn of topology.functions.values()) {
    const role = fn.environment[JOB_FUNCTION_ENV] as JobFunction | undefined;
    if (!role) continue;
    if (ids[role])
      throw new Error(`Two functions have ${JOB_FUNCTION_ENV}=${role}: ${ids[role]} and ${fn.logicalId}`);
    ids[role] = fn.logicalId;
  }
  for (const role of ['plan', 'validate', 'publish', 'record-failure'] as const) {
    if (!ids[role]) throw new Error(`No function of the template has ${JOB_FUNCTION_ENV}=${role}`);
  }
  return ids as Record<JobFunction, string>;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
