/**
 * The freshness canary's measurement on the local runtime, with the same adapters the Lambda uses:
 * the event goes through the local ingest API (write key, authorizer), the stream and the consumer into
 * the Profiles table, and the recommendation API (local API key, same gateway) then recommends the
 * picked item's neighbours "because you viewed" it; item statistics and CTR counters never see it.
 * Published results are seeded before the first canary run: the API caches the ACTIVE pointers (and
 * absent rows) for 60 s, so an earlier "nothing published" answer would stick.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import {
  dynamoProfileCheck,
  httpIngestSender,
  httpItemPicker,
  httpRecommendationsCheck,
} from '../../lambdas/canary/adapters';
import { type CanaryResult, measureFreshness } from '../../lambdas/canary/freshness';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime/runtime';
import { publishedTablesOf, seedPublishedResults } from '../support/published-results';

// Every wait below is on a condition; the canary's own time limits are set well above what a loaded 2-core
// machine needs (a run that is merely slow must not count as a failed canary here).
jest.setTimeout(300_000);
const MEASURE_TIMEOUT_MS = 60_000;

let runtime: LocalRuntime;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'recostream-canary-'));
  // The runtime's own canary first runs 5 s after the start, after this seeding.
  runtime = await startLocalRuntime({ dataDir, port: 0, trafficRate: 0, canaryIntervalSeconds: 3 });
  await seedPublishedResults(runtime.dynamo, publishedTablesOf(runtime.topology), {
    cf: {
      version: 'seed-cf-1',
      neighbours: new Map([
        [
          'item-a',
          [
            { itemId: 'item-a1', score: 0.9, support: 5 },
            { itemId: 'item-a2', score: 0.6, support: 3 },
          ],
        ],
      ]),
    },
    // pop-1 trends most but has no neighbours: the picker must move on to item-a.
    trending: {
      version: 'seed-trending-1',
      global: [
        { itemId: 'pop-1', score: 20, category: 'garden' },
        { itemId: 'item-a', score: 10, category: 'books' },
      ],
    },
  });
});

afterAll(async () => {
  await runtime?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

function ports() {
  const client = { baseUrl: runtime.apiUrl, apiKey: runtime.apiKey };
  return {
    send: httpIngestSender(runtime.apiUrl, runtime.canaryWriteKey),
    profileHasEvent: dynamoProfileCheck(runtime.dynamo, runtime.tableName('Profiles')),
    pickItem: httpItemPicker(client, { budgetMs: MEASURE_TIMEOUT_MS }),
    recommendationsReflect: httpRecommendationsCheck(client),
    now: Date.now,
    sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
  };
}

it('measures ingest -> profile -> recommendation API freshness and keeps canary events out of statistics', async () => {
  const canaryPorts = ports();
  const results: CanaryResult[] = [];
  for (let i = 0; i < 3; i++)
    results.push(await measureFreshness(canaryPorts, { name: 'local', timeoutMs: MEASURE_TIMEOUT_MS }));
  for (const result of results) {
    // With its error, so that a failure says why.
    expect({ ok: result.ok, error: result.error, itemId: result.itemId }).toEqual({
      ok: true,
      error: undefined,
      itemId: 'item-a',
    });
    expect(result.userId).toMatch(/^canary#local#[0-9a-f]{8}$/);
    expect(result.error).toBeUndefined();
    expect(result.recommendationSkipped).toBeUndefined();
    expect(result.profileVisibleMs).toBeGreaterThan(0);
    expect(result.recommendationVisibleMs).toBeGreaterThanOrEqual(result.profileVisibleMs as number);
  }
  // A new user per run: three profiles, each reflecting only its own event.
  expect(new Set(results.map((r) => r.userId)).size).toBe(3);
  process.stderr.write(
    `canary on the local runtime (ms): profile ${results.map((r) => r.profileVisibleMs).join(', ')}; ` +
      `recommendations ${results.map((r) => r.recommendationVisibleMs).join(', ')}\n`,
  );

  // Nothing but canary events (views, and the API's impressions for canary users) reached the consumer.
  const stats = await runtime.dynamo.send(new ScanCommand({ TableName: runtime.tableName('ItemStats') }));
  expect(stats.Items ?? []).toEqual([]);

  const refused = await measureFreshness(
    { ...canaryPorts, send: httpIngestSender(runtime.apiUrl, 'rs_not-a-registered-key-0123456789abcdef') },
    { name: 'local', timeoutMs: 1_000 },
  );
  expect(refused.ok).toBe(false);
  expect(refused.error).toMatch(/^ingest refused the canary event: HTTP 403/);

  // The canary# prefix is reserved: an ordinary client key cannot send it (its events would vanish from
  // every statistic).
  const impostor = await measureFreshness(
    { ...canaryPorts, send: httpIngestSender(runtime.apiUrl, runtime.writeKey) },
    { name: 'local', timeoutMs: 1_000 },
  );
  expect(impostor.ok).toBe(false);
  expect(impostor.error).toMatch(/^ingest refused the canary event: HTTP 400: .*reserved_id/);

  const wrongApiKey = await measureFreshness(
    { ...canaryPorts, pickItem: httpItemPicker({ baseUrl: runtime.apiUrl, apiKey: 'rk_wrong' }) },
    { name: 'local', timeoutMs: MEASURE_TIMEOUT_MS },
  );
  expect(wrongApiKey).toMatchObject({ ok: false, itemId: 'canary#item' });
  expect(wrongApiKey.profileVisibleMs).toBeGreaterThan(0);
  expect(wrongApiKey.error).toMatch(/^could not pick an item for the recommendation check: .*HTTP 403/);
});

it('runs the canary on the runtime and serves lag, freshness, DLQ, lake and canary figures at /local/health', async () => {
  const deadline = Date.now() + 90_000;
  let health = await runtime.health();
  while (health.canary?.recommendationVisibleMs === undefined && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    health = await runtime.health();
  }
  expect(health.canary).toMatchObject({ ok: true, itemId: 'item-a' });
  expect(health.canary?.profileVisibleMs).toBeGreaterThan(0);
  expect(health.canary?.recommendationVisibleMs).toBeGreaterThanOrEqual(health.canary?.profileVisibleMs ?? 0);
  process.stderr.write(`runtime canary at /local/health: ${JSON.stringify(health.canary)}\n`);

  const served = (await (await fetch(`${runtime.apiUrl}/local/health`)).json()) as typeof health;
  expect(served.version).toBe(1);
  expect(served.canary?.recommendationVisibleMs).toEqual(expect.any(Number));
  expect(served.consumers).toHaveLength(1);
  expect(served.consumers[0]?.shards.length).toBeGreaterThan(0);
  for (const shard of served.consumers[0]?.shards ?? []) expect(typeof shard.iteratorAgeMs).toBe('number');
  expect(served.lakeDelivery).toHaveLength(1);
  expect(served.lakeDelivery[0]?.templateBufferIntervalSeconds).toBe(300);
  expect(served.deadLetterQueues.map((q) => q.messages)).toEqual(served.deadLetterQueues.map(() => 0));
  expect(served.deadLetterQueues.length).toBeGreaterThan(0);
  // The one quarantined record is the impostor's canary event of the test above.
  expect(served.quarantine).toEqual({ files: 1, bytes: expect.any(Number), byReason: { reserved_id: 1 } });
  expect(Array.isArray(served.jobs)).toBe(true);
});
