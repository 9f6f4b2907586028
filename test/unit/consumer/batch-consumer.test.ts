/**
 * The consumer invocation as Lambda sees it: KinesisStreamEvent in, partial batch response out.
 * A record that cannot be parsed must reach the dead-letter queue with its reason, shard and
 * sequence number while the rest of its batch is processed, and must not block the shard.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { BatchConsumer, type DeadLetterMessage } from '../../../lambdas/consumer/batch-consumer';
import { InvalidWriteError } from '../../../lambdas/consumer/feature-store-port';
import { FeatureUpdater } from '../../../lambdas/consumer/feature-updater';
import { DEFAULT_PROFILE_LIMITS } from '../../../lambdas/consumer/profile';
import type { QueueSink } from '../../../lambdas/shared/queue-sink';
import { event, seq } from '../../support/events';
import { InMemoryFeatureStore } from '../../support/in-memory-feature-store';

class CollectingSink implements QueueSink {
  readonly messages: DeadLetterMessage[] = [];
  async sendAll(messages: readonly object[]) {
    this.messages.push(...(messages as DeadLetterMessage[]));
  }
}

function kinesisRecord(data: string, n: number, partitionKey = 'u1'): KinesisStreamRecord {
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey,
      sequenceNumber: seq(n),
      data: Buffer.from(data).toString('base64'),
      approximateArrivalTimestamp: 1_790_000_000 + n,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `shardId-000000000001:${seq(n)}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn:aws:iam::000000000000:role/x',
    awsRegion: 'us-east-1',
    eventSourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/events',
  };
}

function setup() {
  const store = new InMemoryFeatureStore();
  const sink = new CollectingSink();
  const updater = new FeatureUpdater(store, {
    limits: DEFAULT_PROFILE_LIMITS,
    itemBucketTtlSeconds: 3600,
    concurrency: 2,
    retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
    conflictAttempts: 2,
  });
  const consumer = new BatchConsumer(
    updater,
    sink,
    new Logger({ logLevel: 'SILENT' }),
    () => new Date('2026-11-26T12:00:00Z'),
  );
  return { store, sink, consumer };
}

describe('BatchConsumer', () => {
  const good = (n: number) => JSON.stringify(event({ type: 'product_view', userId: 'u1', itemId: `i${n}` }));

  it('dead-letters unparseable and invalid records with reason, shard and sequence number, and applies the rest', async () => {
    const { store, sink, consumer } = setup();
    const input: KinesisStreamEvent = {
      Records: [
        kinesisRecord(good(1), 1),
        kinesisRecord('{not json', 2),
        kinesisRecord(JSON.stringify({ type: 'product_view', userId: 'u1' }), 3),
        kinesisRecord(good(4), 4),
      ],
    };
    const { response } = await consumer.consume(input);
    expect(response.batchItemFailures).toEqual([]);
    expect(store.profiles.get('u1')?.counts.product_view).toBe(2);
    expect(sink.messages).toHaveLength(2);
    expect(sink.messages[0]).toMatchObject({
      source: 'stream-consumer',
      shardId: 'shardId-000000000001',
      sequenceNumber: seq(2),
      payload: '{not json',
      deadLetteredAt: '2026-11-26T12:00:00.000Z',
    });
    expect(sink.messages[0]?.reason).toMatch(/^invalid record/);
    expect(sink.messages[1]?.sequenceNumber).toBe(seq(3));
  });

  it('dead-letters a batch in which nothing parses instead of failing it', async () => {
    const { sink, consumer } = setup();
    const { response } = await consumer.consume({ Records: [kinesisRecord('x', 1), kinesisRecord('y', 2)] });
    expect(response.batchItemFailures).toEqual([]);
    expect(sink.messages.map((m) => m.sequenceNumber)).toEqual([seq(1), seq(2)]);
  });

  it('reports every record from the first affected one when writes fail for good', async () => {
    const { store, consumer } = setup();
    store.writeBudget = 0;
    const { response } = await consumer.consume({
      Records: [kinesisRecord(good(1), 1), kinesisRecord(good(2), 2, 'u1')],
    });
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: seq(1) }, { itemIdentifier: seq(2) }]);
  });

  it('copies dead-lettered records to the lake quarantine, partitioned by date and reason', async () => {
    const store = new InMemoryFeatureStore();
    const sink = new CollectingSink();
    const objects = new Map<string, string>();
    const consumer = new BatchConsumer(
      new FeatureUpdater(store, {
        limits: DEFAULT_PROFILE_LIMITS,
        itemBucketTtlSeconds: 3600,
        concurrency: 2,
        retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
        conflictAttempts: 2,
      }),
      sink,
      new Logger({ logLevel: 'SILENT' }),
      () => new Date('2026-11-26T12:00:00Z'),
      {
        store: { put: async (bucket, key, body) => void objects.set(`${bucket}/${key}`, body) },
        bucket: 'lake',
        prefix: 'quarantine/',
      },
    );
    await consumer.consume({ Records: [kinesisRecord('{broken', 1), kinesisRecord(good(2), 2)] });
    const [[key, body]] = [...objects.entries()] as [[string, string]];
    expect(key).toBe(
      `lake/quarantine/dt=2026-11-26/reason=invalid_record/${Date.parse('2026-11-26T12:00:00Z')}-shardId-000000000001-${seq(1)}.jsonl`,
    );
    expect(JSON.parse(body.trim())).toMatchObject({
      reason: 'invalid_record',
      source: 'stream-consumer',
      shardId: 'shardId-000000000001',
      sequenceNumber: seq(1),
      rawPayload: '{broken',
    });
  });

  it('fails the invocation when the dead-letter queue cannot be reached, so nothing is lost', async () => {
    const { consumer, sink } = setup();
    jest.spyOn(sink, 'sendAll').mockRejectedValue(new Error('SQS unavailable'));
    await expect(consumer.consume({ Records: [kinesisRecord('{bad', 1)] })).rejects.toThrow(
      'SQS unavailable',
    );
  });
});

describe('BatchConsumer: the events a per-event metric counts (CTR)', () => {
  const impression = event({
    type: 'recommendation_impression',
    userId: 'u1',
    recommendationId: 'r1',
    itemIds: ['a', 'b'],
    variant: 'control',
  });
  const click = event({
    type: 'recommendation_click',
    userId: 'u1',
    recommendationId: 'r1',
    itemId: 'a',
    variant: 'control',
  });
  const types = (events: readonly { type: string }[]) => events.map((e) => e.type);

  it("counts a producer's resent copy once and a redelivered batch not again", async () => {
    const { consumer } = setup();
    // The impression publisher resent its put: the same event on the stream twice, then the click.
    const batch: KinesisStreamEvent = {
      Records: [
        kinesisRecord(JSON.stringify(impression), 1),
        kinesisRecord(JSON.stringify(impression), 2),
        kinesisRecord(JSON.stringify(click), 3),
      ],
    };
    const first = await consumer.consume(batch);
    expect(types(first.events)).toEqual([
      'recommendation_impression',
      'recommendation_impression',
      'recommendation_click',
    ]);
    expect(types(first.appliedEvents)).toEqual(['recommendation_impression', 'recommendation_click']);
    const again = await consumer.consume(batch);
    expect(again.appliedEvents).toEqual([]);
  });

  it('counts nothing whose profile was not written: the redelivery counts it', async () => {
    const { store, consumer } = setup();
    const batch: KinesisStreamEvent = { Records: [kinesisRecord(JSON.stringify(impression), 1)] };
    store.writeBudget = 0;
    const failed = await consumer.consume(batch);
    expect(failed.response.batchItemFailures).toEqual([{ itemIdentifier: seq(1) }]);
    expect(failed.appliedEvents).toEqual([]);
    store.writeBudget = Number.POSITIVE_INFINITY;
    const redelivered = await consumer.consume(batch);
    expect(types(redelivered.appliedEvents)).toEqual(['recommendation_impression']);
  });
});

describe('BatchConsumer in a tumbling window', () => {
  const view = (n: number) => JSON.stringify(event({ type: 'product_view', userId: `u${n}`, itemId: 'w' }));
  const windowFields = (state: unknown, final: boolean) => ({
    window: { start: '2026-11-26T12:00:00Z', end: '2026-11-26T12:01:00Z' },
    state: state as Record<string, unknown>,
    shardId: 'shardId-000000000001',
    isFinalInvokeForWindow: final,
    isWindowTerminatedEarly: false,
  });

  it('writes profiles at once and item rows only at the final invocation, from the state Lambda passed on', async () => {
    const { store, consumer } = setup();
    const first = await consumer.consumeInWindow({
      Records: [kinesisRecord(view(1), 1, 'u1'), kinesisRecord(view(2), 2, 'u2')],
      ...windowFields({}, false),
    });
    expect(store.profiles.size).toBe(2);
    expect(store.items.size).toBe(0);
    const second = await consumer.consumeInWindow({
      Records: [kinesisRecord(view(3), 3, 'u3')],
      ...windowFields(JSON.parse(JSON.stringify(first.response.state)), false),
    });
    expect(store.items.size).toBe(0);
    const final = await consumer.consumeInWindow({
      Records: [],
      ...windowFields(JSON.parse(JSON.stringify(second.response.state)), true),
    });
    expect(final.response).toEqual({ state: {}, batchItemFailures: [] });
    expect(final.windowItemWrites).toBe(2);
    expect(store.items.get('w\u0000TOTAL')?.counts).toEqual({ views: 3 });
  });

  it('dead-letters a window row the store refuses for good, with the reason and the counts it carried', async () => {
    const { store, sink, consumer } = setup();
    store.faults = (w) =>
      w.kind === 'item' && w.bucket === 'TOTAL'
        ? new InvalidWriteError('Item size has exceeded the maximum allowed size')
        : undefined;
    const first = await consumer.consumeInWindow({
      Records: [kinesisRecord(view(1), 1, 'u1'), kinesisRecord(view(2), 2, 'u2')],
      ...windowFields({}, false),
    });
    const final = await consumer.consumeInWindow({
      Records: [],
      ...windowFields(JSON.parse(JSON.stringify(first.response.state)), true),
    });
    // The other row of the window (the hourly bucket) is written; the invocation succeeds.
    expect(final.response).toEqual({ state: {}, batchItemFailures: [] });
    expect(store.items.get('w\u0000TOTAL')).toBeUndefined();
    expect([...store.items.keys()]).toHaveLength(1);
    expect(sink.messages).toHaveLength(1);
    const message = sink.messages[0] as DeadLetterMessage;
    expect(message).toMatchObject({
      source: 'stream-consumer',
      code: 'refused_window_row',
      shardId: 'shardId-000000000001',
      sequenceNumber: seq(2),
      partitionKey: 'w',
    });
    expect(message.reason).toMatch(
      /row w TOTAL refused by the feature store: Item size has exceeded the maximum allowed size/,
    );
    expect(JSON.parse(message.payload)).toMatchObject({
      itemId: 'w',
      bucket: 'TOTAL',
      window: { start: '2026-11-26T12:00:00Z', end: '2026-11-26T12:01:00Z' },
      delta: { views: 2 },
    });
  });

  it('fails a final invocation whose state belongs to another shard, so Lambda retries it', async () => {
    const { consumer } = setup();
    const other = await consumer.consumeInWindow({
      Records: [kinesisRecord(view(1), 1, 'u1')],
      ...windowFields({}, false),
    });
    await expect(
      consumer.consumeInWindow({
        Records: [],
        ...windowFields(other.response.state, true),
        shardId: 'shardId-000000000002',
      }),
    ).rejects.toThrow(/window state of shardId-000000000001 handed to an invocation of shardId-000000000002/);
  });
});
