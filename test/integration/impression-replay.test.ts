/**
 * Impression dead letters end to end: an impression whose put timed out after the stream had stored it (so it
 * is both on the stream and in the dead-letter queue) and one whose put never arrived, `impressions replay`
 * from the queue on the local SQS endpoint to the local Kinesis, the local event source mapping invoking the
 * real consumer. Each impression then counts once in the item rows and in the CTR metric's events, and the
 * queue is empty.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { PutRecordCommand } from '@aws-sdk/client-kinesis';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { KinesisStreamEvent } from 'aws-lambda';
import { BatchConsumer } from '../../lambdas/consumer/batch-consumer';
import { recommendationCountsByVariant } from '../../lambdas/consumer/ctr-counts';
import { FeatureUpdater } from '../../lambdas/consumer/feature-updater';
import { TOTAL_BUCKET } from '../../lambdas/consumer/item-stats';
import { DEFAULT_PROFILE_LIMITS } from '../../lambdas/consumer/profile';
import { KinesisPublisher } from '../../lambdas/ingest/kinesis-publisher';
import { impressionRecord } from '../../lambdas/recommend/impression';
import {
  IMPRESSION_PUT_FAILED,
  type ImpressionDeadLetter,
} from '../../lambdas/recommend/impression-dead-letter';
import type { CanonicalEvent, RecommendationImpressionEvent } from '../../lambdas/shared/events';
import { queueDepth } from '../../local/emulators';
import { EventSourceMappingPoller } from '../../local/stream/esm-poller';
import { replayImpressionDeadLetters } from '../../local/tools/impression-replay';
import { SqsMessageQueue } from '../../local/tools/sqs-message-queue';
import { eventually } from '../support/eventually';
import { InMemoryFeatureStore, InMemoryShardProgress } from '../support/in-memory-feature-store';
import { type StreamAndQueues, startStreamAndQueues } from '../support/stream-and-queues';

const RECEIVED_AT = '2026-11-27T10:00:00.000Z';
const dirs: string[] = [];
const QUEUE = 'ImpressionDeadLetterQueue';
let emulators: StreamAndQueues;
let poller: EventSourceMappingPoller | undefined;

beforeAll(async () => {
  emulators = await startStreamAndQueues({ shardCount: 1, queueIds: [QUEUE] });
}, 120_000);

afterAll(async () => {
  await poller?.stop();
  await emulators?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function impression(recommendationId: string, userId: string): RecommendationImpressionEvent {
  return {
    schemaVersion: 1,
    eventId: recommendationId,
    type: 'recommendation_impression',
    userId,
    recommendationId,
    itemIds: ['item-1', 'item-2'],
    variant: 'control',
    occurredAt: RECEIVED_AT,
    receivedAt: RECEIVED_AT,
  };
}

function deadLetter(event: RecommendationImpressionEvent): ImpressionDeadLetter {
  return {
    reason: IMPRESSION_PUT_FAILED,
    error: 'TimeoutError: Connection timed out after 3000 ms',
    recommendationId: event.recommendationId,
    partitionKey: impressionRecord(event).partitionKey,
    event,
    deadLetteredAt: RECEIVED_AT,
  };
}

it('counts each dead-lettered impression once after the replay, the one the stream already held included', async () => {
  const { kinesis, sqs } = emulators;
  const queueUrl = emulators.queueUrls.get(QUEUE) as string;
  const store = new InMemoryFeatureStore();
  const consumer = new BatchConsumer(
    new FeatureUpdater(
      store,
      {
        limits: DEFAULT_PROFILE_LIMITS,
        itemBucketTtlSeconds: 8 * 24 * 3600,
        concurrency: 2,
        retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
        conflictAttempts: 5,
      },
      new InMemoryShardProgress(),
    ),
    { sendAll: async () => undefined },
    new Logger({ logLevel: 'SILENT' }),
  );
  const applied: CanonicalEvent[] = [];
  const checkpointDir = mkdtempSync(join(tmpdir(), 'impression-replay-'));
  dirs.push(checkpointDir);
  poller = new EventSourceMappingPoller({
    mapping: {
      logicalId: 'ConsumerMapping',
      functionId: 'Consumer',
      streamId: 'Events',
      batchSize: 100,
      maxBatchingWindowSeconds: 0,
      bisectBatchOnError: true,
      maxRetryAttempts: 2,
      maxRecordAgeSeconds: -1,
      parallelizationFactor: 1,
      reportBatchItemFailures: true,
      startingPosition: 'TRIM_HORIZON',
    },
    stream: { logicalId: 'Events', name: 'events', shardCount: 1, retentionHours: 24 },
    kinesis,
    invoke: async (_fn, event) => {
      const result = await consumer.consume(event as KinesisStreamEvent);
      applied.push(...result.appliedEvents);
      return result.response;
    },
    checkpointDir,
    pollIntervalMs: 20,
    retryBaseDelayMs: 1,
  });
  await poller.start();
  const delivered = async () => (poller as EventSourceMappingPoller).snapshot().recordsDelivered;

  // The put of `landed` timed out after the stream stored it; the put of `lost` never arrived. Both are dead letters.
  const landed = impression('rec-landed', 'alice');
  const lost = impression('rec-lost', 'bob');
  const record = impressionRecord(landed);
  await kinesis.send(
    new PutRecordCommand({ StreamName: 'events', PartitionKey: record.partitionKey, Data: record.data }),
  );
  for (const letter of [deadLetter(landed), deadLetter(lost)])
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(letter) }));
  await eventually(delivered, (n) => n === 1); // the impression that reached the stream

  const summary = await replayImpressionDeadLetters({
    queue: new SqsMessageQueue(sqs, queueUrl),
    publisher: new KinesisPublisher({ streamName: 'events', client: kinesis, budgetMs: 30_000 }),
    // An hour after the impressions: within the consumer's 24 h horizon.
    now: () => new Date(Date.parse(RECEIVED_AT) + 3_600_000),
  });
  expect(summary).toMatchObject({ messages: 2, sent: 2, deleted: 2, beyondHorizon: 0, failures: [] });
  expect(await queueDepth(sqs, queueUrl)).toBe(0);
  await eventually(delivered, (n) => n === 3); // and the two replayed

  // Three impression records on the stream, two impressions: each item's row counts two.
  const impressionsOf = (itemId: string) =>
    [...store.items.values()].find((row) => row.itemId === itemId && row.bucket === TOTAL_BUCKET)?.counts
      .impressions;
  expect([impressionsOf('item-1'), impressionsOf('item-2')]).toEqual([2, 2]);
  expect(Object.fromEntries(recommendationCountsByVariant(applied))).toEqual({
    control: { impressions: 2, clicks: 0 },
  });
}, 120_000);
