/**
 * The lake on moto's S3 (the moto emulator set, RECOSTREAM_EMULATORS=moto or `emulators: 'moto'`): events
 * posted to the ingest API are delivered by the Firehose stand-in into moto's bucket (seen with ListObjectsV2
 * on moto, and nothing written to the S3 directory endpoint's folder), and the Athena stand-in (DuckDB over the
 * bucket's synced local copy) counts them; a batch job's UNLOAD result is an object in moto's bucket that the
 * job's publish function read through S3, since the run publishes; `recostream query --data-dir` finds the lake
 * on moto through the runtime file. Skipped, saying so, without moto_server.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { basicAuthorizationFor } from '../../lambdas/authorizer/write-keys';
import { normalizeEvent } from '../../lambdas/shared/events';
import { TRENDING_RESULTS_PREFIX } from '../../lambdas/shared/lake-layout';
import { main } from '../../local/cli';
import { findMotoServer } from '../../local/emulators/moto';
import { localS3Client } from '../../local/emulators/s3-buckets';
import { openBucketLake } from '../../local/lake/query';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime/runtime';
import { TrafficSimulator } from '../../local/traffic/simulator';
import { eventually } from '../support/eventually';
import { writeEvents } from '../support/job-lake';

const motoMissing = !findMotoServer();
if (motoMissing) process.stderr.write('s3-on-moto: moto_server is not on PATH; the suite is skipped\n');
const suite = motoMissing ? describe.skip : describe;

jest.setTimeout(180_000);

const dataDir = mkdtempSync(join(tmpdir(), 's3-on-moto-'));
/** The jobs' clock: the run's window ends here, whatever the wall clock says. */
const jobNowMs = Date.parse('2026-03-02T12:00:00.000Z');
let runtime: LocalRuntime | undefined;

afterAll(async () => {
  await runtime?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Keys of moto's lake bucket under `prefix`, through ListObjectsV2 with its paging. */
async function keysOnMoto(local: LocalRuntime, prefix: string): Promise<string[]> {
  const bucket = [...local.topology.buckets.values()].find(
    (b) => local.lake?.description === `s3://${b.name}`,
  );
  if (!bucket) throw new Error('the lake bucket is not on S3');
  const s3 = localS3Client(local.s3Endpoint);
  try {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({ Bucket: bucket.name, Prefix: prefix, ContinuationToken: token }),
      );
      keys.push(...(page.Contents ?? []).map((o) => o.Key as string));
      token = page.NextContinuationToken;
    } while (token);
    return keys;
  } finally {
    s3.destroy();
  }
}

suite('the lake on moto S3', () => {
  beforeAll(async () => {
    runtime = await startLocalRuntime({
      dataDir,
      port: 0,
      trafficRate: 0,
      jobSpeed: 0,
      lakeBufferIntervalSeconds: 1,
      emulators: 'moto',
      jobClock: () => new Date(jobNowMs),
    });
  });

  it('serves S3 from moto: the functions and the stand-ins use its endpoint, not the directory one', () => {
    const local = runtime as LocalRuntime;
    expect(local.s3Endpoint).toBe(local.kinesisEndpoint);
    expect(local.lake?.description).toMatch(/^s3:\/\//);
  });

  it('delivers posted events into moto S3 and counts them with DuckDB over the synced copy', async () => {
    const local = runtime as LocalRuntime;
    const lake = local.lake;
    if (!lake) throw new Error('the runtime has no lake bucket');
    const events = Array.from({ length: 12 }, (_, i) => ({
      type: i % 3 === 0 ? 'add_to_cart' : 'product_view',
      userId: `moto-user-${i % 4}`,
      itemId: `moto-item-${i}`,
    }));
    const post = await fetch(`${local.apiUrl}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: basicAuthorizationFor(local.writeKey) },
      body: JSON.stringify({ events }),
    });
    expect(post.status).toBe(200);

    const delivered = await eventually(
      async () => {
        for (const loop of local.lakeDeliveries) await loop.flush();
        return keysOnMoto(local, 'events/');
      },
      (keys) =>
        keys.filter((k) => k.includes('event_type=product_view/')).length > 0 &&
        keys.filter((k) => k.includes('event_type=add_to_cart/')).length > 0,
    );
    expect(delivered.every((key) => key.endsWith('.parquet'))).toBe(true);
    // Nothing went to the directory endpoint's folder: S3 is moto's.
    expect(existsSync(join(dataDir, 's3'))).toBe(false);

    const engine = await openBucketLake(lake);
    try {
      const counts = await engine.runQuery(
        "SELECT event_type, count(*) FROM events WHERE user_id LIKE 'moto-user-%' GROUP BY event_type ORDER BY event_type",
      );
      expect(counts.rows).toEqual([
        ['add_to_cart', 4],
        ['product_view', 8],
      ]);
    } finally {
      await engine.close();
    }

    // `recostream query` from another process finds the lake on moto through the runtime file.
    const out: string[] = [];
    const io = { out: (text: string) => out.push(text), err: (text: string) => out.push(text) };
    const sql = "SELECT count(*) AS n FROM events WHERE user_id LIKE 'moto-user-%'";
    expect(await main(['query', '--data-dir', dataDir, '--format', 'json', sql], io)).toBe(0);
    expect(JSON.parse(out.at(-1) as string)).toEqual([{ n: 12 }]);
  });

  it('runs a batch job whose UNLOAD result the publish function reads from moto S3', async () => {
    const local = runtime as LocalRuntime;
    const { jobs, lake } = local;
    if (!jobs || !lake) throw new Error('the runtime has no jobs or no lake');
    // Events that arrived in the hour before the job clock, written as Firehose writes them, into moto.
    const simulator = new TrafficSimulator({
      seed: 5,
      users: 60,
      items: 120,
      startTime: new Date(jobNowMs - 3_600_000),
    });
    const inWindow = simulator
      .generate(1500)
      .filter((input) => Date.parse(String(input.occurredAt)) <= jobNowMs)
      .map((input) => {
        const result = normalizeEvent(input, { receivedAt: new Date(String(input.occurredAt)) });
        if (!result.ok) throw new Error(result.rejection.message);
        return result.event;
      });
    await writeEvents(lake, inWindow);

    const run = await jobs.runner.run('trending');
    expect(run.error).toBeUndefined();
    expect(run.status).toBe('published');
    const results = await keysOnMoto(local, `${TRENDING_RESULTS_PREFIX}run=${run.runId}/`);
    expect(results).toEqual([`${TRENDING_RESULTS_PREFIX}run=${run.runId}/part-0.json`]);
    expect(jobs.health()).toMatchObject({ trending: { activeVersion: run.runId, published: 1 } });
    expect(existsSync(join(dataDir, 's3'))).toBe(false);
  });
});
