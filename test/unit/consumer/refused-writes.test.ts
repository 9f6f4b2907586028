/**
 * A write DynamoDB refuses for good (ValidationException: an item over 400 KB, a key too long) must not
 * stall the shard in retries: the records concerned are dead-lettered with the reason, like poison, and
 * the rest of the batch is applied. The store adapter turns the exception into InvalidWriteError (its
 * own tests); here the updater's answer to it.
 */

import { InvalidWriteError } from '../../../lambdas/consumer/feature-store-port';
import { FeatureUpdater, type PoisonRecord } from '../../../lambdas/consumer/feature-updater';
import { TOTAL_BUCKET } from '../../../lambdas/consumer/item-stats';
import { event, records } from '../../support/events';
import { InMemoryFeatureStore } from '../../support/in-memory-feature-store';
import { TEST_UPDATER_OPTIONS } from '../../support/updater-options';

// Retries allowed: a refused write must still be tried only once.
const options = { ...TEST_UPDATER_OPTIONS, retry: { attempts: 5, baseDelayMs: 0, maxDelayMs: 0 } };
const tooLarge = () => new InvalidWriteError('Item size has exceeded the maximum allowed size');

const batch = records([
  event({ type: 'product_view', userId: 'big', itemId: 'a' }),
  event({ type: 'product_view', userId: 'ok', itemId: 'a' }),
  event({ type: 'add_to_cart', userId: 'big', itemId: 'b', quantity: 1 }),
  event({ type: 'product_view', userId: 'ok', itemId: 'b' }),
]);

async function run(store: InMemoryFeatureStore, records = batch) {
  const dead: PoisonRecord[] = [];
  const outcome = await new FeatureUpdater(store, options).process(records, async (p) => {
    dead.push(...p);
  });
  return { outcome, dead };
}

describe('writes the feature store refuses', () => {
  it('dead-letters the records of a refused profile with the reason, once, and applies the rest', async () => {
    const store = new InMemoryFeatureStore();
    let refusals = 0;
    store.faults = (w) => {
      // Refused with the batch's events; accepted without them (the profile is then only marked).
      if (w.kind !== 'profile' || w.userId !== 'big' || refusals > 0) return undefined;
      refusals++;
      return tooLarge();
    };
    const { outcome, dead } = await run(store);
    expect(outcome.failedFromIndex).toBeUndefined();
    expect(dead.map((p) => p.index)).toEqual([0, 2]);
    expect(dead[0]?.reason).toMatch(/profile big refused by the feature store: Item size has exceeded/);
    expect(store.profiles.get('big')?.counts).toEqual({});
    expect(store.profiles.get('ok')?.counts.product_view).toBe(2);
    // Item rows count only the records that were applied.
    expect(store.items.get(`a\u0000${TOTAL_BUCKET}`)?.counts).toEqual({ views: 1 });
    expect(store.items.get(`b\u0000${TOTAL_BUCKET}`)?.counts).toEqual({ views: 1 });
    // A redelivery of the batch neither dead-letters nor counts them again.
    const again = await run(store);
    expect(again.dead).toEqual([]);
    expect(store.items.get(`b\u0000${TOTAL_BUCKET}`)?.counts).toEqual({ views: 1 });
  });

  it('dead-letters without writing when even the profile without them is refused', async () => {
    const store = new InMemoryFeatureStore();
    store.faults = (w) => (w.kind === 'profile' && w.userId === 'big' ? tooLarge() : undefined);
    const { outcome, dead } = await run(store);
    expect(outcome.failedFromIndex).toBeUndefined();
    expect(dead.map((p) => p.index)).toEqual([0, 2]);
    expect(store.profiles.has('big')).toBe(false);
    expect(store.profiles.get('ok')?.counts.product_view).toBe(2);
  });

  it('dead-letters the records of a refused item row and applies every other row', async () => {
    const store = new InMemoryFeatureStore();
    store.faults = (w) =>
      w.kind === 'item' && w.itemId === 'b' && w.bucket === TOTAL_BUCKET ? tooLarge() : undefined;
    const { outcome, dead } = await run(store);
    expect(outcome.failedFromIndex).toBeUndefined();
    expect(dead.map((p) => p.index)).toEqual([2, 3]);
    expect(dead[0]?.reason).toMatch(/item statistics not updated: row b TOTAL refused by the feature store/);
    expect(store.items.get(`a\u0000${TOTAL_BUCKET}`)?.counts).toEqual({ views: 2 });
    expect(store.profiles.get('big')?.counts).toEqual({ product_view: 1, add_to_cart: 1 });
  });

  it('keeps retrying (and reports a failure) when the error is not a refusal', async () => {
    const store = new InMemoryFeatureStore();
    store.faults = (w) =>
      w.kind === 'profile' && w.userId === 'big'
        ? Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' })
        : undefined;
    const { outcome, dead } = await run(store);
    expect(outcome.failedFromIndex).toBe(0);
    expect(outcome.retries).toBeGreaterThanOrEqual(4);
    expect(dead).toEqual([]);
  });
});
