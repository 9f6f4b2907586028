/**
 * The local Firehose (local/lake-delivery.ts) against the real local runtime: events posted over
 * HTTP go through the ingest Lambda and the Kinesis emulator and come out as Parquet under
 * `<dataDir>/lake/` + the delivery stream's Prefix, readable with DuckDB's Hive partitioning, with
 * the right values; records that are not canonical events land under the ErrorOutputPrefix; the
 * loop's own checkpoints make a restart continue where delivery stopped.
 *
 * The delivery stream comes from the template (runtime.topology) when the CDK app has one. Until
 * the Firehose construct lands, the same tests run a loop built here against the runtime's Kinesis
 * stream and lake bucket, so they are meaningful either way; the last test asserts that the
 * template HAS a delivery stream and fails until the CDK part exists.
 */
import { lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { DuckDBInstance } from '@duckdb/node-api';
import { EVENT_PARTITION_KEYS } from '../../lambdas/shared/events';
import { DirectoryBucket } from '../../local/lake/bucket-storage';
import { LakeDeliveryLoop, type LakeDeliveryOptions } from '../../local/lake/delivery';
import { expandPrefix } from '../../local/lake/writer';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime/runtime';
import type { LocalDeliveryStream } from '../../local/topology';

jest.setTimeout(180_000);

let runtime: LocalRuntime;
let dataDir: string;
/** The loop under test: the runtime's own, or one built here when the template has no delivery stream. */
let loop: LakeDeliveryLoop;
let loopOptions: LakeDeliveryOptions;
const ownLoops: LakeDeliveryLoop[] = [];

const log = (m: string) => process.stderr.write(`[local] ${m}\n`);

/** A stand-in with the layout lake-columns.ts documents, used only while the template has none. */
function standInDelivery(): LocalDeliveryStream {
  const [stream] = runtime.topology.streams.values();
  const lakeTarget = readlinkSync(join(dataDir, 'lake'));
  const bucket = [...runtime.topology.buckets.values()].find((b) => lakeTarget === join('s3', b.name));
  if (!stream || !bucket) throw new Error('the runtime has no stream or no lake bucket');
  return {
    logicalId: 'TestLakeDelivery',
    name: 'TestLakeDelivery',
    sourceStreamId: stream.logicalId,
    bucketId: bucket.logicalId,
    prefix: `events/${EVENT_PARTITION_KEYS.map((k) => `${k.name}=!{partitionKeyFromQuery:${k.name}}/`).join('')}`,
    errorPrefix: 'errors/!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/',
    bufferSizeMb: 128,
    bufferIntervalSeconds: 300,
    dynamicPartitioning: true,
  };
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'recostream-lake-it-'));
  runtime = await startLocalRuntime({ dataDir, port: 0, trafficRate: 0, log });
  const [fromTemplate] = runtime.topology.deliveryStreams.values();
  const delivery = fromTemplate ?? standInDelivery();
  const stream = runtime.topology.streams.get(delivery.sourceStreamId);
  const bucket = runtime.topology.buckets.get(delivery.bucketId);
  if (!stream || !bucket) throw new Error(`delivery ${delivery.logicalId} has no stream or bucket`);
  loopOptions = {
    delivery,
    stream,
    kinesis: runtime.kinesis,
    bucket: new DirectoryBucket(join(dataDir, 's3', bucket.name)),
    checkpointDir: join(dataDir, 'checkpoints'),
    log,
  };
  if (fromTemplate) {
    loop = runtime.lakeDeliveries[0] as LakeDeliveryLoop;
  } else {
    loop = new LakeDeliveryLoop(loopOptions);
    ownLoops.push(loop);
    await loop.start();
  }
});

