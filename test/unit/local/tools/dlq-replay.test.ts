/**
 * `recostream dlq replay` on failed-batch objects in a folder (the local layout of the S3 bucket): each
 * record goes back unchanged and marked with its origin, once (a ledger per object), only within the
 * retry horizon unless forced, and objects that are not failed batches are reported, not sent.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KinesisStreamRecord } from 'aws-lambda';
import type { EventPublisher, PublishRecord } from '../../../../lambdas/ingest/kinesis-publisher';
import { type FailedBatchRecord, failedBatchKey } from '../../../../lambdas/shared/failed-batch';
import { replayOriginsOf, replayPartitionKey } from '../../../../lambdas/shared/replay-origin';
import { main } from '../../../../local/cli';
import { countUnreplayedBatches } from '../../../../local/runtime/health';
import { dlqLedgerKey, replayFailedBatches } from '../../../../local/tools/dlq-replay';
import { FileReplayStore } from '../../../../local/tools/replay-store';

const NOW = new Date('2026-11-26T12:00:00.000Z');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function bucketDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dlq-replay-'));
  dirs.push(dir);
  return dir;
}

function kinesisRecord(n: number, receivedAt: string): KinesisStreamRecord {
  const data = {
    schemaVersion: 1,
    eventId: `e${n}`,
    type: 'page_view',
    userId: 'u1',
    occurredAt: receivedAt,
    receivedAt,
  };
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: 'u1',
      sequenceNumber: `4000${n}`,
      data: Buffer.from(JSON.stringify(data)).toString('base64'),
      approximateArrivalTimestamp: Date.parse(receivedAt) / 1000,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `shardId-000000000003:4000${n}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn:aws:iam::000000000000:role/x',
    awsRegion: 'us-east-1',
    eventSourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/events',
  };
}

function failedBatch(records: KinesisStreamRecord[], payloadAsObject = false): FailedBatchRecord {
  return {
    requestContext: {
      requestId: 'r',
      functionArn: 'arn:f',
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: 11,
    },
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    version: '1.0',
    timestamp: NOW.toISOString(),
    KinesisBatchInfo: {
      shardId: 'shardId-000000000003',
      startSequenceNumber: records[0]?.kinesis.sequenceNumber as string,
      endSequenceNumber: records[records.length - 1]?.kinesis.sequenceNumber as string,
      approximateArrivalOfFirstRecord: NOW.toISOString(),
      approximateArrivalOfLastRecord: NOW.toISOString(),
      batchSize: records.length,
      streamArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/events',
    },
    payload: payloadAsObject ? { Records: records } : JSON.stringify({ Records: records }),
  };
}

class CapturingPublisher implements EventPublisher {
  readonly sent: PublishRecord[] = [];
  failIds = new Set<string>();
  async publish(records: readonly PublishRecord[]) {
    const failed = records.filter((r) => this.failIds.has(r.id));
    this.sent.push(...records.filter((r) => !this.failIds.has(r.id)));
    return {
      failed: failed.map((record) => ({ record, errorCode: 'ProvisionedThroughputExceededException' })),
      retriedRecords: 0,
      calls: 1,
    };
  }
}

async function withObjects(objects: Array<[string, string]>) {
  const dir = bucketDir();
  const store = new FileReplayStore(dir);
  for (const [key, body] of objects) await store.put(key, body);
  return { dir, store };
}

const recent = '2026-11-26T11:00:00.000Z';
const keyA = failedBatchKey('0e3a-uuid', 'shardId-000000000003', NOW, 'a');
const keyB = failedBatchKey('0e3a-uuid', 'shardId-000000000003', NOW, 'b');

it('re-publishes every record unchanged, marked with the record it replays, and records it in a ledger', async () => {
  const records = [kinesisRecord(1, recent), kinesisRecord(2, recent)];
  const { dir, store } = await withObjects([
    [keyA, JSON.stringify(failedBatch(records))],
    [keyB, JSON.stringify(failedBatch([kinesisRecord(3, recent)], true))],
  ]);
  expect(countUnreplayedBatches(dir)).toBe(2);
  const publisher = new CapturingPublisher();
  const summary = await replayFailedBatches({ store, publisher, now: () => NOW });
  expect(summary).toMatchObject({
    objects: 2,
    records: 3,
    replayed: 3,
    alreadyReplayed: 0,
    ledgersWritten: 2,
  });
  expect(publisher.sent.map((r) => replayOriginsOf(r.partitionKey))).toEqual([
    [{ shardId: 'shardId-000000000003', sequenceNumber: '40001' }],
    [{ shardId: 'shardId-000000000003', sequenceNumber: '40002' }],
    [{ shardId: 'shardId-000000000003', sequenceNumber: '40003' }],
  ]);
  expect(Buffer.from(publisher.sent[0]?.data as Uint8Array).toString('base64')).toBe(
    records[0]?.kinesis.data,
  );
  expect(JSON.parse((await store.get(dlqLedgerKey(keyA))) as string).replayed).toEqual({
    '40001': NOW.toISOString(),
    '40002': NOW.toISOString(),
  });
  expect(countUnreplayedBatches(dir)).toBe(0);

  const again = await replayFailedBatches({ store, publisher, now: () => NOW });
  expect(again).toMatchObject({ replayed: 0, alreadyReplayed: 3, ledgersWritten: 0 });
  expect(publisher.sent).toHaveLength(3);
});

it('leaves out what the stream did not take, so the next run sends just that', async () => {
  const { store } = await withObjects([
    [keyA, JSON.stringify(failedBatch([kinesisRecord(1, recent), kinesisRecord(2, recent)]))],
  ]);
  const publisher = new CapturingPublisher();
  publisher.failIds.add(`${keyA}#40002`);
  const first = await replayFailedBatches({ store, publisher, now: () => NOW });
  expect([first.replayed, first.failures.map((f) => f.sequenceNumber)]).toEqual([1, ['40002']]);
  publisher.failIds.clear();
  const second = await replayFailedBatches({ store, publisher, now: () => NOW });
  expect([second.replayed, second.alreadyReplayed]).toEqual([1, 1]);
  expect(publisher.sent.map((r) => replayOriginsOf(r.partitionKey)?.at(-1)?.sequenceNumber)).toEqual([
    '40001',
    '40002',
  ]);
});

it('leaves out records received longer ago than the horizon unless forced, and sends nothing in a dry run', async () => {
  const old = '2026-11-24T11:00:00.000Z';
  const { store } = await withObjects([
    [keyA, JSON.stringify(failedBatch([kinesisRecord(1, old), kinesisRecord(2, recent)]))],
  ]);
  const dry = await replayFailedBatches({ store, dryRun: true, now: () => NOW });
  expect(dry).toMatchObject({ dryRun: true, replayed: 1, beyondHorizon: 1, ledgersWritten: 0 });
  expect(await store.get(dlqLedgerKey(keyA))).toBeUndefined();
  const publisher = new CapturingPublisher();
  expect(await replayFailedBatches({ store, publisher, now: () => NOW })).toMatchObject({
    replayed: 1,
    beyondHorizon: 1,
  });
  expect(await replayFailedBatches({ store, publisher, now: () => NOW, force: true })).toMatchObject({
    replayed: 1,
    alreadyReplayed: 1,
  });
  expect(await replayFailedBatches({ store, publisher, now: () => NOW, horizonHours: 72 })).toMatchObject({
    replayed: 0,
    alreadyReplayed: 2,
  });
});

it('keeps the origins of a replayed record that was given up again, up to three', async () => {
  const first = { shardId: 'shardId-000000000001', sequenceNumber: '111' };
  const second = { shardId: 'shardId-000000000002', sequenceNumber: '222' };
  const replayOf = (n: number, origins: Parameters<typeof replayPartitionKey>[0]): KinesisStreamRecord => {
    const record = kinesisRecord(n, recent);
    return { ...record, kinesis: { ...record.kinesis, partitionKey: replayPartitionKey(origins) } };
  };
  const { store } = await withObjects([
    [
      keyA,
      JSON.stringify(
        failedBatch([
          replayOf(1, [first]),
          replayOf(2, [first, second]),
          replayOf(3, [first, second, second]),
        ]),
      ),
    ],
  ]);
  const publisher = new CapturingPublisher();
  const summary = await replayFailedBatches({ store, publisher, now: () => NOW });
  expect([summary.replayed, summary.tooManyHops]).toEqual([2, 1]);
  const self = (seq: string) => ({ shardId: 'shardId-000000000003', sequenceNumber: seq });
  expect(publisher.sent.map((r) => replayOriginsOf(r.partitionKey))).toEqual([
    [first, self('40001')],
    [first, second, self('40002')],
  ]);
});

it('reports objects that are not failed batches and sends nothing of them', async () => {
  const { store } = await withObjects([
    ['aws/lambda/x/shardId-000000000000/2026/11/26/bad', '{"hello":1}'],
    ['aws/lambda/x/shardId-000000000000/2026/11/26/worse', 'not json'],
  ]);
  const summary = await replayFailedBatches({ store, publisher: new CapturingPublisher(), now: () => NOW });
  expect(summary.objects).toBe(0);
  expect(summary.unreadable.map((u) => u.reason)).toEqual([
    expect.stringMatching(/no KinesisBatchInfo or payload/),
    expect.stringMatching(/JSON/),
  ]);
});

it('is a recostream command that refuses an ambiguous target', async () => {
  const err: string[] = [];
  const io = { out: () => undefined, err: (t: string) => err.push(t) };
  expect(await main(['dlq', 'replay'], io)).toBe(2);
  expect(err.join('\n')).toMatch(/give --local, or --bucket NAME and --stream NAME/);
  expect(await main(['dlq', 'replay', '--bucket', 'b'], io)).toBe(2);
  expect(err.join('\n')).toMatch(/--stream NAME is required/);
  expect(await main(['dlq', 'replay', '--local', '--horizon-hours', 'soon'], io)).toBe(2);
  expect(err.join('\n')).toMatch(/--horizon-hours must be a positive number/);
});
