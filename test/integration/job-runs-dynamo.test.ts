/**
 * The job control plane's DynamoDB adapters on dynalite: the conditional pointer flip (of two concurrent
 * flips exactly one wins), run records with their checks, and the whole validate/publish/rollback flow
 * with the results read from a lake folder through the S3 SDK and the local S3 endpoint.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoJobRuns } from '../../lambdas/jobs/dynamo-job-runs';
import { DynamoPublishedStore } from '../../lambdas/jobs/dynamo-published-store';
import { JobService, PointerConflictError } from '../../lambdas/jobs/job-service';
import { LakeResultReader } from '../../lambdas/jobs/lake-results';
import { DEFAULT_GATE_THRESHOLDS } from '../../lambdas/jobs/validation-gate';
import { S3ObjectReader } from '../../lambdas/shared/object-store';
import { decodeNeighbours } from '../../lambdas/shared/published-encoding';
import {
  emulatorChoice,
  localS3Client,
  type RunningEmulator,
  type S3DirectoryEmulator,
  startDynamoDb,
  startS3Directory,
} from '../../local/emulators';
import { localDocumentClient } from '../support/feature-tables';
import { cfStats } from '../support/job-fakes';
import { createJobTables, type JobTableNames } from '../support/job-tables';

let emulator: RunningEmulator;
let s3: S3DirectoryEmulator;
let client: DynamoDBDocumentClient;
let n = 0;
const s3Dir = mkdtempSync(join(tmpdir(), 'job-runs-'));

beforeAll(async () => {
  emulator = await startDynamoDb(); // dynalite, or moto with RECOSTREAM_EMULATORS=moto
  client = localDocumentClient(emulator.endpoint);
  s3 = await startS3Directory({ rootDir: s3Dir });
  mkdirSync(join(s3Dir, 'lake'));
});
afterAll(async () => {
  await emulator?.stop();
  await s3?.stop();
  rmSync(s3Dir, { recursive: true, force: true });
});

async function fresh(): Promise<{ names: JobTableNames; runs: DynamoJobRuns }> {
  const names = await createJobTables(client, `J${++n}`);
  return { names, runs: new DynamoJobRuns(names.jobRuns, client) };
}

describe('DynamoJobRuns pointer', () => {
  it('creates the pointer once and flips it only from the expected revision', async () => {
    const { runs } = await fresh();
    const now = new Date('2026-11-26T02:00:00Z');
    expect(await runs.flipPointer('cf', 'v1', undefined, now)).toEqual({
      job: 'cf',
      runId: 'ACTIVE',
      activeVersion: 'v1',
      updatedAt: '2026-11-26T02:00:00.000Z',
      revision: 1,
    });
    await expect(runs.flipPointer('cf', 'v0', undefined, now)).rejects.toThrow(PointerConflictError);
    expect(await runs.flipPointer('cf', 'v2', 1, now)).toMatchObject({
      activeVersion: 'v2',
      previousVersion: 'v1',
      revision: 2,
    });
    await expect(runs.flipPointer('cf', 'v3', 1, now)).rejects.toThrow(
      'cf: the active-version pointer changed while flipping (expected revision 1); another publish or rollback won',
    );
    expect((await runs.getPointer('cf'))?.activeVersion).toBe('v2');
  });

  // moto applies a conditional UpdateItem without isolation from a concurrent one (both of two concurrent
  // updates conditioned on the same revision won in 8 of 20 tries, 2026-12-03): AWS and dynalite guarantee
  // this, moto does not, so it is not asserted on moto (RECOSTREAM_EMULATORS=moto).
  const isolated = emulatorChoice().dynamodb === 'moto' ? it.skip : it;
  isolated('of two concurrent flips from the same revision exactly one wins', async () => {
    const { runs } = await fresh();
    await runs.flipPointer('trending', 'v1', undefined, new Date());
    const results = await Promise.allSettled([
      runs.flipPointer('trending', 'a', 1, new Date()),
      runs.flipPointer('trending', 'b', 1, new Date()),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const winner = results.findIndex((r) => r.status === 'fulfilled') === 0 ? 'a' : 'b';
    expect(await runs.getPointer('trending')).toMatchObject({ activeVersion: winner, revision: 2 });
  });
});

describe('DynamoJobRuns records', () => {
  it('lists runs newest first without the pointer, and keeps checks and stats', async () => {
    const { runs } = await fresh();
    for (const id of ['2026-11-24T02-00-00Z-aaaa', '2026-11-25T02-00-00Z-aaaa'])
      await runs.putRun({ job: 'cf', runId: id, status: 'running', startedAt: id });
    await runs.flipPointer('cf', '2026-11-24T02-00-00Z-aaaa', undefined, new Date());
    const check = { name: 'no_null_ids', passed: false, value: null, threshold: '= 0', message: 'x' };
    await runs.updateRun('cf', '2026-11-25T02-00-00Z-aaaa', {
      status: 'rejected',
      checks: [check],
      stats: { null_ids: 2 },
    });
    const listed = await runs.listRuns('cf');
    expect(listed.map((r) => [r.runId, r.status])).toEqual([
      ['2026-11-25T02-00-00Z-aaaa', 'rejected'],
      ['2026-11-24T02-00-00Z-aaaa', 'running'],
    ]);
    expect(listed[0]?.checks).toEqual([check]);
    await expect(
      runs.putRun({ job: 'cf', runId: '2026-11-24T02-00-00Z-aaaa', status: 'running', startedAt: '' }),
    ).rejects.toThrow();
    await expect(runs.updateRun('cf', 'missing', { status: 'failed' })).rejects.toThrow();
  });
});

describe('validate -> publish -> rollback on DynamoDB and a lake folder', () => {
  it('publishes readable versions, rejects a drifted run and restores the previous version', async () => {
    const { names, runs } = await fresh();
    let now = Date.parse('2026-11-20T02:00:00Z');
    const service = new JobService({
      runs,
      published: new DynamoPublishedStore({ cf: names.similarities, trending: names.trending }, client),
      results: new LakeResultReader(new S3ObjectReader(localS3Client(s3.endpoint)), 'lake'),
      clock: () => new Date(now),
    });
    const write = (prefix: string, rows: object[], gzip = false) => {
      const dir = join(s3Dir, 'lake', ...prefix.split('/').filter(Boolean));
      mkdirSync(dir, { recursive: true });
      const text = rows.map((r) => JSON.stringify(r)).join('\n');
      writeFileSync(join(dir, gzip ? 'out_0' : 'part-0.json'), gzip ? gzipSync(text) : text);
    };
    const run = async (suffix: string, stats: Record<string, number | null>, score: number) => {
      now += 86_400_000;
      // Staged neighbour rows: RP3beta's result (EASE's vector rows are solved at publish: job-service.test.ts).
      const plan = await service.plan({
        job: 'cf',
        runIdSuffix: suffix,
        lakeBucket: 'lake',
        cfSettings: { model: 'rp3beta' },
      });
      write(plan.statsPrefix, [{ ...stats, window_max_received_ms: now - 1000 }]);
      write(plan.resultPrefix, [{ item_id: 'i1', neighbour_id: 'i2', score, support: 4, rank: 1 }], true);
      const { passed } = await service.validate(plan, DEFAULT_GATE_THRESHOLDS.cf);
      if (passed) await service.publish(plan, 3);
      return { plan, passed };
    };
    const read = async () => {
      const pointer = await runs.getPointer('cf');
      const { Item } = await client.send(
        new GetCommand({
          TableName: names.similarities,
          Key: { itemId: 'i1', version: pointer?.activeVersion },
        }),
      );
      return decodeNeighbours(Item?.neighbours);
    };

    const v1 = await run('aaaa', cfStats(), 0.4);
    const v2 = await run('bbbb', cfStats(), 0.6);
    expect([v1.passed, v2.passed]).toEqual([true, true]);
    expect(await read()).toEqual([{ itemId: 'i2', score: 0.6, support: 4 }]);

    const drifted = await run('cccc', cfStats({ output_rows: 100_000 }), 0.99);
    expect(drifted.passed).toBe(false);
    expect(await read()).toEqual([{ itemId: 'i2', score: 0.6, support: 4 }]);

    await service.rollback('cf', v1.plan.runId);
    expect(await read()).toEqual([{ itemId: 'i2', score: 0.4, support: 4 }]);
    const { Items } = await client.send(
      new QueryCommand({
        TableName: names.similarities,
        KeyConditionExpression: 'itemId = :i',
        ExpressionAttributeValues: { ':i': 'i1' },
      }),
    );
    expect(Items?.map((i) => i.version)).toEqual([v1.plan.runId, v2.plan.runId]);
  });
});
