/**
 * The freshness canary's measurement on the local runtime, with the same adapters the Lambda uses:
 * the event goes through the local ingest API (write key, authorizer), the stream and the consumer into
 * the Profiles table; item statistics never see it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { dynamoProfileCheck, httpIngestSender } from '../../lambdas/canary/adapters';
import { measureFreshness } from '../../lambdas/canary/freshness';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime';

jest.setTimeout(180_000);

let runtime: LocalRuntime;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'recostream-canary-'));
  runtime = await startLocalRuntime({ dataDir, port: 0, trafficRate: 0, canaryIntervalSeconds: 3 });
});

afterAll(async () => {
  await runtime?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

it('measures ingest -> profile freshness and keeps canary events out of item statistics', async () => {
  const ports = {
    send: httpIngestSender(runtime.apiUrl, runtime.writeKey),
    profileHasEvent: dynamoProfileCheck(runtime.dynamo, runtime.tableName('Profiles')),
    now: Date.now,
    sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
  };
  const results = [];
  for (let i = 0; i < 3; i++)
    results.push(await measureFreshness(ports, { name: 'local', timeoutMs: 20_000 }));
  for (const result of results) {
    expect(result).toMatchObject({ ok: true, userId: 'canary#local' });
    expect(result.profileVisibleMs).toBeGreaterThan(0);
    expect(result.profileVisibleMs).toBeLessThan(20_000);
  }
  process.stderr.write(
    `canary freshness on the local runtime (ms): ${results.map((r) => r.profileVisibleMs).join(', ')}\n`,
  );

  const stats = await runtime.dynamo.send(new ScanCommand({ TableName: runtime.tableName('ItemStats') }));
  expect((stats.Items ?? []).filter((row) => String(row.itemId).startsWith('canary#'))).toEqual([]);

  const refused = await measureFreshness(
    { ...ports, send: httpIngestSender(runtime.apiUrl, 'rs_not-a-registered-key-0123456789abcdef') },
    { name: 'local', timeoutMs: 1_000 },
  );
  expect(refused.ok).toBe(false);
  expect(refused.error).toMatch(/^ingest refused the canary event: HTTP 403/);
});

it('runs the canary on the runtime and serves lag, freshness, DLQ, lake and canary figures at /local/health', async () => {
  const deadline = Date.now() + 30_000;
  let health = runtime.health();
  while (!health.canary && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    health = runtime.health();
  }
  expect(health.canary).toMatchObject({ ok: true });
  expect(health.canary?.profileVisibleMs).toBeGreaterThan(0);

  const served = (await (await fetch(`${runtime.apiUrl}/local/health`)).json()) as typeof health;
  expect(served.version).toBe(1);
  expect(served.consumers).toHaveLength(1);
  expect(served.consumers[0]?.shards.length).toBeGreaterThan(0);
  for (const shard of served.consumers[0]?.shards ?? []) expect(typeof shard.iteratorAgeMs).toBe('number');
  expect(served.lakeDelivery).toHaveLength(1);
  expect(served.lakeDelivery[0]?.templateBufferIntervalSeconds).toBe(300);
  expect(served.deadLetterQueues.map((q) => q.messages)).toEqual(served.deadLetterQueues.map(() => 0));
  expect(served.deadLetterQueues.length).toBeGreaterThan(0);
  expect(served.quarantine).toEqual({ files: 0, bytes: 0, byReason: {} });
  expect(Array.isArray(served.jobs)).toBe(true);
});
