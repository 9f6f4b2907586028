/**
 * The whole loop on the local runtime, with nothing seeded: simulated traffic through the ingest API →
 * stream → lake (local Firehose) → the cf and trending batch jobs (the same plan/validate/publish Lambdas
 * and SQL as in AWS, on DuckDB) → the recommendation API. A new user first gets trending items; after they
 * view an item that the published cf version gives neighbours, the API recommends those neighbours
 * "because you viewed" it within seconds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserRecommendationsResponseSchema } from '../../lambdas/recommend/api-schemas';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime/runtime';
import { TrafficSimulator } from '../../local/traffic/simulator';

jest.setTimeout(240_000);

let runtime: LocalRuntime;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'recostream-loop-'));
  runtime = await startLocalRuntime({
    dataDir,
    port: 0,
    trafficRate: 0,
    lakeBufferIntervalSeconds: 1,
    // As `npm start` does: a few thousand simulated events cover only part of the catalogue.
    context: { jobGateThresholds: { cf: { minCoverage: 0.1 } } },
  });
});

afterAll(async () => {
  await runtime?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const auth = () => `Basic ${Buffer.from(`${runtime.writeKey}:`).toString('base64')}`;

async function track(events: readonly object[]): Promise<void> {
  const response = await fetch(`${runtime.apiUrl}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: auth() },
    body: JSON.stringify({ events }),
  });
  expect(response.status).toBe(200);
}

async function api(path: string): Promise<unknown> {
  const response = await fetch(`${runtime.apiUrl}${path}`, { headers: { 'x-api-key': runtime.apiKey } });
  expect(response.status).toBe(200);
  return response.json();
}

async function eventually<T>(
  read: () => Promise<T>,
  accept: (v: T) => boolean,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`not met in ${timeoutMs} ms; last: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

it('simulated traffic, the batch jobs, then recommendations that follow what the user just viewed', async () => {
  // A small catalogue, so a few thousand events give every item co-occurrences; ending now.
  const simulator = new TrafficSimulator({
    seed: 7,
    users: 150,
    items: 120,
    categories: 6,
    addToCartRate: 0.3,
    purchaseRate: 0.5,
    meanSecondsBetweenEvents: 0.5,
    startTime: Date.now() - 4_000 * 500,
  });
  const events = simulator.generate(4_000);
  for (let i = 0; i < events.length; i += 500) await track(events.slice(i, i + 500));

  // The local Firehose delivers them to the lake; then the jobs run as their state machines would.
  for (const loop of runtime.lakeDeliveries) await loop.flush();
  const jobs = runtime.jobs;
  if (!jobs) throw new Error('the local runtime has no batch jobs');
  const trending = await jobs.runner.run('trending');
  const cf = await jobs.runner.run('cf');
  expect([trending.status, cf.status]).toEqual(['published', 'published']);
  expect(cf.checks?.every((c) => c.passed)).toBe(true);

  // An item the published cf version gives neighbours, read through the API.
  const viewed = events
    .map((e) => (e as { itemId?: string }).itemId)
    .filter((id): id is string => id !== undefined);
  let item: string | undefined;
  let neighbours: string[] = [];
  for (const candidate of [...new Set(viewed)]) {
    const similar = (await api(`/v1/items/${candidate}/similar?limit=50`)) as {
      items: Array<{ itemId: string }>;
    };
    if (similar.items.length >= 2) {
      item = candidate;
      neighbours = similar.items.map((s) => s.itemId);
      break;
    }
  }
  if (!item) throw new Error('no item has published neighbours');

  const userId = `loop-user-${Date.now()}`;
  const read = async () =>
    UserRecommendationsResponseSchema.parse(await api(`/v1/users/${userId}/recommendations?limit=10`));
  const before = await read();
  expect(before.model.cf).toBe(cf.runId);
  expect(before.items.every((i) => !i.reason.startsWith('because you viewed'))).toBe(true);

  const sentAt = Date.now();
  await track([{ type: 'product_view', userId, itemId: item, occurredAt: new Date().toISOString() }]);
  const after = await eventually(
    read,
    (r) => r.items.some((i) => i.reason === `because you viewed ${item}`),
    20_000,
  );
  const elapsed = Date.now() - sentAt;
  const fromView = after.items.filter((i) => i.reason === `because you viewed ${item}`).map((i) => i.itemId);
  // What the view brought in are that item's published neighbours, never the item itself.
  expect(fromView.length).toBeGreaterThan(0);
  expect(fromView.filter((id) => !neighbours.includes(id))).toEqual([]);
  expect(fromView).not.toContain(item);
  expect(after.items.map((i) => i.itemId)).not.toEqual(before.items.map((i) => i.itemId));
  process.stderr.write(`[loop] recommendations followed the view after ${elapsed} ms\n`);
});
