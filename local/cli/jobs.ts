/**
 * `recostream jobs run|list`: the batch jobs from the command line, against the
 * running local runtime (`--local`, found through <data-dir>/runtime.json) or AWS (state machine ARN and
 * JobRuns table name from the stack outputs).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AttributionJobResult } from '../../lambdas/attribution/attribution-job';
import { ATTRIBUTION_JOB } from '../../lambdas/attribution/dynamo-published-hours';
import { DynamoJobRuns } from '../../lambdas/jobs/dynamo-job-runs';
import type { StoredRunRecord } from '../../lambdas/jobs/versioning';
import { JOB_NAMES, type JobName } from '../../lambdas/shared/published';
import { localDocumentClient } from '../emulators';
import type { LocalRunResult } from '../jobs/runner';
import { readRuntimeFile } from '../runtime/runtime-file';
import { type CliIo, FAILED, OK, parseCommandArgs, USAGE } from './kit';

export const JOBS_HELP = `Usage: recostream jobs run <cf|trending> [--local [--data-dir DIR] | --state-machine ARN] [--as-of ISO]
       recostream jobs run attribution --local [--data-dir DIR]
       recostream jobs list <cf|trending> [--local [--data-dir DIR] | --job-runs-table NAME] [--limit N]

  run    runs the job now and waits: plan, query steps, validation gate, publish. Locally the running
         runtime (npm start) runs it; on AWS it starts an execution of the job's state machine (stack
         outputs CfStateMachineArn / TrendingStateMachineArn). Exit code 0 only when it published.
         --as-of ISO runs it as of a past instant (historical imports, replays): the window ends
         there and cf recomputes in full.
  list   the job's runs, newest first, with their validation checks; * marks the active version.
         On AWS pass the stack output JobRunsTableName.

  attribution (the attribution metrics job) publishes what recommendations earned in every closed hour
         not yet published (the last 48 hours, each once) as metrics: locally to the health document and
         DIR/metrics/attribution.jsonl. In AWS it runs hourly on its own (a scheduled Lambda).`;

export async function jobsCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    local: { type: 'boolean', default: false },
    'data-dir': { type: 'string', default: '.data' },
    'state-machine': { type: 'string' },
    'job-runs-table': { type: 'string' },
    'as-of': { type: 'string' },
    limit: { type: 'string', default: '20' },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) {
    io.out(JOBS_HELP);
    return OK;
  }
  const [action, jobArg] = positionals;
  if (action === 'run' && jobArg === ATTRIBUTION_JOB) {
    if (values.local) return runAttributionLocal(values['data-dir'], io);
    io.err(
      'recostream jobs run attribution: pass --local (the running npm start); in AWS the job runs hourly ' +
        'from its EventBridge rule (invoke the AttributionMetrics function to run it now)',
    );
    return USAGE;
  }
  if ((action !== 'run' && action !== 'list') || !isJob(jobArg)) {
    io.err(`recostream jobs: expected 'run' or 'list' and a job (${JOB_NAMES.join(', ')})\n\n${JOBS_HELP}`);
    return USAGE;
  }
  if (action === 'run') {
    const asOf = values['as-of'];
    if (asOf !== undefined && !(/^\d{4}-\d{2}-\d{2}T/.test(asOf) && Date.parse(asOf) <= Date.now())) {
      io.err(
        `recostream jobs run: --as-of must be a past ISO-8601 instant such as 2010-12-24T00:00:00Z, got '${asOf}'`,
      );
      return USAGE;
    }
    if (values.local) return runLocal(jobArg, values['data-dir'], io, asOf);
    if (values['state-machine']) return runOnAws(jobArg, values['state-machine'], io, asOf);
    io.err('recostream jobs run: pass --local (the running npm start) or --state-machine ARN (AWS)');
    return USAGE;
  }
  const limit = Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) {
    io.err(`recostream jobs list: --limit must be a positive integer, got '${values.limit}'`);
    return USAGE;
  }
  const runs = jobRunsStore(values.local, values['data-dir'], values['job-runs-table'], io);
  if (!runs) return USAGE;
  const [list, pointer] = await Promise.all([runs.listRuns(jobArg, limit), runs.getPointer(jobArg)]);
  io.out(formatRuns(list, pointer?.activeVersion));
  return OK;
}

async function runLocal(job: JobName, dataDir: string, io: CliIo, asOf?: string): Promise<number> {
  const info = readRuntimeFile(dataDir);
  if (!info.apiUrl) throw new Error(`${dataDir}/runtime.json has no apiUrl: is npm start running?`);
  io.err(`Running ${job} on the local runtime (${info.apiUrl})…`);
  const response = await fetch(`${info.apiUrl}/local/jobs/${job}/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(asOf ? { asOf: new Date(asOf).toISOString() } : {}),
  });
  const body = (await response.json()) as LocalRunResult & { message?: string };
  if (!response.ok) {
    io.err(`recostream jobs run: ${body.message ?? response.statusText}`);
    return FAILED;
  }
  io.out(formatLocalRun(body));
  return body.status === 'published' ? OK : FAILED;
}

async function runAttributionLocal(dataDir: string, io: CliIo): Promise<number> {
  const info = readRuntimeFile(dataDir);
  if (!info.apiUrl) throw new Error(`${dataDir}/runtime.json has no apiUrl: is npm start running?`);
  const response = await fetch(`${info.apiUrl}/local/jobs/${ATTRIBUTION_JOB}/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  const body = (await response.json()) as AttributionJobResult & { message?: string };
  if (!response.ok) {
    io.err(`recostream jobs run attribution: ${body.message ?? response.statusText}`);
    return FAILED;
  }
  const hour = (ms: number) => new Date(ms).toISOString().slice(0, 13);
  const range = body.published.length
    ? ` (${hour(body.published[0] as number)}h .. ${hour(body.published.at(-1) as number)}h UTC)`
    : '';
  io.out(
    `attribution: published ${body.published.length} hours${range}, ${body.rows} rows; ` +
      `${body.skipped.length} hours were published before`,
  );
  return OK;
}

async function runOnAws(
  job: JobName,
  stateMachineArn: string,
  io: CliIo,
  asOf?: string,
  pollMs = 5000,
): Promise<number> {
  const sfn = new SFNClient({});
  const { executionArn } = await sfn.send(
    new StartExecutionCommand({
      stateMachineArn,
      input: JSON.stringify(asOf ? { job, asOf: new Date(asOf).toISOString() } : { job }),
      name: `manual-${Date.now()}`,
    }),
  );
  io.err(`Started ${executionArn}; waiting…`);
  for (;;) {
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (execution.status !== 'RUNNING' && execution.status !== 'PENDING_REDRIVE') {
      const output = execution.output ? (JSON.parse(execution.output) as Record<string, unknown>) : {};
      const validation = output.validation as { passed?: boolean } | undefined;
      io.out(
        JSON.stringify(
          {
            status: execution.status,
            runId: (output.plan as { runId?: string } | undefined)?.runId,
            validation: output.validation,
            publish: output.publish,
            error: execution.error,
            cause: execution.cause,
          },
          null,
          2,
        ),
      );
      return execution.status === 'SUCCEEDED' && validation?.passed === true ? OK : FAILED;
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

export function jobRunsStore(
  local: boolean,
  dataDir: string,
  table: string | undefined,
  io: CliIo,
): DynamoJobRuns | undefined {
  if (local) {
    const info = readRuntimeFile(dataDir);
    const name = table ?? info.tables.JobRuns;
    if (!name) throw new Error(`${dataDir}/runtime.json names no JobRuns table: restart npm start`);
    return new DynamoJobRuns(name, localDocumentClient(info.dynamoEndpoint));
  }
  if (!table) {
    io.err('pass --local (the running npm start) or --job-runs-table NAME (stack output JobRunsTableName)');
    return undefined;
  }
  return new DynamoJobRuns(table, DynamoDBDocumentClient.from(new DynamoDBClient({})));
}

function isJob(value: string | undefined): value is JobName {
  return (JOB_NAMES as readonly string[]).includes(value ?? '');
}

export function formatRuns(runs: readonly StoredRunRecord[], activeVersion: string | undefined): string {
  if (runs.length === 0) return '(no runs yet)';
  const lines: string[] = [];
  for (const run of runs) {
    const marker = run.runId === activeVersion ? '*' : ' ';
    const duration =
      run.finishedAt && run.startedAt
        ? `${((Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000).toFixed(1)} s`
        : '';
    const status = run.expiredAt ? `${run.status} (expired)` : run.status;
    lines.push(
      `${marker} ${run.runId}  ${status.padEnd(20)} ${duration.padStart(8)}  ${run.publishedItems !== undefined ? `${run.publishedItems} items` : ''}`.trimEnd(),
    );
    for (const check of run.checks ?? []) {
      lines.push(
        `      ${check.passed ? 'ok  ' : 'FAIL'} ${check.name.padEnd(26)} ${String(check.value)} (${check.threshold}) ${check.passed ? '' : check.message}`.trimEnd(),
      );
    }
    if (run.error) lines.push(`      error: ${run.error}`);
  }
  return lines.join('\n');
}

function formatLocalRun(run: LocalRunResult): string {
  const lines = [
    `${run.job} run ${run.runId ?? '-'}: ${run.status} in ${(run.durationMs / 1000).toFixed(1)} s`,
  ];
  for (const [step, ms] of Object.entries(run.stepMs)) lines.push(`  step ${step.padEnd(24)} ${ms} ms`);
  for (const check of run.checks ?? [])
    lines.push(`  ${check.passed ? 'ok  ' : 'FAIL'} ${check.name.padEnd(26)} ${check.message}`);
  if (run.publish)
    lines.push(
      `  published ${run.publish.publishedItems} items as version ${run.publish.activeVersion}` +
        (run.publish.expiredVersions.length ? `; expired ${run.publish.expiredVersions.join(', ')}` : ''),
    );
  if (run.error) lines.push(`  error: ${run.error}`);
  return lines.join('\n');
}
