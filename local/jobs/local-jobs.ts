/**
 * The batch jobs in the local runtime: the runner (the state machine's steps, locally), the fast-forwarded
 * scheduler, `runtime.health().jobs`, and the `/local/jobs/<job>/runs` endpoints `recostream jobs run
 * --local` and `jobs list --local` use on the running runtime. `/local/jobs/attribution/runs` runs the
 * attribution metrics job (./attribution.ts; in AWS a scheduled Lambda, not a state machine).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ATTRIBUTION_JOB } from '../../lambdas/attribution/dynamo-published-hours';
import { DynamoJobRuns } from '../../lambdas/jobs/dynamo-job-runs';
import { JOB_NAMES, type JobName } from '../../lambdas/shared/published';
import { localRequestRefusal } from '../gateway/request-guard';
import type { BucketLocation } from '../lake/bucket-storage';
import type { Invoke, LocalTopology } from '../topology';
import { type LocalAttributionJob, localAttributionJob } from './attribution';
import { LocalJobRunner } from './runner';
import { LocalJobScheduler } from './scheduler';

export interface LocalJobs {
  readonly runner: LocalJobRunner;
  /** The attribution metrics job: run on request (`jobs run attribution --local`). */
  readonly attribution: LocalAttributionJob;
  readonly scheduler?: LocalJobScheduler;
  /** Handles `POST|GET /local/jobs/<job>/runs`; false for any other request. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  health(): Record<string, unknown>;
  stop(): Promise<void>;
}

export interface LocalJobsOptions {
  readonly topology: LocalTopology;
  readonly invoke: Invoke;
  /** The lake bucket (its folder by default, the bucket on moto). */
  readonly lake: BucketLocation;
  readonly dataDir: string;
  readonly dynamo: DynamoDBDocumentClient;
  /** Where failed and rejected runs are notified (the state machines' topic, on the local endpoint or moto). */
  readonly sns: SNSClient;
  /** Run the schedules (fast-forwarded by `speed`); off: jobs run only on request. */
  readonly schedule: boolean;
  readonly speed?: number;
  /** The clock of the runs and the schedule (tests inject one). @default the wall clock */
  readonly clock?: () => Date;
  readonly log?: (message: string) => void;
}

/** Undefined when the template has no batch-job state machines (or no JobRuns table). */
export function startLocalJobs(options: LocalJobsOptions): LocalJobs | undefined {
  const { topology } = options;
  if (![...topology.stateMachines.values()].some((m) => m.job)) return undefined;
  const jobRunsTable = [...topology.functions.values()].find((f) => f.environment.JOB_RUNS_TABLE_NAME)
    ?.environment.JOB_RUNS_TABLE_NAME;
  if (!jobRunsTable) return undefined;
  const runs = new DynamoJobRuns(jobRunsTable, options.dynamo);
  const clock = options.clock;
  const runner = new LocalJobRunner({
    topology,
    invoke: options.invoke,
    lake: options.lake,
    sns: options.sns,
    runs,
    log: options.log,
    clock,
  });
  const scheduler = options.schedule
    ? new LocalJobScheduler({
        topology,
        runner,
        lake: options.lake,
        speed: options.speed,
        log: options.log,
        ...(clock ? { now: () => clock().getTime() } : {}),
      })
    : undefined;
  scheduler?.start();
  void runner.refreshActiveVersions().catch(() => undefined);
  const attribution = localAttributionJob({
    lake: options.lake,
    dataDir: options.dataDir,
    dynamo: options.dynamo,
    jobRunsTable,
    ...(clock ? { clock } : {}),
  });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const match = /^\/local\/jobs\/([^/]+)\/runs$/.exec(req.url?.split('?')[0] ?? '');
    if (!match) return false;
    const job = decodeURIComponent(match[1] as string);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const refusal = localRequestRefusal(req);
    if (refusal) {
      req.resume();
      send(refusal.status, { message: refusal.error });
      return true;
    }
    const known = [...JOB_NAMES, ATTRIBUTION_JOB];
    if (!(known as readonly string[]).includes(job)) {
      send(404, { message: `Unknown job '${job}': one of ${known.join(', ')}` });
      return true;
    }
    try {
      if (job === ATTRIBUTION_JOB) {
        req.resume();
        if (req.method === 'POST') send(200, await attribution.run());
        else if (req.method === 'GET') send(200, attribution.health());
        else send(405, { message: 'Use POST to run the job, GET to see its last run and metrics' });
      } else if (req.method === 'POST') {
        // Optional JSON body `{ "asOf": "<ISO instant>" }`: a replay as of a past time.
        const text = await readBody(req);
        const body = text.trim() === '' ? {} : (JSON.parse(text) as { asOf?: unknown });
        if (body.asOf !== undefined && typeof body.asOf !== 'string') {
          send(400, { message: 'asOf must be an ISO-8601 instant' });
          return true;
        }
        send(200, await runner.run(job as JobName, body.asOf ? { asOf: body.asOf } : {}));
      } else if (req.method === 'GET') {
        const [list, pointer] = await Promise.all([
          runs.listRuns(job as JobName, 50),
          runs.getPointer(job as JobName),
        ]);
        send(200, { activeVersion: pointer?.activeVersion, revision: pointer?.revision, runs: list });
      } else send(405, { message: 'Use POST to run the job, GET to list its runs' });
    } catch (error) {
      send(500, { message: (error as Error).message });
    }
    return true;
  };

  return {
    runner,
    attribution,
    scheduler,
    handle,
    // `{ cf: { lastRun, activeVersion, runs, ..., schedule: { expression, nextRunAt, speed } }, trending: ... }`
    health: () => {
      const jobs = runner.snapshot();
      const schedule = scheduler?.byJob() ?? {};
      return Object.fromEntries(
        Object.entries(jobs).map(([job, snap]) => [job, { ...snap, schedule: schedule[job] }]),
      );
    },
    stop: async () => {
      await scheduler?.stop();
    },
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