afterAll(async () => {
  for (const own of ownLoops) await own.stop();
  await runtime?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const lakeRoot = () => join(dataDir, 'lake');
/** The folders of the Prefix before the first expression, e.g. `events/`. */
const staticPrefix = (template: string) => {
  const firstExpression = template.indexOf('!{');
  return firstExpression < 0 ? template : template.slice(0, template.lastIndexOf('/', firstExpression) + 1);
};

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

async function query(sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

function filesUnder(dir: string, extension: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => f.endsWith(extension))
    .map((f) => join(dir, f));
}

async function putRaw(records: Array<{ key: string; data: string }>) {
  const stream = runtime.topology.streams.get(loopOptions.delivery.sourceStreamId)?.name as string;
  const out = await runtime.kinesis.send(
    new PutRecordsCommand({
      StreamName: stream,
      Records: records.map((r) => ({ PartitionKey: r.key, Data: Buffer.from(r.data) })),
    }),
  );
  expect(out.FailedRecordCount ?? 0).toBe(0);
}

const eventJson = (eventId: string, userId: string) =>
  JSON.stringify({
    schemaVersion: 1,
    eventId,
    type: 'page_view',
    userId,
    occurredAt: new Date().toISOString(),
    receivedAt: new Date().toISOString(),
  });

describe('local lake delivery', () => {
  it('links <dataDir>/lake to the lake bucket folder, where quarantined events land too', async () => {
    expect(lstatSync(lakeRoot()).isSymbolicLink()).toBe(true);
    expect(readlinkSync(lakeRoot())).toBe(relative(dataDir, loopOptions.bucket.description));
    expect(runtime.lakeDir).toBe(lakeRoot());

    const rejected = await post({ events: [{ type: 'teleport', userId: 'quarantine-test' }] });
    expect(rejected.body.rejected).toBe(1);
    expect(filesUnder(join(lakeRoot(), 'quarantine'), '.jsonl').length).toBeGreaterThan(0);
  });

  it('delivers events posted over HTTP as Parquet under the lake and the Prefix', async () => {
    const user = `lake-${Date.now()}`;
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000).toISOString();
    const response = await post({
      events: [
        { type: 'product_view', userId: user, itemId: 'item-1', category: 'books', price: 12.5 },
        {
          type: 'purchase',
          userId: user,
          orderId: 'o-1',
          currency: 'EUR',
          occurredAt: twoHoursAgo,
          lineItems: [
            { itemId: 'item-1', quantity: 2, price: 12.5, category: 'books' },
            { itemId: 'item-2', quantity: 1, price: 3 },
          ],
          revenue: 28,
          context: { locale: 'de-DE', page: { path: '/checkout', title: 'Checkout' } },
        },
        { type: 'custom', userId: user, name: 'Coupon Applied', properties: { code: 'X1' } },
      ],
    });
    expect(response.status).toBe(200);
    expect(response.body.accepted).toBe(3);

    await loop.flush();

    const { prefix } = loopOptions.delivery;
    const root = join(lakeRoot(), staticPrefix(prefix));
    const rows = await query(
      `SELECT *, strftime(occurred_at, '%Y-%m-%dT%H:%M:%S.%gZ') AS occurred_iso,
         strftime(received_at, '%Y-%m-%dT%H:%M:%S.%gZ') AS received_iso
       FROM read_parquet('${root}**/*.parquet', hive_partitioning = true, hive_types_autocast = false)
       WHERE user_id = '${user}' ORDER BY event_type`,
    );
    expect(rows.map((r) => r.event_type)).toEqual(['custom', 'product_view', 'purchase']);

    const purchase = rows[2] as Record<string, unknown>;
    // Event time is a column; the partition is the receipt time the API stamped.
    expect(purchase.occurred_iso).toBe(twoHoursAgo);
    const receivedAt = String(purchase.received_iso);
    expect(Date.parse(receivedAt)).toBeGreaterThan(Date.parse(twoHoursAgo));
    expect(purchase).toMatchObject({
      dt: receivedAt.slice(0, 10),
      hour: receivedAt.slice(11, 13),
      order_id: 'o-1',
      currency: 'EUR',
      revenue: 28,
      line_items: [
        { itemid: 'item-1', quantity: 2, price: 12.5, category: 'books' },
        { itemid: 'item-2', quantity: 1, price: 3, category: null },
      ],
      context: {
        useragent: null,
        locale: 'de-DE',
        page: { url: null, path: '/checkout', title: 'Checkout', referrer: null },
      },
    });
    expect(rows[1]).toMatchObject({ item_id: 'item-1', category: 'books', price: 12.5, line_items: null });
    expect(JSON.parse((rows[0] as { properties: string }).properties)).toEqual({ code: 'X1' });

    // Every object sits exactly at its partition's expanded Prefix, under <dataDir>/lake.
    const objects = await query(
      `SELECT DISTINCT filename, event_type, dt, hour
       FROM read_parquet('${root}**/*.parquet', hive_partitioning = true, hive_types_autocast = false, filename = true)
       WHERE user_id = '${user}'`,
    );
    expect(objects).toHaveLength(3);
    for (const o of objects) {
      const key = relative(lakeRoot(), o.filename as string)
        .split(sep)
        .join('/');
      const partition = { event_type: String(o.event_type), dt: String(o.dt), hour: String(o.hour) };
      expect(key.startsWith(expandPrefix(prefix, { partition }))).toBe(true);
      expect(key).toMatch(/\.parquet$/);
    }

    const stats = loop.snapshot();
    expect(stats.recordsDelivered).toBeGreaterThanOrEqual(3);
    expect(stats.files).toBeGreaterThanOrEqual(3);
    expect(stats.bytes).toBeGreaterThan(0);
    expect(stats.bufferedRecords).toBe(0);
    expect(stats.freshnessMs).toBe(0);
    expect(stats.lastDeliveryAt).toEqual(expect.any(String));
    const checkpoints = readdirSync(join(dataDir, 'checkpoints')).filter((f) =>
      f.startsWith(`firehose-${loopOptions.delivery.logicalId}.`),
    );
    expect(checkpoints.length).toBeGreaterThan(0);
  });

  it('writes records that are not canonical events under the error prefix, in base64', async () => {
    await putRaw([
      { key: 'bad', data: 'this is not json' },
      { key: 'bad', data: JSON.stringify({ type: 'page_view', userId: 'nobody' }) },
      { key: 'good', data: eventJson(`ok-${Date.now()}`, 'error-test') },
    ]);
    const before = loop.snapshot();
    await loop.flush();
    const after = loop.snapshot();
    expect(after.recordsFailed - before.recordsFailed).toBe(2);
    expect(after.recordsDelivered - before.recordsDelivered).toBe(1);

    const errorRoot = join(lakeRoot(), staticPrefix(loopOptions.delivery.errorPrefix));
    const lines = filesUnder(errorRoot, '.jsonl').flatMap((f) =>
      readFileSync(f, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    );
    const raw = lines.map((l) => Buffer.from(l.rawData as string, 'base64').toString('utf8'));
    expect(raw).toEqual(
      expect.arrayContaining(['this is not json', '{"type":"page_view","userId":"nobody"}']),
    );
    for (const line of lines) {
      expect(line).toEqual(
        expect.objectContaining({
          errorCode: expect.any(String),
          errorMessage: expect.any(String),
          sequenceNumber: expect.any(String),
        }),
      );
    }
  });

  it('flushes on stop, then resumes after its checkpoint when restarted, without redelivering', async () => {
    const user = `restart-${Date.now()}`;
    await putRaw([{ key: user, data: eventJson(`${user}-0`, user) }]);
    const before = loop.snapshot().recordsDelivered;
    await loop.stop();
    expect(loop.snapshot().recordsDelivered - before).toBe(1);

    await putRaw([
      { key: user, data: eventJson(`${user}-1`, user) },
      { key: user, data: eventJson(`${user}-2`, user) },
    ]);
    loop = new LakeDeliveryLoop(loopOptions);
    ownLoops.push(loop);
    await loop.start();
    await loop.flush();
    // Only the two records written while stopped: everything before was checkpointed.
    expect(loop.snapshot()).toMatchObject({ recordsRead: 2, recordsDelivered: 2, recordsFailed: 0 });
    const root = join(lakeRoot(), staticPrefix(loopOptions.delivery.prefix));
    const [count] = await query(
      `SELECT count(*) AS n FROM read_parquet('${root}**/*.parquet') WHERE user_id = '${user}'`,
    );
    expect(count).toEqual({ n: '3' });
  });

  it('reports delivery figures in health()', async () => {
    const health = await runtime.health();
    expect(health.lakeDelivery).toHaveLength(runtime.topology.deliveryStreams.size);
  });

  // Passes once the CDK app defines the Firehose delivery stream (lib/data-lake.ts); until then it
  // fails on purpose, as a reminder that the lake above is fed by a stand-in delivery stream.
  it('the template has a Firehose delivery stream from the events stream into the lake bucket', () => {
    const deliveries = [...runtime.topology.deliveryStreams.values()];
    expect(deliveries.length).toBeGreaterThan(0);
    const delivery = deliveries[0] as LocalDeliveryStream;
    expect(runtime.topology.streams.has(delivery.sourceStreamId)).toBe(true);
    expect(join('s3', runtime.topology.buckets.get(delivery.bucketId)?.name ?? '?')).toBe(
      readlinkSync(lakeRoot()),
    );
    expect(delivery.dynamicPartitioning).toBe(true);
    const keys = EVENT_PARTITION_KEYS.map((k) => `${k.name}=!{partitionKeyFromQuery:${k.name}}/`).join('');
    expect(delivery.prefix).toContain(keys);
  });
});
