/**
 * Item statistics in a tumbling window (item-window.ts): batches of one shard add to the window state,
 * which goes through JSON as Lambda keeps it between invocations, and the window's rows are written once
 * when it closes. The item rows must end up exactly as with one write per batch, with fewer writes, and
 * a retried or crashed flush must not count anything twice.
 */
import { FeatureUpdater, type StreamRecord } from '../../../lambdas/consumer/feature-updater';
import { ItemWindow, ItemWindowStateSchema } from '../../../lambdas/consumer/item-window';
import { event, records } from '../../support/events';
import {
  CrashError,
  InMemoryFeatureStore,
  InMemoryShardProgress,
} from '../../support/in-memory-feature-store';
import { simulatedCanonicalEvents } from '../../support/simulated-events';
import { TEST_UPDATER_OPTIONS } from '../../support/updater-options';

const SHARD = 'shardId-000000000000';
const noDeadLetter = async () => undefined;

function batchesOf(all: readonly StreamRecord[], size: number): StreamRecord[][] {
  const out: StreamRecord[][] = [];
  for (let start = 0; start < all.length; start += size)
    out.push(all.slice(start, start + size).map((r, index) => ({ ...r, index })));
  return out;
}

/** Runs the batches through one window, the state going through JSON between invocations as in Lambda. */
async function throughWindow(updater: FeatureUpdater, batches: readonly StreamRecord[][]) {
  let state: unknown = {};
  let itemWrites = 0;
  for (const batch of batches) {
    const window = ItemWindow.fromState(SHARD, state);
    const outcome = await updater.process(batch, noDeadLetter, window);
    expect(outcome.failedFromIndex).toBeUndefined();
    itemWrites += outcome.itemWrites;
    state = JSON.parse(JSON.stringify(window.toState()));
  }
  return { state, itemWrites };
}

const all = records(simulatedCanonicalEvents(1200));
const batches = batchesOf(all, 200);

describe('ItemWindow', () => {
  it('writes nothing until the window closes, then each row once, with the per-batch result', async () => {
    const perBatch = new InMemoryFeatureStore();
    let perBatchItemWrites = 0;
    for (const batch of batches)
      perBatchItemWrites += (
        await new FeatureUpdater(perBatch, TEST_UPDATER_OPTIONS).process(batch, noDeadLetter)
      ).itemWrites;

    const store = new InMemoryFeatureStore();
    const updater = new FeatureUpdater(store, TEST_UPDATER_OPTIONS, new InMemoryShardProgress());
    const { state, itemWrites } = await throughWindow(updater, batches);
    expect(itemWrites).toBe(0);
    expect(store.items.size).toBe(0);
    expect(ItemWindowStateSchema.safeParse(state).success).toBe(true);

    const flushed = await updater.flushWindow(ItemWindow.fromState(SHARD, state));
    expect(flushed.itemWrites).toBe(store.items.size);
    expect(flushed.itemWrites).toBeLessThan(perBatchItemWrites);
    expect(store.snapshot().items).toEqual(perBatch.snapshot().items);
    expect(store.snapshot().profiles).toEqual(perBatch.snapshot().profiles);
  });

  it('applies a window once when its final invocation is retried, also after a crash mid-flush', async () => {
    const clean = new InMemoryFeatureStore();
    const cleanUpdater = new FeatureUpdater(clean, TEST_UPDATER_OPTIONS);
    await cleanUpdater.flushWindow(
      ItemWindow.fromState(SHARD, (await throughWindow(cleanUpdater, batches)).state),
    );

    const store = new InMemoryFeatureStore();
    const updater = new FeatureUpdater(store, TEST_UPDATER_OPTIONS);
    const { state } = await throughWindow(updater, batches);
    store.writeBudget = store.writes + 25;
    await expect(updater.flushWindow(ItemWindow.fromState(SHARD, state))).rejects.toBeInstanceOf(CrashError);
    store.writeBudget = Number.POSITIVE_INFINITY;
    const retried = await updater.flushWindow(ItemWindow.fromState(SHARD, state));
    expect(retried.itemWrites).toBe(store.items.size - 25);
    const again = await updater.flushWindow(ItemWindow.fromState(SHARD, state));
    expect(again.itemWrites).toBe(0);
    expect(store.snapshot()).toEqual(clean.snapshot());
  });

  it('counts a producer duplicate in a later batch of the window once', async () => {
    const view = event({ type: 'product_view', userId: 'u1', itemId: 'a', eventId: 'dup-1' });
    const store = new InMemoryFeatureStore();
    const updater = new FeatureUpdater(store, TEST_UPDATER_OPTIONS);
    const first = records([view], SHARD, 1);
    const resent = records([view], SHARD, 2);
    const { state } = await throughWindow(updater, [first, resent]);
    await updater.flushWindow(ItemWindow.fromState(SHARD, state));
    expect(store.items.get('a\u0000TOTAL')?.counts).toEqual({ views: 1 });
  });

  it('refuses the state of another shard', () => {
    const window = ItemWindow.fromState(SHARD, {});
    window.add(records([event({ type: 'product_view', userId: 'u1', itemId: 'a' })], SHARD));
    expect(() => ItemWindow.fromState('shardId-000000000001', window.toState())).toThrow(/window state of/);
  });
});
