/**
 * The operator's loop for rejected events, end to end on the local runtime: an event the ingest API
 * rejects (unknown type) lands in the quarantine next to an accepted one; `recostream query` finds it
 * in the `quarantine` table with its reason; `recostream quarantine replay` with today's rules leaves
 * it alone, and with the fixed rules (a relaxed validator injected, standing in for a deployed fix)
 * sends exactly that event to the Kinesis emulator once, the consumer folds it into the user's
 * profile in DynamoDB and the local Firehose delivers it to the lake's `events` table, and a second
 * replay sends nothing (the stream, and the lake, hold the event once). Then a refused `PUT /v1/items`
 * body, fixed by hand in its quarantine record, is replayed into the catalogue (the Items table, the lake's
 * `items` table and, with the deployment's rules, the promoted-items row) once; a request that is still
 * invalid stays in the quarantine with its reason.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand } from '@aws-sdk/client-kinesis';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { basicAuthorizationFor } from '../../lambdas/authorizer/write-keys';
import { PROMOTED_ITEMS_KEY } from '../../lambdas/shared/catalogue';
import { normalizeEvent } from '../../lambdas/shared/events';
import { decodeArrivals } from '../../lambdas/shared/new-arrivals';
import { PROMOTED_ITEMS_ATTRIBUTE } from '../../lambdas/shared/promoted-items';
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

describe('catalogue requests in the quarantine', () => {
  const storedItem = async (itemId: string) =>
    (await runtime.dynamo.send(new GetCommand({ TableName: runtime.tableName('Items'), Key: { itemId } })))
      .Item;
  const catalogueReport = (text: string) => text.slice(text.indexOf('Refused catalogue requests'));
  const replay = async (...extra: string[]) => {
    const io = captureIo();
    const code = await main(['quarantine', 'replay', '--local', '--data-dir', dataDir, ...extra], io);
    return { code, text: io.text(), catalogue: catalogueReport(io.text()) };
  };
  /** The quarantine object (path under the lake) of the refused catalogue request that names `itemId`. */
  const quarantineFileOf = (itemId: string): string => {
    const root = join(dataDir, 'lake', 'quarantine');
    const files = readdirSync(root, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.jsonl'))
      .map((f) => join(root, f))
      .filter((f) => {
        const record = JSON.parse(readFileSync(f, 'utf8').trim()) as { route: string; rawPayload: string };
        return record.route === '/v1/items' && record.rawPayload.includes(itemId);
      });
    expect(files).toHaveLength(1);
    return files[0] as string;
  };

  it('replays a refused PUT /v1/items body fixed by hand, once; what is still invalid stays', async () => {
    const created = captureIo();
    expect(
      await main(
        ['keys', 'create', '--role', 'catalog', '--name', 'feed', '--local', '--data-dir', dataDir],
        created,
      ),
    ).toBe(0);
    const key = created.text().trim().split('\n').at(-1) as string;
    const put = (body: unknown) =>
      fetch(`${runtime.apiUrl}/v1/items`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', authorization: basicAuthorizationFor(key) },
        body: JSON.stringify(body),
      });

    const refused = await put({
      items: [
        { itemId: 'kettle', title: 'Kettle', category: 'kitchen', price: -3 },
        { itemId: 'mug', title: 'Mug', category: 'kitchen', availability: 'sold_out' },
      ],
    });
    expect(refused.status).toBe(400);
    expect((await put({ items: [{ itemId: 'lamp', colour: 'red' }] })).status).toBe(400);
    expect(await storedItem('kettle')).toBeUndefined();

    // Nothing passes as sent: both requests are still refused, with their reasons and messages.
    const asSent = await replay();
    expect(asSent.code).toBe(0);
    expect(asSent.catalogue).toMatch(/requests\s+2\n/);
    expect(asSent.catalogue).toMatch(/replayed\s+0\n/);
    expect(asSent.catalogue).toMatch(/still invalid\s+2\n\s+invalid_items\s+2/);
    expect(asSent.text).toMatch(/line 1: invalid_items: items\[0\]\.price: /);

    // The operator fixes the first body by hand in its quarantine record.
    const file = quarantineFileOf('kettle');
    const record = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    const fixedBody = {
      items: [
        { itemId: 'kettle', title: 'Kettle', category: 'kitchen', price: 3 },
        { itemId: 'mug', title: 'Mug', category: 'kitchen', availability: 'out_of_stock' },
      ],
    };
    writeFileSync(file, `${JSON.stringify({ ...record, rawPayload: JSON.stringify(fixedBody) })}\n`);

    const dry = await replay('--dry-run');
    expect(dry.catalogue).toMatch(/would replay\s+1\n/);
    expect(await storedItem('kettle')).toBeUndefined();

    const rules = join(dataDir, 'rules.json');
    writeFileSync(
      rules,
      JSON.stringify({
        filters: { kitchen: { match: [{ field: 'category', in: ['kitchen'] }] } },
        promotion: { filter: 'kitchen' },
      }),
    );
    const fixed = await replay('--rules', rules);
    expect(fixed.code).toBe(0);
    expect(fixed.catalogue).toMatch(/replayed\s+1\n/);
    expect(fixed.catalogue).toMatch(/items written\s+2\n/);
    expect(fixed.catalogue).toMatch(/still invalid\s+1\n\s+invalid_items\s+1/);
    expect(await storedItem('kettle')).toMatchObject({ title: 'Kettle', category: 'kitchen', price: 3 });
    const mug = await storedItem('mug');
    expect(mug).toMatchObject({ title: 'Mug', availability: 'out_of_stock' });
    // The API's own path: the available kitchen item joins the promoted row, the one out of stock does not.
    const promoted = decodeArrivals((await storedItem(PROMOTED_ITEMS_KEY))?.[PROMOTED_ITEMS_ATTRIBUTE]);
    expect(promoted.map((a) => a.itemId)).toEqual(['kettle']);
    // And the lake's items table has the change.
    const changes = await query("SELECT item_id, price FROM items WHERE item_id = 'kettle'");
    expect(changes).toEqual([{ item_id: 'kettle', price: 3 }]);

    // A second replay changes nothing; the still-invalid request is still there, with its reason.
    const again = await replay('--rules', rules);
    expect(again.code).toBe(0);
    expect(again.catalogue).toMatch(/replayed\s+0\n/);
    expect(again.catalogue).toMatch(/already replayed\s+1\n/);
    expect(again.catalogue).toMatch(/still invalid\s+1\n\s+invalid_items\s+1/);
    expect(await storedItem('mug')).toEqual(mug);
    expect(await query("SELECT item_id FROM items WHERE item_id = 'kettle'")).toHaveLength(1);
  });
});
