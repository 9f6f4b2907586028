/**
 * Exactly-once in effect: Kinesis and Lambda deliver at least once and a function can die between
 * two writes. Each test compares the store after a disturbed run with the store after one clean
 * pass over the same records; they must be identical.
 */
import type { BatchOutcome } from '../../../lambdas/consumer/batch-outcome';
import {
  FeatureUpdater,
  type PoisonRecord,
  type StreamRecord,
} from '../../../lambdas/consumer/feature-updater';
import { TOTAL_BUCKET } from '../../../lambdas/consumer/item-stats';
import { DEFAULT_PROFILE_LIMITS } from '../../../lambdas/consumer/profile';
import { decodeWatermark } from '../../../lambdas/consumer/sequence';
import { event, records, seq } from '../../support/events';
import { InMemoryFeatureStore, InMemoryShardProgress } from '../../support/in-memory-feature-store';
import { simulatedCanonicalEvents } from '../../support/simulated-events';
import { TEST_UPDATER_OPTIONS } from '../../support/updater-options';

const options = TEST_UPDATER_OPTIONS;

const noDeadLetter = async () => undefined;

async function run(
  store: InMemoryFeatureStore,
  batch: readonly StreamRecord[],
  opts = options,
): Promise<BatchOutcome> {
  return new FeatureUpdater(store, opts).process(batch, noDeadLetter);
}

/** Redelivers from the first failed record, as Lambda does with ReportBatchItemFailures. */
async function runUntilDone(store: InMemoryFeatureStore, batch: readonly StreamRecord[]): Promise<void> {
  let pending = batch;
  for (let attempt = 0; pending.length > 0; attempt++) {
    if (attempt > 10) throw new Error('did not converge');
    const outcome = await run(store, pending);
    const from = outcome.failedFromIndex;
    pending = from === undefined ? [] : pending.filter((r) => r.index >= from);
  }
}

async function cleanState(batch: readonly StreamRecord[]) {
  const store = new InMemoryFeatureStore();
  await run(store, batch);
  return store.snapshot();
}

const batch = records(simulatedCanonicalEvents(400));

