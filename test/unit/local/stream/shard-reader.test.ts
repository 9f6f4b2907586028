/**
 * The one shard reader behind the event source mapping and the Firehose delivery: it hands every page to its
 * consumer, resumes after the checkpoint on a restart, falls back to TRIM_HORIZON when the checkpointed record
 * is gone, and after a failed GetRecords resumes after the last record it read (nothing read twice, nothing
 * skipped). Kinesis is scripted with aws-sdk-client-mock; waits are on conditions, sleeps are no-ops.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type _Record,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type GetShardIteratorCommandInput,
  KinesisClient,
  ListShardsCommand,
  type Shard,
} from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import { CheckpointStore } from '../../../../local/stream/checkpoints';
import { listAllShards, type ShardConsumer, ShardReader } from '../../../../local/stream/shard-reader';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'shard-reader-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const SHARD = 'shardId-000000000000';
const shard = (ShardId: string): Shard => ({
  ShardId,
  HashKeyRange: { StartingHashKey: '0', EndingHashKey: '1' },
  SequenceNumberRange: { StartingSequenceNumber: '0' },
});
const record = (n: number): _Record => ({
  SequenceNumber: String(1000 + n),
  PartitionKey: 'k',
  Data: Buffer.from(String(n)),
});

/**
 * One closed shard of `count` records served two per page. An iterator is `<first index to read>`;
 * `failAt` makes the GetRecords call for that index fail once; `lost` makes AFTER_SEQUENCE_NUMBER fail.
 */
function scripted(count: number, options: { failAt?: number; lost?: boolean } = {}) {
  const kinesis = mockClient(KinesisClient);
  const iterators: GetShardIteratorCommandInput[] = [];
  let failed = false;
  kinesis.on(ListShardsCommand).resolves({ Shards: [shard(SHARD)] });
  kinesis.on(GetShardIteratorCommand).callsFake(async (input: GetShardIteratorCommandInput) => {
    iterators.push(input);
    if (input.ShardIteratorType === 'AFTER_SEQUENCE_NUMBER') {
      if (options.lost) throw Object.assign(new Error('gone'), { name: 'ResourceNotFoundException' });
      return { ShardIterator: String(Number(input.StartingSequenceNumber) - 1000 + 1) };
    }
    return { ShardIterator: '0' };
  });
  kinesis.on(GetRecordsCommand).callsFake(async (input) => {
    const from = Number(input.ShardIterator);
    if (from === options.failAt && !failed) {
      failed = true;
      throw new Error('throttled');
    }
    const records = Array.from({ length: Math.max(0, Math.min(2, count - from)) }, (_, i) =>
      record(from + i),
    );
    const next = from + records.length;
    return {
      Records: records,
      MillisBehindLatest: 0,
      NextShardIterator: next < count ? String(next) : undefined,
    };
  });
  return { kinesis, iterators };
}

function reader(kinesis: ReturnType<typeof mockClient>, seen: string[], checkpointEach = true): ShardReader {
  const consumer: ShardConsumer = {
    startPosition: () => ({ ShardIteratorType: 'TRIM_HORIZON' }),
    onPage: async (state, page) => {
      for (const r of page.records) seen.push(r.SequenceNumber as string);
      const last = page.records[page.records.length - 1]?.SequenceNumber;
      if (checkpointEach && last) self.checkpoint(state.shardId, last);
      return 0;
    },
  };
  const self = new ShardReader({
    kinesis: kinesis as unknown as KinesisClient,
    streamName: 'events',
    checkpoints: new CheckpointStore(dir, 'test'),
    consumer,
    sleep: async () => undefined,
  });
  return self;
}

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !condition(); i++) await new Promise((r) => setImmediate(r));
  expect(condition()).toBe(true);
}

it('lists every page of shards', async () => {
  const kinesis = mockClient(KinesisClient);
  kinesis
    .on(ListShardsCommand, { StreamName: 'events' })
    .resolves({ Shards: [shard('a')], NextToken: 't' })
    .on(ListShardsCommand, { NextToken: 't' })
    .resolves({ Shards: [shard('b')] });
  const shards = await listAllShards(kinesis as unknown as KinesisClient, 'events');
  expect(shards.map((s) => s.ShardId)).toEqual(['a', 'b']);
});

it('reads a shard to its end, then a restart resumes after the checkpoint', async () => {
  const first = scripted(5);
  const seen: string[] = [];
  const one = reader(first.kinesis, seen);
  await one.start();
  await until(() => one.shards()[0]?.active === false);
  await one.stop();
  expect(seen).toEqual(['1000', '1001', '1002', '1003', '1004']);
  expect(one.progress()[0]).toMatchObject({ shardId: SHARD, recordsRead: 5, checkpoint: '1004' });

  const second = scripted(7);
  const more: string[] = [];
  const two = reader(second.kinesis, more);
  await two.start();
  await until(() => two.shards()[0]?.active === false);
  await two.stop();
  expect(second.iterators[0]).toMatchObject({
    ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
    StartingSequenceNumber: '1004',
  });
  expect(more).toEqual(['1005', '1006']);
});

it('reads from TRIM_HORIZON when the checkpointed record is not in the stream any more', async () => {
  new CheckpointStore(dir, 'test').write(SHARD, { sequenceNumber: '1003' });
  const { kinesis, iterators } = scripted(3, { lost: true });
  const seen: string[] = [];
  const r = reader(kinesis, seen);
  await r.start();
  await until(() => r.shards()[0]?.active === false);
  await r.stop();
  expect(iterators.map((i) => i.ShardIteratorType)).toEqual(['AFTER_SEQUENCE_NUMBER', 'TRIM_HORIZON']);
  expect(seen).toEqual(['1000', '1001', '1002']);
});

it('after a failed GetRecords resumes after the last record read, not after the checkpoint', async () => {
  const { kinesis } = scripted(6, { failAt: 4 });
  const seen: string[] = [];
  // No checkpoint at all: resuming from it would read 1000.. again.
  const r = reader(kinesis, seen, false);
  await r.start();
  await until(() => r.shards()[0]?.active === false);
  await r.stop();
  expect(seen).toEqual(['1000', '1001', '1002', '1003', '1004', '1005']);
});
