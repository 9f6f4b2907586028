/**
 * Give-up and replay end to end: events on the local Kinesis (kinesalite, or the emulator the mode names),
 * the local event source mapping (local/esm-poller.ts) invoking the real consumer (BatchConsumer +
 * FeatureUpdater, over the in-memory store with give-up detection), a feature-store fault that outlasts the
 * mapping's retries so it gives batches up to the S3 destination (PutObject to the local S3 endpoint) (and, so the SQS path is checked on
 * the mode's SQS too, their invocation records to an SQS queue, counted as the DLQ alarm and /local/health
 * count them), later traffic that moves the item rows on, and then `dlq replay` re-publishing those batches
 * to the same stream. Afterwards every event is
 * applied exactly once: profile counts and item counters equal a count made straight from the events; and a
 * second replay sends nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { KinesisStreamEvent } from 'aws-lambda';
import { BatchConsumer } from '../../lambdas/consumer/batch-consumer';
import { FeatureUpdater } from '../../lambdas/consumer/feature-updater';
import { DEFAULT_PROFILE_LIMITS } from '../../lambdas/consumer/profile';
import { KinesisPublisher } from '../../lambdas/ingest/kinesis-publisher';
import { partitionKeyFor } from '../../lambdas/ingest/partition';
import type { CanonicalEvent } from '../../lambdas/shared/events';
import { localS3Client, queueDepth, startS3Directory } from '../../local/emulators';
import { countUnreplayedBatches } from '../../local/runtime/health';
import { EventSourceMappingPoller } from '../../local/stream/esm-poller';
import { replayFailedBatches } from '../../local/tools/dlq-replay';
import { FileReplayStore } from '../../local/tools/replay-store';
import { consumerMapping } from '../support/consumer-mapping';
import { InMemoryFeatureStore, InMemoryShardProgress } from '../support/in-memory-feature-store';
import { expectedCounts, storedCounts } from '../support/independent-counts';
import { receiveJsonMessages } from '../support/queue-messages';
import { simulatedCanonicalEvents } from '../support/simulated-events';
import { type StreamAndQueues, startStreamAndQueues } from '../support/stream-and-queues';

const dirs: string[] = [];
const onFailureQueue = { logicalId: 'ConsumerOnFailure', url: '' };
let emulators: StreamAndQueues;
let kinesis: KinesisClient;
let sqs: SQSClient;
let poller: EventSourceMappingPoller | undefined;
let stopS3: (() => Promise<void>) | undefined;

beforeAll(async () => {
  emulators = await startStreamAndQueues({ shardCount: 2, queueIds: [onFailureQueue.logicalId] });
  ({ kinesis, sqs } = emulators);
  onFailureQueue.url = emulators.queueUrls.get(onFailureQueue.logicalId) as string;
});

afterAll(async () => {
  await poller?.stop();
  await stopS3?.();
  await emulators?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dlq-e2e-'));
  dirs.push(dir);
  return dir;
}

async function eventually(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

it('applies every event exactly once after the mapping gave batches up and dlq replay re-published them', async () => {
  const publisher = new KinesisPublisher({ streamName: 'events', client: kinesis, budgetMs: 30_000 });
  const send = async (events: readonly CanonicalEvent[]) => {
    const result = await publisher.publish(
      events.map((e) => ({
        id: e.eventId,
        partitionKey: partitionKeyFor(e),
        data: Buffer.from(JSON.stringify(e)),
      })),
    );
    expect(result.failed).toEqual([]);
  };
  // Few items, so later traffic touches the rows of the given-up records again.
  const events = simulatedCanonicalEvents(800, 33, { users: 40, items: 20 });
  const [before, after] = [events.slice(0, 400), events.slice(400)];
  const views = new Map<string, number>();
  for (const e of before) if (e.type === 'product_view') views.set(e.itemId, (views.get(e.itemId) ?? 0) + 1);
  const hotItem = [...views.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];

  const store = new InMemoryFeatureStore();
  let throttling = true;
  store.faults = (w) =>
    throttling && w.kind === 'item' && w.itemId === hotItem
      ? Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' })
      : undefined;
  const consumer = new BatchConsumer(
    new FeatureUpdater(
      store,
      {
        limits: DEFAULT_PROFILE_LIMITS,
        itemBucketTtlSeconds: 8 * 24 * 3600,
        concurrency: 4,
        retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
        conflictAttempts: 5,
      },
      new InMemoryShardProgress(),
    ),
    { sendAll: async () => undefined },
    new Logger({ logLevel: 'SILENT' }),
  );
  // The S3 destination: PutObject to the local S3 endpoint, whose folder `dlq replay --local` reads.
  const s3Root = tempDir();
  const s3Endpoint = await startS3Directory({ rootDir: s3Root });
  stopS3 = () => s3Endpoint.stop();
  const s3 = localS3Client(s3Endpoint.endpoint);
  await s3.send(new CreateBucketCommand({ Bucket: 'failed-batches' }));
  const bucketDir = join(s3Root, 'failed-batches');
  poller = new EventSourceMappingPoller({
    mapping: consumerMapping(),
    stream: { logicalId: 'Events', name: 'events', shardCount: 2, retentionHours: 24 },
    kinesis,
    invoke: async (_fn, event) => (await consumer.consume(event as KinesisStreamEvent)).response,
    checkpointDir: tempDir(),
    onFailureBucket: { bucket: 'failed-batches', s3 },
    onFailureQueue: { queue: onFailureQueue, sqs },
    pollIntervalMs: 20,
    retryBaseDelayMs: 1,
  });
  await poller.start();
  const handled = () => {
    const s = (poller as EventSourceMappingPoller).snapshot();
    return s.recordsDelivered + s.recordsSentToOnFailure;
  };

  // 1. The hot item's rows are throttled longer than the mapping retries: it gives batches up.
  await send(before);
  await eventually(() => handled() === before.length, 'the first events to be delivered or given up');
  const givenUp = poller.snapshot().recordsSentToOnFailure;
  expect(givenUp).toBeGreaterThan(0);
  const failedBatches = countUnreplayedBatches(bucketDir);
  expect(failedBatches).toBeGreaterThan(0);
  // The SQS destination got one invocation record per given-up batch, covering the same records.
  expect(await queueDepth(sqs, onFailureQueue.url)).toBe(failedBatches);
  const records = await receiveJsonMessages(sqs, onFailureQueue.url);
  expect(records).toHaveLength(failedBatches);
  const batchSizes = records.map((r) => (r.KinesisBatchInfo as { batchSize?: unknown }).batchSize);
  expect(batchSizes.reduce((sum: number, n) => sum + Number(n), 0)).toBe(givenUp);

  // 2. DynamoDB recovers; more traffic moves the item rows on past the given-up records.
  throttling = false;
  await send(after);
  await eventually(() => handled() === events.length, 'the later events to be delivered');
  expect(storedCounts(store)).not.toEqual(expectedCounts(events));

  // 3. The operator replays the failed batches: everything is applied exactly once.
  const store3 = new FileReplayStore(bucketDir);
  // The simulated events were received on 2026-11-27; the replay runs an hour later, within the horizon.
  const now = () => new Date(Date.UTC(2026, 10, 27, 1));
  const summary = await replayFailedBatches({ store: store3, publisher, now });
  expect(summary).toMatchObject({ records: givenUp, replayed: givenUp, failures: [] });
  await eventually(() => handled() === events.length + givenUp, 'the replayed records to be delivered');
  expect(storedCounts(store)).toEqual(expectedCounts(events));
  expect(countUnreplayedBatches(bucketDir)).toBe(0);

  // 4. A second replay sends nothing.
  const again = await replayFailedBatches({ store: store3, publisher, now });
  expect(again).toMatchObject({ replayed: 0, alreadyReplayed: givenUp });
}, 120_000);
