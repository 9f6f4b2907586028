/**
 * `npm start` keeps its data in `.data/` and must survive a restart: the event source mapping
 * resumes from its checkpoints, so events sent before the stop are applied exactly once and events
 * sent after the restart are applied too (no loss, no double effect).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { emulatorChoice, persistsAcrossRestart } from '../../local/emulators';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime/runtime';

// Two runtime starts (each synthesises the app) and stops: minutes on a loaded 2-core machine. The waits
// below are on conditions; these bounds only stop a test that would never finish.
jest.setTimeout(300_000);

let dataDir: string;
let runtime: LocalRuntime | undefined;

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'recostream-restart-'));
});

afterAll(async () => {
  await runtime?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function send(rt: LocalRuntime, userId: string, count: number, tag: string) {
  const events = Array.from({ length: count }, (_, i) => ({
    eventId: `${tag}-${i}`,
    type: 'product_view',
    userId,
    itemId: `item-${i % 3}`,
    category: 'books',
  }));
  const response = await fetch(`${rt.apiUrl}/v1/events`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`${rt.writeKey}:`).toString('base64')}`,
    },
    body: JSON.stringify({ events }),
  });
  expect(response.status).toBe(200);
}

async function views(rt: LocalRuntime, userId: string, expected: number): Promise<number | undefined> {
  const deadline = Date.now() + 90_000;
  let value: number | undefined;
  while (Date.now() < deadline) {
    const out = await rt.dynamo.send(
      new GetCommand({ TableName: rt.tableName('Profiles'), Key: { userId } }),
    );
    value = (out.Item?.counts as Record<string, number> | undefined)?.product_view;
    if (value === expected) {
      // Stay a little longer: a double application would show up as a higher count.
      await new Promise((r) => setTimeout(r, 1500));
      const again = await rt.dynamo.send(
        new GetCommand({ TableName: rt.tableName('Profiles'), Key: { userId } }),
      );
      return (again.Item?.counts as Record<string, number> | undefined)?.product_view;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return value;
}

// moto keeps streams and tables in memory only (RECOSTREAM_EMULATORS=moto): there is nothing to resume from.
const persistent = persistsAcrossRestart(emulatorChoice()) ? it : it.skip;

persistent('resumes after a restart without losing or re-applying events', async () => {
  runtime = await startLocalRuntime({ dataDir, port: 0, trafficRate: 0 });
  const writeKey = runtime.writeKey;
  await send(runtime, 'dora', 5, 'before');
  expect(await views(runtime, 'dora', 5)).toBe(5);
  await runtime.stop();

  runtime = await startLocalRuntime({ dataDir, port: 0, trafficRate: 0 });
  expect(runtime.writeKey).toBe(writeKey);
  expect(await views(runtime, 'dora', 5)).toBe(5);
  await send(runtime, 'dora', 3, 'after');
  expect(await views(runtime, 'dora', 8)).toBe(8);
  // Resumed from the checkpoints: only the 3 new records were delivered after the restart.
  const delivered = runtime.pollers.reduce((sum, p) => sum + p.snapshot().recordsDelivered, 0);
  expect(delivered).toBe(3);
});
