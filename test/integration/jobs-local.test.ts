/**
 * End to end on the local runtime: simulated events in the lake (as the local Firehose writes them), then
 * the cf and trending jobs run through the template's plan/validate/publish Lambdas and DuckDB steps, then
 * the Similarities items of the active version are readable; an empty lake yields a rejected run and an
 * alarm, and the active version stays; a rollback through the CLI restores the previous version.
 *
 * Every run's window ends at the runtime's job clock, which this test sets: which events a run reads depends
 * on the times written here, never on how long the machine took between two steps (issue 13: under load,
 * events written with `receivedAt = Date.now() - 1000` fell into the previous run's window).
 */

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { cfNeighbourRows, cfSolveSettings } from '../../lambdas/jobs/ease-solve';
import { DEFAULT_CF_SETTINGS } from '../../lambdas/jobs/job-sql';
import { normalizeEvent } from '../../lambdas/shared/events';
import { decodeNeighbours } from '../../lambdas/shared/published-encoding';
import { main } from '../../local/cli';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime/runtime';
import { TrafficSimulator } from '../../local/traffic/simulator';
import { writeEvents } from '../support/job-lake';

let runtime: LocalRuntime;
const dataDir = mkdtempSync(join(tmpdir(), 'jobs-local-'));

const HOUR_MS = 3_600_000;
/** The jobs' clock: it moves only when a test moves it. */
let jobNowMs = Date.parse('2026-03-02T12:00:00.000Z');
const jobClock = () => new Date(jobNowMs);

