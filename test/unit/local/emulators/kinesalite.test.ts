/**
 * kinesalite, the Kinesis behind `npm start`, driven through the real AWS SDK client: the semantics the
 * local pipeline relies on (and the built-in emulator it replaced was tested for): records keep their
 * per-shard order and partition-key placement, iterators resume where a consumer stopped, data and
 * sequence order survive a restart on LevelDB, and an unknown stream is ResourceNotFoundException.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';
import type { RunningEmulator } from '../../../../local/emulators/emulator';
import { put, startKinesaliteClient } from './helpers';

const dirs: string[] = [];
const emulators: RunningEmulator[] = [];

afterAll(async () => {
  for (const e of emulators) await e.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const start = (dataDir?: string) => startKinesaliteClient(emulators, dataDir);

async function readAll(client: KinesisClient, shardId: string, after?: string) {
  const { ShardIterator } = await client.send(
    new GetShardIteratorCommand({
      StreamName: 'events',
      ShardId: shardId,
      ...(after
        ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: after }
        : { ShardIteratorType: 'TRIM_HORIZON' }),
    }),
  );
  const out = await client.send(new GetRecordsCommand({ ShardIterator }));
  return out.Records ?? [];
}

it('keeps per-shard order, places a partition key on one shard, and resumes after a sequence number', async () => {
  const { client } = await start();
  await client.send(new CreateStreamCommand({ StreamName: 'events', ShardCount: 2 }));
  const first = await put(client, ['alice', 'bob', 'alice', 'carol', 'alice'], 'a');
  expect(first.FailedRecordCount).toBe(0);
  const aliceShards = new Set(first.Records?.filter((_, i) => [0, 2, 4].includes(i)).map((r) => r.ShardId));
  expect(aliceShards.size).toBe(1);

  const shardId = [...aliceShards][0] as string;
  const records = await readAll(client, shardId);
  const sequences = records.map((r) => BigInt(r.SequenceNumber as string));
  expect([...sequences].sort((a, b) => (a < b ? -1 : 1))).toEqual(sequences);
  expect(
    records
      .filter((r) => r.PartitionKey === 'alice')
      .map((r) => Buffer.from(r.Data as Uint8Array).toString()),
  ).toEqual(['a-0', 'a-2', 'a-4']);
  const resumed = await readAll(client, shardId, records[0]?.SequenceNumber);
  expect(resumed.map((r) => r.SequenceNumber)).toEqual(records.slice(1).map((r) => r.SequenceNumber));
  const shards = await client.send(new ListShardsCommand({ StreamName: 'events' }));
  expect(shards.Shards?.map((s) => s.ShardId)).toEqual(['shardId-000000000000', 'shardId-000000000001']);
});

it('keeps records and increasing sequence numbers across a restart', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'kinesalite-'));
  dirs.push(dataDir);
  const one = await start(dataDir);
  await one.client.send(new CreateStreamCommand({ StreamName: 'events', ShardCount: 1 }));
  const before = await put(one.client, ['k1', 'k2'], 'before');
  await one.emulator.stop();

  const two = await start(dataDir);
  const summary = await two.client.send(new DescribeStreamSummaryCommand({ StreamName: 'events' }));
  expect(summary.StreamDescriptionSummary?.StreamStatus).toBe('ACTIVE');
  const after = await put(two.client, ['k3'], 'after');
  const all = await readAll(two.client, 'shardId-000000000000');
  expect(all.map((r) => Buffer.from(r.Data as Uint8Array).toString())).toEqual([
    'before-0',
    'before-1',
    'after-0',
  ]);
  const lastBefore = BigInt(before.Records?.[1]?.SequenceNumber as string);
  expect(BigInt(after.Records?.[0]?.SequenceNumber as string) > lastBefore).toBe(true);
});

it('answers unknown streams with ResourceNotFoundException', async () => {
  const { client } = await start();
  await expect(client.send(new DescribeStreamSummaryCommand({ StreamName: 'nope' }))).rejects.toMatchObject({
    name: 'ResourceNotFoundException',
  });
});

describe('after the retention period', () => {
  // kinesalite runs in this process and reads the clock for expiry: the test moves the clock.
  afterEach(() => jest.useRealTimers());

  it('drops expired records, and an iterator after an expired sequence number resumes after it', async () => {
    jest.useFakeTimers({
      doNotFake: ['nextTick', 'setImmediate', 'setTimeout', 'setInterval', 'queueMicrotask', 'hrtime'],
      now: new Date('2026-01-01T00:00:00Z'),
    });
    const { client } = await start();
    await client.send(new CreateStreamCommand({ StreamName: 'events', ShardCount: 1 }));
    const first = await put(client, ['u1', 'u1'], 'old');
    jest.setSystemTime(new Date('2026-01-02T01:00:00Z'));
    expect(await readAll(client, 'shardId-000000000000')).toEqual([]);
    await put(client, ['u1'], 'new');
    const after = await readAll(client, 'shardId-000000000000', first.Records?.[0]?.SequenceNumber);
    expect(after.map((r) => Buffer.from(r.Data as Uint8Array).toString())).toEqual(['new-0']);
  });
});
