/**
 * The local event source mapping (local/stream/esm-poller.ts) against a scripted Kinesis (aws-sdk-client-mock):
 * it must read both parents of a merged shard to their end before the child, as Lambda does, and write
 * a batch it gives up on to an S3 destination the way Lambda does: its invocation record with the whole
 * batch, under Lambda's key layout; and hand a tumbling window's state from invocation to invocation,
 * closing each window with a final invocation. Waits are injected: nothing here depends on timers.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import {
  type _Record,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  type Shard,
} from '@aws-sdk/client-kinesis';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import type { KinesisStreamEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { failedBatchRecords, parseFailedBatch } from '../../../../lambdas/shared/failed-batch';
import { localS3Client } from '../../../../local/emulators/s3-buckets';
import { startS3Directory } from '../../../../local/emulators/s3-directory';
import { EventSourceMappingPoller } from '../../../../local/stream/esm-poller';
import { consumerMapping } from '../../../support/consumer-mapping';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const mapping = consumerMapping({ batchSize: 10, bisectBatchOnError: false });
const stream = { logicalId: 'Events', name: 'events', shardCount: 1, retentionHours: 24 };

/** A closed shard's records, read in one page; then the shard ends (no next iterator). */
function scriptedKinesis(
  shards: ReadonlyArray<{ ShardId: string; ParentShardId?: string; AdjacentParentShardId?: string }>,
  records: Readonly<Record<string, readonly _Record[]>>,
  beforeRead: (shardId: string) => Promise<void> = async () => undefined,
) {
  const kinesis = mockClient(KinesisClient);
  // The poller reads only ids and parents; the hash and sequence ranges do not matter here.
  const listed: Shard[] = shards.map((s) => ({
    ...s,
    HashKeyRange: { StartingHashKey: '0', EndingHashKey: '1' },
    SequenceNumberRange: { StartingSequenceNumber: '0' },
  }));
  kinesis.on(ListShardsCommand).resolves({ Shards: listed });
  kinesis.on(GetShardIteratorCommand).callsFake(async (input) => ({ ShardIterator: input.ShardId }));
  kinesis.on(GetRecordsCommand).callsFake(async (input) => {
    const shardId = input.ShardIterator as string;
    await beforeRead(shardId);
    return { Records: [...(records[shardId] ?? [])], MillisBehindLatest: 0 };
  });
  return kinesis;
}

const record = (n: number, key = 'u1'): _Record => ({
  SequenceNumber: String(1000 + n),
  PartitionKey: key,
  Data: Buffer.from(`{"n":${n}}`),
  ApproximateArrivalTimestamp: new Date(Date.UTC(2026, 10, 26, 10, 0, n)),
});

function checkpointDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'esm-poller-'));
  dirs.push(dir);
  return dir;
}

it('reads both parents of a merged shard to their end before it reads the child', async () => {
  const delivered: string[] = [];
  const childReadEarly: string[] = [];
  let parentsDone = 0;
  let openAdjacentParent = () => {};
  const adjacentParentGate = new Promise<void>((resolve) => {
    openAdjacentParent = resolve;
  });
  let waits = 0;
  const kinesis = scriptedKinesis(
    [
      { ShardId: 'shardId-000000000000' },
      { ShardId: 'shardId-000000000001' },
      {
        ShardId: 'shardId-000000000002',
        ParentShardId: 'shardId-000000000000',
        AdjacentParentShardId: 'shardId-000000000001',
      },
    ],
    {
      'shardId-000000000000': [record(1)],
      'shardId-000000000001': [record(2)],
      'shardId-000000000002': [record(3)],
    },
    async (shardId) => {
      if (shardId === 'shardId-000000000002' && parentsDone < 2) {
        childReadEarly.push(shardId);
        openAdjacentParent();
      }
      // The adjacent parent is slow: it answers only once the child has had every chance to start.
      if (shardId === 'shardId-000000000001') await adjacentParentGate;
    },
  );
  const poller = new EventSourceMappingPoller({
    mapping,
    stream,
    kinesis: kinesis as unknown as KinesisClient,
    invoke: async (_fn, event) => {
      const seqs = (event as KinesisStreamEvent).Records.map((r) => r.kinesis.sequenceNumber);
      delivered.push(...seqs);
      if (seqs.includes('1001') || seqs.includes('1002')) parentsDone++;
      return { batchItemFailures: [] };
    },
    checkpointDir: checkpointDir(),
    sleep: async () => {
      // The child waits for its parents in a loop of short waits: let it wait a while, then let the
      // adjacent parent finish (the old poller read the child as soon as the first parent ended).
      if (++waits === 50) openAdjacentParent();
    },
  });
  await poller.start();
  await eventually(() => delivered.length === 3);
  await poller.stop();
  expect(childReadEarly).toEqual([]);
  expect(delivered.indexOf('1003')).toBe(2);
});