beforeAll(async () => {
  runtime = await startLocalRuntime({ dataDir, port: 0, trafficRate: 0, jobSpeed: 0, jobClock });
}, 180_000);
afterAll(async () => {
  await runtime?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/**
 * Simulator events that occurred in the `hoursAgo` hours before `arrivedAt` (default: the job clock's now),
 * at most `count`. Each arrived when it occurred, or all at `arrivedAt` when it is given.
 */
function recentEvents(count: number, seed: number, hoursAgo = 3, arrivedAt?: number) {
  const now = arrivedAt ?? jobNowMs;
  const simulator = new TrafficSimulator({
    seed,
    users: 60,
    items: 120,
    startTime: new Date(now - hoursAgo * 3_600_000),
  });
  return simulator
    .generate(count)
    .filter((input) => Date.parse(String(input.occurredAt)) <= now)
    .map((input) => {
      const receivedAt = arrivedAt ?? Date.parse(String(input.occurredAt));
      const result = normalizeEvent(input, { receivedAt: new Date(receivedAt) });
      if (!result.ok) throw new Error(result.rejection.message);
      return result.event;
    });
}

function jobTables() {
  const tables = runtime.topology.functions;
  return [...tables.values()].find((f) => f.environment.JOB_FUNCTION === 'publish')?.environment ?? {};
}

/** The window a run read, as its run record in JobRuns says. */
async function runWindow(job: string, runId: string | undefined) {
  const record = await runtime.dynamo.send(
    new GetCommand({ TableName: jobTables().JOB_RUNS_TABLE_NAME, Key: { job, runId } }),
  );
  return record.Item?.window as { from?: string; to: string } | undefined;
}

async function activeSimilarities(itemId: string) {
  const env = jobTables();
  const pointer = (
    await runtime.dynamo.send(
      new GetCommand({ TableName: env.JOB_RUNS_TABLE_NAME, Key: { job: 'cf', runId: 'ACTIVE' } }),
    )
  ).Item;
  const item = (
    await runtime.dynamo.send(
      new GetCommand({
        TableName: env.SIMILARITIES_TABLE_NAME,
        Key: { itemId, version: pointer?.activeVersion },
      }),
    )
  ).Item;
  return { pointer, item };
}

describe('batch jobs on the local runtime', () => {
  it('an empty lake gives a rejected cf run, an alarm, and no active version', async () => {
    const jobs = runtime.jobs;
    if (!jobs) throw new Error('runtime has no jobs');
    const run = await jobs.runner.run('cf');
    expect(run.error).toBeUndefined();
    expect(run.status).toBe('rejected');
    expect(run.checks?.filter((c) => !c.passed).map((c) => c.name)).toEqual(
      expect.arrayContaining(['non_empty_input_events', 'non_empty_output_rows']),
    );
    // Published to the alarm topic through SNS; read back through the runtime's topic reader.
    const alarms = (await runtime.alarms?.notifications()) ?? [];
    expect(alarms.at(-1)).toMatchObject({ Subject: 'RecoStream cf run rejected' });
    expect(jobs.health()).toMatchObject({ cf: { runs: 1, rejected: 1, activeVersion: undefined } });
  });

  it('events in the lake -> jobs run cf -> Similarities readable for the active version', async () => {
    await writeEvents(runtime.lakeDir as string, recentEvents(4000, 11));
    jobNowMs += 60_000;
    const jobs = runtime.jobs;
    if (!jobs) throw new Error('runtime has no jobs');
    const cf = await jobs.runner.run('cf');
    expect(cf.startedAt).toBe(jobClock().toISOString());
    expect(await runWindow('cf', cf.runId)).toEqual({ to: jobClock().toISOString() });
    process.stderr.write(`cf local run: steps ${JSON.stringify(cf.stepMs)}\n`);
    expect(cf.checks?.filter((c) => !c.passed)).toEqual([]);
    expect(cf.status).toBe('published');
    expect(cf.publish?.publishedItems).toBeGreaterThan(10);
    // The result rows are EASE's user vectors; the publish step solved them into neighbour lists.
    const resultFile = join(runtime.lakeDir as string, 'jobs/cf/results', `run=${cf.runId}`, 'part-0.json');
    const vectors = readFileSync(resultFile, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const solved = cfNeighbourRows(vectors, cfSolveSettings(DEFAULT_CF_SETTINGS));
    const firstRow = solved[0] as Record<string, unknown>;
    const { pointer, item } = await activeSimilarities(firstRow.item_id as string);
    expect(pointer?.activeVersion).toBe(cf.runId);
    expect(decodeNeighbours(item?.neighbours)[0]).toEqual({
      itemId: firstRow.neighbour_id,
      score: firstRow.score,
      support: firstRow.support,
    });
    expect(jobs.health()).toMatchObject({ cf: { activeVersion: cf.runId, published: 1 } });

    const trending = await jobs.runner.run('trending');
    expect(trending.status).toBe('published');
  });

  it('jobs run --local, jobs list --local and rollback --local work against the running runtime', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t) };
    const before = (await activeSimilarities('x')).pointer?.activeVersion as string;
    // An hour after the previous run's window ended, these arrive (half an hour before the next run): the
    // incremental run reads exactly these and merges its state.
    const previousWindowEnd = jobNowMs;
    jobNowMs += HOUR_MS;
    await writeEvents(runtime.lakeDir as string, recentEvents(1500, 12, 1, previousWindowEnd + HOUR_MS / 2));
    const code = await main(['jobs', 'run', 'cf', '--local', '--data-dir', dataDir], io);
    expect([code, out.at(-1)]).toEqual([0, expect.stringContaining('published')]);
    const after = (await activeSimilarities('x')).pointer?.activeVersion as string;
    expect(after).not.toBe(before);
    expect(await runWindow('cf', after)).toEqual({
      from: new Date(previousWindowEnd).toISOString(),
      to: jobClock().toISOString(),
    });
    expect(out.at(-1)).toContain(`cf run ${after}: published`);

    expect(await main(['jobs', 'list', 'cf', '--local', '--data-dir', dataDir], io)).toBe(0);
    expect(out.at(-1)?.split('\n')[0]).toMatch(new RegExp(`^\\* ${after}  published`));

    expect(
      await main(['rollback', 'similarities', '--to', before, '--local', '--data-dir', dataDir], io),
    ).toBe(0);
    expect(out.at(-1)).toBe(`similarities: active version ${after} -> ${before} (pointer revision 3)`);
    expect((await activeSimilarities('x')).pointer?.activeVersion).toBe(before);

    expect(
      await main(['rollback', 'similarities', '--to', 'nope', '--local', '--data-dir', dataDir], io),
    ).toBe(1);
    expect(err.at(-1)).toBe("recostream rollback: cf: no run 'nope' (see `recostream jobs list cf`)");
    expect(existsSync(join(dataDir, 'runtime.json'))).toBe(true);
  });

  it('jobs run --as-of replays historical events (e.g. the UCI import) through the gate', async () => {
    // Purchases of December 2010, imported now (as `recostream import` files them: received at the import
    // time, in today's partitions): a run as of now would fail input freshness; as of just after the last
    // one it replays them on event time and recomputes in full.
    const importedAt = jobClock();
    const old = new TrafficSimulator({ seed: 21, users: 60, items: 120, startTime: '2010-12-01T08:00:00Z' })
      .generate(3000)
      .map((input) => {
        const result = normalizeEvent(input, {
          receivedAt: importedAt,
          maxEventAgeMs: Number.POSITIVE_INFINITY,
        });
        if (!result.ok) throw new Error(result.rejection.message);
        return result.event;
      });
    await writeEvents(runtime.lakeDir as string, old);
    jobNowMs += 60_000;
    const out: string[] = [];
    const io = { out: (t: string) => out.push(t), err: () => undefined };
    const asOf = new Date(Date.parse(old.at(-1)?.occurredAt as string) + 60_000).toISOString();
    const code = await main(['jobs', 'run', 'cf', '--local', '--data-dir', dataDir, '--as-of', asOf], io);
    expect([code, out.at(-1)]).toEqual([0, expect.stringContaining('published')]);
    const { pointer } = await activeSimilarities('x');
    const runs = await runtime.jobs?.runner.snapshot();
    expect(runs?.cf).toMatchObject({ activeVersion: pointer?.activeVersion });
    expect(
      await main(['jobs', 'run', 'cf', '--local', '--data-dir', dataDir, '--as-of', 'yesterday'], io),
    ).toBe(2);
  });
});
