/** The /local/health document: lag per shard, freshness, errors, DLQ and quarantine counts, lake files, jobs. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeliveryStats } from '../../../../local/lake/delivery';
import { computeHealth, LOCAL_HEALTH_VERSION, runIdTime } from '../../../../local/runtime/health';
import type { PollerStats } from '../../../../local/stream/esm-poller';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'health-'));
  const lake = join(dir, 'lake');
  for (const [path, bytes] of [
    ['events/event_type=product_view/dt=2026-11-26/hour=10/a.parquet', 100],
    ['events/event_type=product_view/dt=2026-11-26/hour=10/b.parquet', 50],
    ['events/event_type=purchase/dt=2026-11-26/hour=11/c.parquet', 25],
    ['events/event_type=purchase/dt=2026-11-26/hour=11/ignored.tmp', 999],
    ['quarantine/dt=2026-11-26/reason=invalid_event/1-a.jsonl', 10],
    ['quarantine/dt=2026-11-26/reason=invalid_event/2-b.jsonl', 10],
    ['quarantine/dt=2026-11-26/reason=poison_record/3-c.jsonl', 5],
  ] as const) {
    const file = join(lake, path);
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, 'x'.repeat(bytes));
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const poller: PollerStats = {
  invocations: 7,
  functionErrors: 1,
  partialFailures: 2,
  retries: 3,
  bisections: 1,
  recordsDelivered: 120,
  recordsSentToOnFailure: 2,
  windowsClosed: 0,
  shards: [
    { shardId: 'shardId-0', millisBehindLatest: 250, recordsRead: 60 },
    { shardId: 'shardId-1', millisBehindLatest: 4_000, recordsRead: 62 },
  ],
};
const delivery = {
  deliveryStream: 'lake',
  bufferSizeMb: 128,
  bufferIntervalSeconds: 10,
  templateBufferIntervalSeconds: 300,
  recordsRead: 120,
  recordsDelivered: 118,
  recordsFailed: 2,
  files: 3,
  errorFiles: 1,
  bytes: 175,
  deliveries: 4,
  errors: 0,
  bufferedRecords: 5,
  bufferedBytes: 900,
  freshnessMs: 7_500,
  shards: [{ shardId: 'shardId-0', millisBehindLatest: 900, recordsRead: 120 }],
} satisfies DeliveryStats;

it('computes the documented shape from the runtime parts', () => {
  const now = Date.parse('2026-11-26T12:00:00Z');
  const health = computeHealth({
    now,
    startedAt: now - 60_000,
    invocations: new Map([['Consumer', 7]]),
    consumers: [{ mapping: 'ConsumerMapping', stats: poller }],
    deliveries: [delivery],
    queues: [
      { queue: 'DeadLetterQueue', messages: 2 },
      { queue: 'Empty', messages: 0 },
    ],
    lakeDir: join(dir, 'lake'),
    canary: { lastRunAt: '2026-11-26T11:59:00.000Z', profileVisibleMs: 812, ok: true },
    jobs: {
      cf: {
        running: false,
        runs: 3,
        published: 2,
        rejected: 1,
        failed: 0,
        activeVersion: '2026-11-26T02-00-00Z-abc',
        lastRun: { status: 'rejected', finishedAt: '2026-11-26T11:00:00.000Z' },
      },
    },
  });
  expect(health).toEqual({
    version: LOCAL_HEALTH_VERSION,
    at: '2026-11-26T12:00:00.000Z',
    uptimeMs: 60_000,
    invocations: { Consumer: 7 },
    consumers: [
      {
        mapping: 'ConsumerMapping',
        maxIteratorAgeMs: 4_000,
        shards: [
          { shardId: 'shardId-0', iteratorAgeMs: 250, recordsRead: 60 },
          { shardId: 'shardId-1', iteratorAgeMs: 4_000, recordsRead: 62 },
        ],
        invocations: 7,
        functionErrors: 1,
        partialFailures: 2,
        retries: 3,
        bisections: 1,
        recordsDelivered: 120,
        recordsSentToOnFailure: 2,
      },
    ],
    lakeDelivery: [
      {
        deliveryStream: 'lake',
        freshnessMs: 7_500,
        bufferIntervalSeconds: 10,
        templateBufferIntervalSeconds: 300,
        maxIteratorAgeMs: 900,
        shards: [{ shardId: 'shardId-0', iteratorAgeMs: 900, recordsRead: 120 }],
        recordsDelivered: 118,
        recordsFailed: 2,
        deliveries: 4,
        errors: 0,
        lastError: undefined,
        lastDeliveryAt: undefined,
        bufferedRecords: 5,
      },
    ],
    deadLetterQueues: [
      { queue: 'DeadLetterQueue', messages: 2 },
      { queue: 'Empty', messages: 0 },
    ],
    quarantine: { files: 3, bytes: 25, byReason: { invalid_event: 2, poison_record: 1 } },
    lake: { files: 3, bytes: 175, partitions: 2 },
    canary: { lastRunAt: '2026-11-26T11:59:00.000Z', profileVisibleMs: 812, ok: true },
    jobs: [
      {
        job: 'cf',
        running: false,
        runs: 3,
        published: 2,
        rejected: 1,
        failed: 0,
        activeVersion: '2026-11-26T02-00-00Z-abc',
        lastStatus: 'rejected',
        lastRunAt: '2026-11-26T11:00:00.000Z',
        lastSuccessAgeMs: 10 * 3_600_000,
      },
    ],
    traffic: undefined,
  });
});

it('reports an empty lake and no queues when the app has none', () => {
  const health = computeHealth({
    startedAt: 0,
    now: 5,
    invocations: new Map(),
    consumers: [],
    deliveries: [],
    queues: [],
  });
  expect([health.lake, health.quarantine, health.jobs, health.deadLetterQueues]).toEqual([
    { files: 0, bytes: 0, partitions: 0 },
    { files: 0, bytes: 0, byReason: {} },
    [],
    [],
  ]);
  expect(runIdTime('not-a-run')).toBeUndefined();
});
