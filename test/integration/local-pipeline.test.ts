/**
 * The README promise, end to end on the local runtime: events sent over HTTP (with curl-style
 * requests and with the real Segment Node client) flow through the Kinesis emulator, the consumer
 * Lambda run by the local event source mapping, into DynamoDB profiles and item statistics.
 * Everything runs from the synthesised CDK template, with the handler code `cdk deploy` ships.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { Analytics } from '@segment/analytics-node';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime/runtime';
import { TrafficSimulator } from '../../local/traffic/simulator';
import { receiveJsonMessages } from '../support/queue-messages';

jest.setTimeout(240_000);

let runtime: LocalRuntime;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'recostream-it-'));
  runtime = await startLocalRuntime({
    dataDir,
    port: 0,
    trafficRate: 0,
    // Item rows are written when the consumer's tumbling window closes (60 s by default): a short window
    // keeps the test quick, long enough to sum several batches.
    context: { itemStatsWindowSeconds: 5 },
    log: (m) => process.stderr.write(`[local] ${m}\n`),
  });
});

afterAll(async () => {
  await runtime?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const auth = () => `Basic ${Buffer.from(`${runtime.writeKey}:`).toString('base64')}`;

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${runtime.apiUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: auth(), ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function profile(userId: string): Promise<Record<string, unknown> | undefined> {
  const out = await runtime.dynamo.send(
    new GetCommand({ TableName: runtime.tableName('Profiles'), Key: { userId } }),
  );
  return out.Item;
}

async function eventually<T>(
  read: () => Promise<T>,
  accept: (value: T) => boolean,
  timeoutMs = 20_000,
): Promise<T> {
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

describe('local pipeline', () => {
  it('turns posted events into a user profile', async () => {
    const response = await post('/v1/events', {
      events: [
        { type: 'product_view', userId: 'alice', itemId: 'item-1', category: 'books' },
        { type: 'add_to_cart', userId: 'alice', itemId: 'item-1', category: 'books', quantity: 2 },
      ],
    });
    expect(response.status).toBe(200);
    expect(response.body.accepted).toBe(2);
    const stored = await eventually(
      () => profile('alice'),
      (p) => (p?.counts as Record<string, number> | undefined)?.add_to_cart === 1,
    );
    expect(stored?.counts).toEqual({ product_view: 1, add_to_cart: 1 });
    expect(stored?.cart).toEqual({ 'item-1': expect.objectContaining({ quantity: 2 }) });
  });

  it('accepts events from the Segment Node client pointed at the local API', async () => {
    const analytics = new Analytics({ writeKey: runtime.writeKey, host: runtime.apiUrl, flushAt: 3 });
    analytics.page({ userId: 'bob', name: 'Home' });
    analytics.track({
      userId: 'bob',
      event: 'Product Viewed',
      properties: { product_id: 'sku-9', category: 'garden', price: 12 },
    });
    analytics.track({
      userId: 'bob',
      event: 'Order Completed',
      properties: {
        order_id: 'o-1',
        currency: 'EUR',
        products: [{ product_id: 'sku-9', quantity: 1, price: 12 }],
      },
    });
    await analytics.closeAndFlush({ timeout: 10_000 });
    const stored = await eventually(
      () => profile('bob'),
      (p) => (p?.counts as Record<string, number> | undefined)?.purchase === 1,
    );
    expect(stored?.counts).toEqual({ page_view: 1, product_view: 1, purchase: 1 });
    expect(stored?.purchased).toEqual([expect.objectContaining({ itemId: 'sku-9' })]);
  });

  it('refuses requests without a write key (401) and with a wrong one (403)', async () => {
    const body = { events: [{ type: 'page_view', userId: 'x' }] };
    expect((await post('/v1/events', body, { authorization: '' })).status).toBe(401);
    const wrong = `Basic ${Buffer.from('rs_wrong:').toString('base64')}`;
    expect((await post('/v1/events', body, { authorization: wrong })).status).toBe(403);
  });

  it('dead-letters a record that is not an event, with its reason, and keeps processing the shard', async () => {
    const stream = [...runtime.topology.streams.values()][0]?.name as string;
    await runtime.kinesis.send(
      new PutRecordsCommand({
        StreamName: stream,
        Records: [
          { PartitionKey: 'carol', Data: Buffer.from('this is not json') },
          {
            PartitionKey: 'carol',
            Data: Buffer.from(
              JSON.stringify({
                schemaVersion: 1,
                eventId: 'direct-1',
                type: 'page_view',
                userId: 'carol',
                occurredAt: new Date().toISOString(),
                receivedAt: new Date().toISOString(),
              }),
            ),
          },
        ],
      }),
    );
    await eventually(
      () => profile('carol'),
      (p) => p !== undefined,
    );
    // Read through SQS, as on AWS: each poll keeps what the earlier ones received (and so hid).
    const messages: Array<Record<string, unknown>> = [];
    await eventually(
      async () => {
        messages.push(
          ...(await receiveJsonMessages(runtime.sqs, runtime.queueUrl('FeatureStoreDeadLetter'))),
        );
        return messages;
      },
      (m) => m.some((x) => x.payload === 'this is not json'),
    );
    const poison = messages.find((x) => x.payload === 'this is not json');
    expect(poison).toMatchObject({
      source: 'stream-consumer',
      partitionKey: 'carol',
      shardId: expect.stringMatching(/^shardId-/),
    });
    expect(poison?.reason).toMatch(/invalid record/);
  });

  it('counts 10,000 simulated events exactly as computed independently from the same events', async () => {
    const simulator = new TrafficSimulator({ seed: 1234, users: 300, items: 500 });
    const events = simulator.generate(10_000).map((e) => ({ ...e, occurredAt: new Date().toISOString() }));
    for (let i = 0; i < events.length; i += 500) {
      const response = await post('/v1/events', { events: events.slice(i, i + 500) });
      expect(response.body.accepted).toBe(Math.min(500, events.length - i));
    }
    // Independent count: per item, views / carts / removes / purchases / units from the raw events.
    const expected = new Map<string, Record<string, number>>();
    const bump = (itemId: string, counter: string, by = 1) => {
      const row = expected.get(itemId) ?? {};
      row[counter] = (row[counter] ?? 0) + by;
      expected.set(itemId, row);
    };
    for (const e of events) {
      if (e.type === 'product_view') bump(e.itemId, 'views');
      if (e.type === 'add_to_cart') bump(e.itemId, 'carts');
      if (e.type === 'remove_from_cart') bump(e.itemId, 'removes');
      if (e.type === 'purchase') {
        for (const line of e.lineItems) {
          bump(line.itemId, 'purchases');
          bump(line.itemId, 'units', line.quantity);
        }
      }
    }
    const totalViews = [...expected.values()].reduce((sum, row) => sum + (row.views ?? 0), 0);
    const scanTotals = async () => {
      const rows = new Map<string, Record<string, number>>();
      let start: Record<string, unknown> | undefined;
      do {
        const page = await runtime.dynamo.send(
          new ScanCommand({ TableName: runtime.tableName('ItemStats'), ExclusiveStartKey: start }),
        );
        for (const item of page.Items ?? []) {
          if (item.bucket !== 'TOTAL') continue;
          const counts: Record<string, number> = {};
          for (const c of ['views', 'carts', 'removes', 'purchases', 'units'])
            if (item[c]) counts[c] = item[c] as number;
          rows.set(item.itemId as string, counts);
        }
        start = page.LastEvaluatedKey;
      } while (start);
      return rows;
    };
    const viewsIn = (rows: Map<string, Record<string, number>>) =>
      [...rows.values()].reduce((s, r) => s + (r.views ?? 0), 0);
    // Earlier tests wrote a few items of their own; compare only the simulator's items.
    const actual = await eventually(
      scanTotals,
      (rows) => viewsIn(new Map([...rows].filter(([id]) => expected.has(id)))) >= totalViews,
      150_000,
    );
    for (const [itemId, counts] of expected)
      expect({ itemId, ...actual.get(itemId) }).toEqual({ itemId, ...counts });
  });
});