describe('FeatureUpdater', () => {
  it('writes each changed profile and item row once per batch', async () => {
    const store = new InMemoryFeatureStore();
    const outcome = await run(store, batch);
    expect(outcome.applied).toBe(batch.length);
    expect(outcome.profileWrites).toBe(store.profiles.size);
    expect(outcome.itemWrites).toBe(store.items.size);
    expect(outcome.profileWrites + outcome.itemWrites).toBeLessThan(batch.length);
  });

  it('counts item statistics exactly as computed independently from the events', async () => {
    const store = new InMemoryFeatureStore();
    await run(store, batch);
    const views = new Map<string, number>();
    for (const { event: e } of batch)
      if (e.type === 'product_view') views.set(e.itemId, (views.get(e.itemId) ?? 0) + 1);
    for (const [itemId, count] of views) {
      expect(store.items.get(`${itemId}\u0000${TOTAL_BUCKET}`)?.counts.views).toBe(count);
    }
  });

  it('leaves the state unchanged when the same batch is delivered twice', async () => {
    const store = new InMemoryFeatureStore();
    await run(store, batch);
    const once = store.snapshot();
    const second = await run(store, batch);
    expect(second.replays).toBe(batch.length);
    expect(second.profileWrites + second.itemWrites).toBe(0);
    expect(store.snapshot()).toEqual(once);
  });

  it('ends in the clean state after a crash at any point between writes and a full retry', async () => {
    const clean = await cleanState(batch);
    const probe = new InMemoryFeatureStore();
    await run(probe, batch);
    const totalWrites = probe.writes;
    for (const crashAfter of [
      0,
      1,
      Math.floor(totalWrites / 3),
      Math.floor(totalWrites / 2),
      totalWrites - 1,
    ]) {
      const store = new InMemoryFeatureStore();
      store.writeBudget = crashAfter;
      const crashed = await run(store, batch);
      expect(crashed.failedFromIndex).toBeDefined();
      store.writeBudget = Number.POSITIVE_INFINITY;
      await run(store, batch); // Lambda retries the whole batch after a crash
      expect(store.snapshot()).toEqual(clean);
    }
  });

  it('ends in the clean state after a crash at any write of a batch with producer duplicates, progress recorded', async () => {
    // The batch resends 100 of its own events later on (new records, same eventIds).
    const events = simulatedCanonicalEvents(300, 5);
    const withResends = records([...events, ...structuredClone(events.slice(50, 150))]);
    const progressOf = () => new InMemoryShardProgress();
    const clean = new InMemoryFeatureStore();
    await new FeatureUpdater(clean, options, progressOf()).process(withResends, noDeadLetter);
    expect(clean.profiles.size).toBeGreaterThan(0);
    const totalWrites = clean.writes;
    for (const crashAfter of [0, 1, 7, Math.floor(totalWrites / 2), totalWrites - 1]) {
      const store = new InMemoryFeatureStore();
      const progress = progressOf();
      store.writeBudget = crashAfter;
      const crashed = await new FeatureUpdater(store, options, progress).process(withResends, noDeadLetter);
      expect(crashed.failedFromIndex).toBeDefined();
      store.writeBudget = Number.POSITIVE_INFINITY;
      await new FeatureUpdater(store, options, progress).process(withResends, noDeadLetter);
      expect(store.snapshot()).toEqual(clean.snapshot());
    }
  });

  it('writes nothing when it cannot record the shard progress first, and converges once it can', async () => {
    const store = new InMemoryFeatureStore();
    const progress = new InMemoryShardProgress();
    progress.failWrites = true;
    const refused = await new FeatureUpdater(store, options, progress).process(batch, noDeadLetter);
    expect(refused.failedFromIndex).toBe(0);
    expect(store.writes).toBe(0);
    progress.failWrites = false;
    const done = await new FeatureUpdater(store, options, progress).process(batch, noDeadLetter);
    expect(done.failedFromIndex).toBeUndefined();
    expect(done.progressWrites).toBe(2);
    expect(store.snapshot()).toEqual(await cleanState(batch));
  });

  it('ends in the clean state when only the records from the first failure on are redelivered', async () => {
    const clean = await cleanState(batch);
    const store = new InMemoryFeatureStore();
    store.writeBudget = 25;
    const outcome = await run(store, batch);
    const from = outcome.failedFromIndex as number;
    store.writeBudget = Number.POSITIVE_INFINITY;
    await run(
      store,
      batch.filter((r) => r.index >= from),
    );
    expect(store.snapshot()).toEqual(clean);
  });

  it('skips producer duplicates (same eventId in a new record), within and across batches', async () => {
    const original = event({ type: 'product_view', userId: 'u1', itemId: 'a', category: 'c' });
    const store = new InMemoryFeatureStore();
    const first = await run(store, records([original, { ...original }], 'shardId-1', 1));
    expect(first.duplicates).toBe(1);
    const later = await run(store, records([{ ...original }], 'shardId-1', 10));
    expect(later.duplicates).toBe(1);
    expect(store.profiles.get('u1')?.counts.product_view).toBe(1);
    expect(store.items.get(`a\u0000${TOTAL_BUCKET}`)?.counts.views).toBe(1);
  });

  it('applies a resent 500-event batch of one user once, after other records (a producer retry after a 503)', async () => {
    const shard = 'shardId-000000000000';
    const original = Array.from({ length: 500 }, (_, i) =>
      event({ type: 'product_view', userId: 'bulk', itemId: `i${i % 50}`, category: 'c' }),
    );
    const others = simulatedCanonicalEvents(200, 11);
    const store = new InMemoryFeatureStore();
    await run(store, records(original, shard, 1));
    await run(store, records(others, shard, 501));
    // The client resends the whole batch: same eventIds, new records further down the stream.
    const resent = await run(store, records(structuredClone(original), shard, 701));
    expect(resent.duplicates).toBe(500);
    expect(resent.applied).toBe(0);
    expect(store.profiles.get('bulk')?.counts.product_view).toBe(500);
    const viewsOfBulkItems = Array.from(
      { length: 50 },
      (_, i) => store.items.get(`i${i}\u0000${TOTAL_BUCKET}`)?.counts.views,
    );
    expect(viewsOfBulkItems).toEqual(Array.from({ length: 50 }, () => 10));
  });

  it('retries through throttling and ends in the clean state', async () => {
    const clean = await cleanState(batch);
    const store = new InMemoryFeatureStore();
    store.throttleNext = 5;
    const outcome = await run(store, batch, {
      ...options,
      retry: { attempts: 8, baseDelayMs: 1, maxDelayMs: 2 },
    });
    expect(outcome.retries).toBe(5);
    expect(outcome.failedFromIndex).toBeUndefined();
    expect(store.snapshot()).toEqual(clean);
  });

  it('reports the first affected record when throttling outlasts the retries, and converges on redelivery', async () => {
    const clean = await cleanState(batch);
    const store = new InMemoryFeatureStore();
    store.writeBudget = 10;
    store.failure = () =>
      Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' });
    const outcome = await run(store, batch);
    expect(outcome.failedFromIndex).toBeGreaterThanOrEqual(0);
    store.writeBudget = Number.POSITIVE_INFINITY;
    await runUntilDone(
      store,
      batch.filter((r) => r.index >= (outcome.failedFromIndex as number)),
    );
    expect(store.snapshot()).toEqual(clean);
  });

  it('dead-letters a record that makes the domain code throw, before writing, and processes the rest', async () => {
    const good = event({ type: 'product_view', userId: 'u1', itemId: 'a' });
    const bad = { ...event({ type: 'product_view', userId: 'u1', itemId: 'b' }), occurredAt: 'not a time' };
    const store = new InMemoryFeatureStore();
    const dead: PoisonRecord[] = [];
    const outcome = await new FeatureUpdater(store, options).process(
      records([good, bad, { ...good, eventId: 'x' }]),
      async (p) => {
        expect(store.writes).toBe(0);
        dead.push(...p);
      },
    );
    expect(dead).toEqual([
      expect.objectContaining({
        index: 1,
        sequenceNumber: seq(2),
        reason: expect.stringContaining('occurredAt'),
      }),
    ]);
    expect(outcome.applied).toBe(2);
    expect(store.profiles.get('u1')?.counts.product_view).toBe(2);
    // Replaying the batch neither dead-letters nor counts the poison record again.
    dead.length = 0;
    await new FeatureUpdater(store, options).process(records([good, bad]), async (p) => {
      dead.push(...p);
    });
    expect(dead).toEqual([]);
    expect(store.items.get(`b\u0000${TOTAL_BUCKET}`)).toBeUndefined();
  });

  it('expires a profile a TTL after the server receivedAt of its last event, not the client event time', async () => {
    const store = new InMemoryFeatureStore();
    const old = {
      ...event({ type: 'product_view', userId: 'u1', itemId: 'a', occurredAt: '2019-01-01T00:00:00.000Z' }),
      receivedAt: '2026-11-26T12:00:00.000Z',
    };
    await run(store, records([old]));
    expect(store.profiles.get('u1')?.expiresAt).toBe(
      Date.parse('2026-11-26T12:00:00Z') / 1000 + DEFAULT_PROFILE_LIMITS.ttlSeconds,
    );
  });

  it('drops the watermarks of shards whose records are past the retention, on profiles and item rows', async () => {
    const store = new InMemoryFeatureStore();
    const day = 24 * 3600;
    const at = (days: number) => Date.UTC(2026, 10, 1) / 1000 + days * day;
    const view = (n: number) => event({ type: 'product_view', userId: 'u1', itemId: 'a', eventId: `v${n}` });
    const on = (shardId: string, n: number, arrivedAt: number) =>
      records([view(n)], shardId, n).map((r) => ({ ...r, arrivedAt }));
    const opts = { ...options, watermarkRetentionSeconds: 2 * day };
    await run(store, on('shardId-000000000001', 1, at(0)), opts); // closed long ago
    await run(store, on('shardId-000000000002', 2, at(2)), opts); // still within the retention
    await run(store, on('shardId-000000000003', 3, at(3)), opts);
    const profileShards = Object.keys(store.profiles.get('u1')?.hwm ?? {}).sort();
    const rowShards = Object.keys(store.items.get(`a\u0000${TOTAL_BUCKET}`)?.hwm ?? {}).sort();
    expect(profileShards).toEqual(['shardId-000000000002', 'shardId-000000000003']);
    expect(rowShards).toEqual(['shardId-000000000002', 'shardId-000000000003']);
    expect(decodeWatermark(store.profiles.get('u1')?.hwm['shardId-000000000003'])).toEqual({
      sequence: seq(3),
      at: at(3),
    });
    // Watermarks written before they carried a time, and those of records that were never on a stream
    // (a backfill source, which can be fed again), are never dropped.
    store.profiles.set('u1', {
      ...(store.profiles.get('u1') as NonNullable<ReturnType<typeof store.profiles.get>>),
      hwm: { legacy: seq(1) },
    });
    await run(store, records([view(5)], 'backfill-0123456789ab', 5), opts);
    expect(store.profiles.get('u1')?.hwm['backfill-0123456789ab']).toBe(seq(5));
    await run(store, on('shardId-000000000004', 4, at(30)), opts);
    expect(Object.keys(store.profiles.get('u1')?.hwm ?? {}).sort()).toEqual([
      'backfill-0123456789ab',
      'legacy',
      'shardId-000000000004',
    ]);
  });

  it('puts events in the hourly bucket of their event time, not arrival order', async () => {
    const store = new InMemoryFeatureStore();
    await run(
      store,
      records([
        event({ type: 'product_view', userId: 'u1', itemId: 'a', occurredAt: '2026-11-26T11:59:00.000Z' }),
        event({ type: 'product_view', userId: 'u2', itemId: 'a', occurredAt: '2026-11-26T09:05:00.000Z' }),
      ]),
    );
    expect(store.items.get('a\u0000H#2026-11-26T11')?.counts.views).toBe(1);
    expect(store.items.get('a\u0000H#2026-11-26T09')?.counts.views).toBe(1);
    expect(store.items.get('a\u0000H#2026-11-26T09')?.expiresAt).toBe(
      Date.parse('2026-11-26T09:00:00Z') / 1000 + 8 * 24 * 3600,
    );
  });
});
