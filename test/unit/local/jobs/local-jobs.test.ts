/**
 * The batch jobs in the local runtime (local/jobs/local-jobs.ts): started only when the template has batch-job
 * state machines and a JobRuns table, and the `/local/jobs/<job>/runs` endpoints the CLI's `jobs run --local`
 * and `jobs list --local` call: unknown jobs, wrong methods, bad bodies and requests from elsewhere are refused
 * with a message, and GET lists the job's runs from its JobRuns table (DynamoDB over aws-sdk-client-mock).
 * Running a job is runner.test.ts's.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { type LocalJobs, startLocalJobs } from '../../../../local/jobs/local-jobs';
import type { LocalFunction, LocalTopology } from '../../../../local/topology/local-topology';

const dynamo = mockClient(DynamoDBDocumentClient);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));

/** The four step functions of the batch jobs, as the template names them (JOB_FUNCTION) with the JobRuns table. */
const jobFunctions = new Map<string, LocalFunction>(
  (['plan', 'validate', 'publish', 'record-failure'] as const).map((role) => [
    `Jobs-${role}`,
    {
      logicalId: `Jobs-${role}`,
      entry: `lambdas/jobs/${role}/handler.ts`,
      handlerExport: 'handler',
      environment: { JOB_FUNCTION: role, JOB_RUNS_TABLE_NAME: 'local-job-runs' },
      timeoutSeconds: 60,
      memoryMb: 256,
    },
  ]),
);

function topologyWith(parts: Partial<LocalTopology>): LocalTopology {
  return {
    stackName: 'RecoStream',
    functions: jobFunctions,
    routes: [],
    streams: new Map(),
    tables: new Map(),
    queues: new Map(),
    buckets: new Map(),
    eventSourceMappings: [],
    deliveryStreams: new Map(),
    topics: new Map(),
    stateMachines: new Map([['CfJob', { logicalId: 'CfJob', job: 'cf' }]]),
    schedules: [],
    ...parts,
  };
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'local-jobs-'));
  dynamo.reset();
  dynamo.on(GetCommand).resolves({});
  dynamo.on(QueryCommand).resolves({ Items: [] });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const start = (topology: LocalTopology) =>
  startLocalJobs({
    topology,
    invoke: async () => ({}),
    lake: join(dir, 'lake'),
    dataDir: dir,
    dynamo: client,
    // No job runs in these tests, so nothing is published.
    sns: new SNSClient({ region: 'us-east-1' }),
    schedule: false,
    clock: () => new Date('2026-12-03T12:00:00Z'),
  });

it('is not started without a batch-job state machine or without a JobRuns table', () => {
  expect(
    start(topologyWith({ stateMachines: new Map([['Other', { logicalId: 'Other' }]]) })),
  ).toBeUndefined();
  expect(start(topologyWith({ functions: new Map() }))).toBeUndefined();
});

describe('the /local/jobs/<job>/runs endpoints', () => {
  let jobs: LocalJobs;
  let server: Server;
  let base: string;

  beforeEach(async () => {
    const started = start(topologyWith({}));
    if (!started) throw new Error('the jobs did not start');
    jobs = started;
    server = createServer((req, res) => {
      void jobs.handle(req, res).then((handled) => {
        if (!handled) res.writeHead(599).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    await jobs.stop();
    await new Promise((resolve) => server.close(resolve));
  });

  const call = async (path: string, init: RequestInit = {}) => {
    const response = await fetch(`${base}${path}`, init);
    return { status: response.status, body: response.status === 599 ? undefined : await response.json() };
  };
  const json = { 'content-type': 'application/json' };

  it('leaves every other path alone', async () => {
    expect((await call('/local/health')).status).toBe(599);
    expect((await call('/local/jobs/cf')).status).toBe(599);
  });

  it("lists a job's runs from the JobRuns table", async () => {
    expect(await call('/local/jobs/cf/runs')).toEqual({ status: 200, body: { runs: [] } });
    const queried = dynamo.commandCalls(QueryCommand).map((c) => c.args[0].input.TableName);
    expect(queried).toEqual(['local-job-runs']);
  });

  it('refuses an unknown job, naming the known ones, and a method it does not serve', async () => {
    expect(await call('/local/jobs/nightly/runs')).toEqual({
      status: 404,
      body: { message: "Unknown job 'nightly': one of cf, trending, attribution" },
    });
    expect((await call('/local/jobs/cf/runs', { method: 'DELETE' })).status).toBe(405);
    expect((await call('/local/jobs/attribution/runs', { method: 'PUT' })).status).toBe(405);
  });

  it('refuses a run whose asOf is not a string, and a POST that is not JSON', async () => {
    expect(
      await call('/local/jobs/cf/runs', { method: 'POST', headers: json, body: JSON.stringify({ asOf: 5 }) }),
    ).toEqual({ status: 400, body: { message: 'asOf must be an ISO-8601 instant' } });
    expect((await call('/local/jobs/cf/runs', { method: 'POST', body: '{}' })).status).toBe(415);
  });
});
