/**
 * The operator's loop for rejected events, end to end on the local runtime: an event the ingest API
 * rejects (unknown type) lands in the quarantine next to an accepted one; `recostream query` finds it
 * in the `quarantine` table with its reason; `recostream quarantine replay` with today's rules leaves
 * it alone, and with the fixed rules (a relaxed validator injected, standing in for a deployed fix)
 * sends exactly that event to the Kinesis emulator once, the consumer folds it into the user's
 * profile in DynamoDB and the local Firehose delivers it to the lake's `events` table, and a second
 * replay sends nothing (the stream, and the lake, hold the event once).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand } from '@aws-sdk/client-kinesis';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { normalizeEvent } from '../../lambdas/shared/events';
import { type CliIo, main } from '../../local/cli';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime/runtime';
import type { EventValidator } from '../../local/tools/quarantine-replay';

jest.setTimeout(180_000);

let runtime: LocalRuntime;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'recostream-replay-it-'));
  runtime = await startLocalRuntime({
    dataDir,
    port: 0,
    trafficRate: 0,
    // The lake check below waits for a delivery; the default local interval is 10 s.
    lakeBufferIntervalSeconds: 1,
    log: (m) => process.stderr.write(`[local] ${m}\n`),
  });
});

afterAll(async () => {
  await runtime?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The fix: `wishlist_add` is accepted, as an add_to_cart. */
const relaxed: EventValidator = (input, options) => {
  const fixed =
    typeof input === 'object' && input !== null && (input as { type?: unknown }).type === 'wishlist_add'
      ? { ...input, type: 'add_to_cart' }
      : input;
  return normalizeEvent(fixed, options);
};

function captureIo(): CliIo & { text(): string } {
  const lines: string[] = [];
  return {
    out: (t) => lines.push(t),
    err: (t) => lines.push(t),
    text: () => lines.join('\n'),
  };
}

async function post(body: unknown) {
  const response = await fetch(`${runtime.apiUrl}/v1/events`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from(`${runtime.writeKey}:`).toString('base64')}`,
    },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function profileCounts(userId: string): Promise<Record<string, number> | undefined> {
  const out = await runtime.dynamo.send(
    new GetCommand({ TableName: runtime.tableName('Profiles'), Key: { userId } }),
  );
  return out.Item?.counts as Record<string, number> | undefined;
}

/** Rows of `recostream query --format json` on the local lake. */
async function query(sql: string): Promise<Array<Record<string, unknown>>> {
  const io = captureIo();
  const code = await main(['query', sql, '--data-dir', dataDir, '--format', 'json'], io);
  if (code !== 0) throw new Error(`query failed (${code}): ${io.text()}`);
  return JSON.parse(io.text()) as Array<Record<string, unknown>>;
}

async function eventually<T>(read: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!accept(value)) {
    if (Date.now() > deadline)
      throw new Error(`condition not met in ${timeoutMs} ms; last value ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 100));
    value = await read();
  }
  return value;
}

/** eventIds of every record on the events stream, read from the start of each shard. */
async function eventIdsOnStream(): Promise<string[]> {
  const stream = [...runtime.topology.streams.values()][0]?.name as string;
  const shards = await runtime.kinesis.send(new ListShardsCommand({ StreamName: stream }));
  const ids: string[] = [];
  for (const shard of shards.Shards ?? []) {
    let iterator = (
      await runtime.kinesis.send(
        new GetShardIteratorCommand({
          StreamName: stream,
          ShardId: shard.ShardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      )
    ).ShardIterator;
    for (let i = 0; iterator && i < 50; i++) {
      const page = await runtime.kinesis.send(new GetRecordsCommand({ ShardIterator: iterator }));
      for (const record of page.Records ?? [])
        ids.push(
          (JSON.parse(Buffer.from(record.Data ?? []).toString('utf8')) as { eventId: string }).eventId,
        );
      if ((page.Records ?? []).length === 0 && (page.MillisBehindLatest ?? 0) === 0) break;
      iterator = page.NextShardIterator;
    }
  }
  return ids;
}

describe('quarantine replay on the local runtime', () => {
  it('finds a rejected event with query, replays it once after the fix, and the profile counts it', async () => {
    const response = await post({
      events: [
        { type: 'wishlist_add', userId: 'dora', itemId: 'item-7', category: 'books', eventId: 'fix-me-1' },
        { type: 'product_view', userId: 'dora', itemId: 'item-1', category: 'books', eventId: 'ok-1' },
      ],
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ accepted: 1, rejected: 1 });
    await eventually(
      () => profileCounts('dora'),
      (c) => c?.product_view === 1,
    );

    // The analyst's view: the rejected event, with its reason, in the quarantine table.
    const rows = await query(
      "SELECT reason, event_index, field, raw_payload FROM quarantine WHERE raw_payload LIKE '%fix-me-1%'",
    );
    expect(rows).toEqual([
      { reason: 'unknown_type', event_index: 0, field: 'events[0].type', raw_payload: expect.any(String) },
    ]);
    expect(JSON.parse(rows[0]?.raw_payload as string)).toMatchObject({
      type: 'wishlist_add',
      eventId: 'fix-me-1',
    });

    // Today's rules: still invalid, nothing sent.
    const unchanged = captureIo();
    expect(await main(['quarantine', 'replay', '--local', '--data-dir', dataDir], unchanged)).toBe(0);
    expect(unchanged.text()).toMatch(/replayed\s+0\n/);
    expect(unchanged.text()).toMatch(/still invalid\s+1\n\s+unknown_type\s+1/);

    // The fix: exactly that event is sent, once.
    const fixed = captureIo();
    expect(
      await main(['quarantine', 'replay', '--local', '--data-dir', dataDir], fixed, { validator: relaxed }),
    ).toBe(0);
    expect(fixed.text()).toMatch(/now valid\s+1\n/);
    expect(fixed.text()).toMatch(/replayed\s+1\n/);
    const counts = await eventually(
      () => profileCounts('dora'),
      (c) => c?.add_to_cart === 1,
    );
    expect(counts).toEqual({ product_view: 1, add_to_cart: 1 });
    const lakeRows =
      "SELECT event_id, event_type, user_id FROM events WHERE user_id = 'dora' ORDER BY event_id";
    const inLake = await eventually(
      () => query(lakeRows),
      (r) => r.length >= 2,
    );
    expect(inLake).toEqual([
      { event_id: 'fix-me-1', event_type: 'add_to_cart', user_id: 'dora' },
      { event_id: 'ok-1', event_type: 'product_view', user_id: 'dora' },
    ]);

    // A second replay sends nothing.
    const again = captureIo();
    expect(
      await main(['quarantine', 'replay', '--local', '--data-dir', dataDir], again, { validator: relaxed }),
    ).toBe(0);
    expect(again.text()).toMatch(/replayed\s+0\n/);
    expect(again.text()).toMatch(/already replayed\s+1\n/);
    const ids = await eventIdsOnStream();
    expect(ids.filter((id) => id === 'fix-me-1')).toHaveLength(1);
    expect(ids.filter((id) => id === 'ok-1')).toHaveLength(1);
    expect(await profileCounts('dora')).toEqual({ product_view: 1, add_to_cart: 1 });
    // Once the delivery loops have read the whole stream and written what they read, nothing more is there.
    await Promise.all(runtime.lakeDeliveries.map((loop) => loop.flush()));
    expect(await query(lakeRows)).toEqual(inLake);
  });
});
