/**
 * An impression retried after an ambiguous timeout is counted once. The first PutRecord reaches the stream
 * but its answer never reaches the caller (a request timeout); the SDK's retry middleware sends it again, so
 * the stream holds the record twice with the same eventId (the recommendationId). The consumer skips the
 * second copy as a producer duplicate, whether it arrives in the same batch or a later one: the items'
 * impression counters and the profile count it once.
 *
 * The Kinesis client is the SDK's own, with a request handler that plays the stream (no network) and a retry
 * strategy without backoff (the production client, shared/aws-clients.ts, uses the standard one: 3 attempts).
 */
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { FeatureUpdater } from '../../../lambdas/consumer/feature-updater';
import { TOTAL_BUCKET } from '../../../lambdas/consumer/item-stats';
import { impressionEvent } from '../../../lambdas/recommend/impression';
import { ImpressionPublisher } from '../../../lambdas/recommend/impression-publisher';
import { KinesisImpressionSink } from '../../../lambdas/recommend/kinesis-impression-sink';
import { retryingKinesisClient } from '../../../lambdas/shared/aws-clients';
import { type CanonicalEvent, CanonicalEventSchema } from '../../../lambdas/shared/events';
import { records } from '../../support/events';
import { InMemoryFeatureStore } from '../../support/in-memory-feature-store';
import { manualWait } from '../../support/manual-wait';
import { TEST_UPDATER_OPTIONS } from '../../support/updater-options';

/** A stream that stores every PutRecord it receives and, for the first one, answers with a timeout. */
function ambiguousStream() {
  const stored: CanonicalEvent[] = [];
  let calls = 0;
  const requestHandler = {
    handle: async (request: { body?: unknown }) => {
      calls++;
      const body = request.body;
      const text = typeof body === 'string' ? body : Buffer.from(body as Uint8Array).toString('utf8');
      const input = JSON.parse(text) as { Data: string };
      stored.push(CanonicalEventSchema.parse(JSON.parse(Buffer.from(input.Data, 'base64').toString('utf8'))));
      if (calls === 1)
        throw Object.assign(new Error('Connection timed out after 3000 ms'), { name: 'TimeoutError' });
      return {
        response: {
          statusCode: 200,
          headers: { 'content-type': 'application/x-amz-json-1.1' },
          body: Buffer.from(JSON.stringify({ ShardId: 'shardId-000000000000', SequenceNumber: '2' })),
        },
      };
    },
  };
  return { stored, requestHandler, calls: () => calls };
}

/** The SDK's retry contract (RetryStrategyV2): up to 3 attempts, retries transient errors at once. */
const immediateRetries = {
  acquireInitialRetryToken: async () => ({ getRetryCount: () => 0, getRetryDelay: () => 0 }),
  refreshRetryTokenForRetry: async (token: { getRetryCount(): number }, error: { errorType: string }) => {
    if (error.errorType !== 'TRANSIENT' || token.getRetryCount() >= 2) throw new Error('no retry');
    const count = token.getRetryCount() + 1;
    return { getRetryCount: () => count, getRetryDelay: () => 0 };
  },
  recordSuccess: () => {},
};

async function publishThroughAmbiguousTimeout() {
  const stream = ambiguousStream();
  const client = new KinesisClient({
    region: 'eu-west-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    requestHandler: stream.requestHandler as never,
    retryStrategy: immediateRetries as never,
  });
  const counts: string[] = [];
  const publisher = new ImpressionPublisher({
    sink: new KinesisImpressionSink(client, 'events'),
    deadLetters: {
      sendAll: async () => {
        throw new Error('nothing is dead-lettered here');
      },
    },
    boundMs: 150,
    wait: manualWait().wait, // never elapses: settle returns when the put is done
    count: (name) => counts.push(name),
    log: { warn: () => {}, error: () => {} },
  });
  const event = impressionEvent({
    userId: 'alice',
    recommendationId: '5b0e0c1e-0000-4000-8000-000000000001',
    itemIds: ['A', 'B', 'C'],
    variant: 'control',
    placement: 'for-you',
    at: '2026-11-26T10:00:00.000Z',
  });
  publisher.publish(event);
  expect(await publisher.settle()).toBe(0);
  return { stored: stream.stored, calls: stream.calls(), counts };
}

describe('an impression retried after an ambiguous timeout', () => {
  it('is stored twice on the stream with one eventId, and published once for the caller', async () => {
    const { stored, calls, counts } = await publishThroughAmbiguousTimeout();
    expect(calls).toBe(2);
    expect(stored.map((e) => e.eventId)).toEqual([stored[0]?.eventId, stored[0]?.eventId]);
    expect(counts).toEqual(['ImpressionsPublished']);
  });

  it.each([
    ['in the same batch', (copies: CanonicalEvent[]) => [records(copies, 'shardId-1', 1)]],
    [
      'in a later batch, after other records',
      (copies: CanonicalEvent[]) => [
        records(copies.slice(0, 1), 'shardId-1', 1),
        records(copies.slice(1), 'shardId-1', 9),
      ],
    ],
  ])('counts once on the item rows and the profile, %s', async (_name, batchesOf) => {
    const { stored } = await publishThroughAmbiguousTimeout();
    const store = new InMemoryFeatureStore();
    const updater = new FeatureUpdater(store, TEST_UPDATER_OPTIONS);
    let duplicates = 0;
    for (const batch of batchesOf(stored))
      duplicates += (await updater.process(batch, async () => undefined)).duplicates;
    expect(duplicates).toBe(1);
    for (const item of ['A', 'B', 'C'])
      expect(store.items.get(`${item}\u0000${TOTAL_BUCKET}`)?.counts.impressions).toBe(1);
    expect(store.profiles.get('alice')?.counts.recommendation_impression).toBe(1);
  });
});

it('the production client retries (the SDK standard strategy, 3 attempts)', async () => {
  expect(await retryingKinesisClient().config.maxAttempts()).toBe(3);
});