it('writes a batch it gives up on to the S3 destination with PutObject: the invocation record and the whole batch', async () => {
  // The local S3 endpoint over a folder: what PutObject wrote is the file `<root>/<bucket>/<key>`.
  const s3Root = checkpointDir();
  const endpoint = await startS3Directory({ rootDir: s3Root });
  const s3 = localS3Client(endpoint.endpoint);
  await s3.send(new CreateBucketCommand({ Bucket: 'failed-batches' }));
  const bucketDir = join(s3Root, 'failed-batches');
  const kinesis = scriptedKinesis([{ ShardId: 'shardId-000000000000' }], {
    'shardId-000000000000': [record(1), record(2, 'u2'), record(3)],
  });
  let invocations = 0;
  const poller = new EventSourceMappingPoller({
    mapping,
    stream,
    kinesis: kinesis as unknown as KinesisClient,
    invoke: async () => {
      invocations++;
      throw new Error('Task timed out after 60.00 seconds');
    },
    checkpointDir: checkpointDir(),
    onFailureBucket: { bucket: 'failed-batches', s3 },
    now: () => new Date('2026-11-26T10:05:07.000Z'),
    sleep: async () => undefined,
  });
  await poller.start();
  await eventually(() => poller.snapshot().recordsSentToOnFailure === 3);
  await poller.stop();
  s3.destroy();
  await endpoint.stop();
  expect(invocations).toBe(2); // the first attempt and one retry

  const keys = readdirSync(bucketDir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(bucketDir, join(e.parentPath, e.name)).split(sep).join('/'));
  expect(keys).toHaveLength(1);
  expect(keys[0]).toMatch(
    /^aws\/lambda\/[0-9a-f-]{36}\/shardId-000000000000\/2026\/11\/26\/2026-11-26T10\.05\.07-[0-9a-f-]{36}$/,
  );
  const batch = parseFailedBatch(readFileSync(join(bucketDir, keys[0] as string), 'utf8'));
  expect(batch).toMatchObject({
    requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: 2 },
    responseContext: { functionError: 'Task timed out after 60.00 seconds' },
    version: '1.0',
    timestamp: '2026-11-26T10:05:07.000Z',
    KinesisBatchInfo: {
      shardId: 'shardId-000000000000',
      startSequenceNumber: '1001',
      endSequenceNumber: '1003',
      batchSize: 3,
      streamArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/events',
    },
  });
  expect(typeof batch.payload).toBe('string');
  const records = failedBatchRecords(batch);
  expect(
    records.map((r) => [
      r.kinesis.sequenceNumber,
      r.kinesis.partitionKey,
      Buffer.from(r.kinesis.data, 'base64').toString(),
    ]),
  ).toEqual([
    ['1001', 'u1', '{"n":1}'],
    ['1002', 'u2', '{"n":2}'],
    ['1003', 'u1', '{"n":3}'],
  ]);
});

it('passes a tumbling window state between invocations and closes each window with a final invocation', async () => {
  const kinesis = scriptedKinesis([{ ShardId: 'shardId-000000000000' }], {
    'shardId-000000000000': [1, 2, 3, 4, 5, 6, 7].map((n) => record(n)),
  });
  const calls: Array<{ window: unknown; final: boolean; seqs: string[]; state: unknown; shardId: unknown }> =
    [];
  let failFirst = true;
  const poller = new EventSourceMappingPoller({
    mapping: { ...mapping, tumblingWindowSeconds: 5 },
    stream,
    kinesis: kinesis as unknown as KinesisClient,
    invoke: async (_fn, payload) => {
      const event = payload as KinesisStreamEvent & {
        window: unknown;
        state: { seen?: string[] };
        isFinalInvokeForWindow: boolean;
        shardId: string;
      };
      const seqs = event.Records.map((r) => r.kinesis.sequenceNumber);
      if (failFirst) {
        failFirst = false;
        throw new Error('first attempt fails: its state must not count');
      }
      calls.push({
        window: event.window,
        final: event.isFinalInvokeForWindow,
        seqs,
        state: event.state,
        shardId: event.shardId,
      });
      return { state: { seen: [...(event.state.seen ?? []), ...seqs] }, batchItemFailures: [] };
    },
    checkpointDir: checkpointDir(),
    now: () => new Date('2026-11-26T10:00:00.000Z'),
    sleep: async () => undefined,
  });
  await poller.start();
  await eventually(() => calls.length === 4);
  // Counted once each window's final invocation succeeded (what a bench waits on before it times requests).
  await eventually(() => poller.snapshot().windowsClosed === 2);
  expect(poller.snapshot().openWindows).toBe(0);
  await poller.stop();
  const first = { start: '2026-11-26T10:00:00.000Z', end: '2026-11-26T10:00:05.000Z' };
  const second = { start: '2026-11-26T10:00:05.000Z', end: '2026-11-26T10:00:10.000Z' };
  const shardId = 'shardId-000000000000';
  expect(calls).toEqual([
    { window: first, final: false, seqs: ['1001', '1002', '1003', '1004'], state: {}, shardId },
    { window: first, final: true, seqs: [], state: { seen: ['1001', '1002', '1003', '1004'] }, shardId },
    { window: second, final: false, seqs: ['1005', '1006', '1007'], state: {}, shardId },
    { window: second, final: true, seqs: [], state: { seen: ['1005', '1006', '1007'] }, shardId },
  ]);
});

/** Waits until `condition` holds, yielding to the pollers in between (no timers). */
async function eventually(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 100_000; i++) {
    if (condition()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error('condition never held');
}
