/**
 * Records the event source mapping gives up on are re-published by `dlq replay` (same events, each
 * marked with the record it replays) and must then be applied exactly once, whatever the consumer had
 * already done with them: nothing, the profile but not (all) the item rows, or everything. Meanwhile
 * later records keep moving the item rows' watermarks past the given-up ones, so a row cannot tell from
 * its watermark alone whether it saw them: the shard progress (give-up detection) must.
 *
 * Each test compares the store with an independent count of the events: per user and type, per item and
 * counter, all-time and hourly.
 */
import { FeatureUpdater, type StreamRecord } from '../../../lambdas/consumer/feature-updater';
import { ledgerHasEvent } from '../../../lambdas/shared/event-ledger';
import { records, seq } from '../../support/events';
import { InMemoryFeatureStore, InMemoryShardProgress } from '../../support/in-memory-feature-store';
import { expectedCounts, storedCounts } from '../../support/independent-counts';
import { simulatedCanonicalEvents } from '../../support/simulated-events';
import { batchesOf, runMapping } from '../../support/simulated-mapping';
import { TEST_UPDATER_OPTIONS } from '../../support/updater-options';

const SHARD = 'shardId-000000000000';
const OTHER_SHARD = 'shardId-000000000001';
const options = TEST_UPDATER_OPTIONS;

/** Few items, so later records touch the given-up records' item rows again. */
const events = simulatedCanonicalEvents(600, 21, { users: 30, items: 20 });
const stream = records(events, SHARD, 1);

function throttled(): Error {
  return Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), {
    name: 'ProvisionedThroughputExceededException',
  });
}

/** The given-up records as `dlq replay` re-publishes them: new records, each naming its origins. */
function replayed(givenUp: readonly StreamRecord[], shardId: string, firstSeq: number): StreamRecord[] {
  return givenUp.map((r, i) => ({
    index: i,
    shardId,
    sequenceNumber: seq(firstSeq + i),
    origins: [...(r.origins ?? []), { shardId: r.shardId, sequenceNumber: r.sequenceNumber }],
    event: r.event,
  }));
}

/** Throttles the writes of `itemId`'s rows during the attempts of the given batches; for `beforeInvoke`. */
function throttleDuring(store: InMemoryFeatureStore, itemId: string, batchNumbers: readonly number[]) {
  let on = false;
  store.faults = (write) =>
    on && write.kind === 'item' && write.itemId === itemId ? throttled() : undefined;
  return (batch: number) => {
    on = batchNumbers.includes(batch);
  };
}

function setup() {
  const store = new InMemoryFeatureStore();
  const progress = new InMemoryShardProgress();
  return { store, progress, updater: new FeatureUpdater(store, options, progress) };
}

describe('give-up and replay', () => {
  const hotItem = (() => {
    const views = new Map<string, number>();
    for (const e of events)
      if (e.type === 'product_view') views.set(e.itemId, (views.get(e.itemId) ?? 0) + 1);
    return [...views.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] as string;
  })();

  it('applies a batch given up after its profiles were written but before (some of) its item rows were, exactly once', async () => {
    const { store, updater } = setup();
    // The hot item's rows are throttled throughout batch 2's attempts: profiles are written, the
    // hot rows are not, other rows partly are; the mapping gives up on the rest of the batch.
    const givenUp = await runMapping(updater, batchesOf(stream, 100), {
      maxRetries: 2,
      beforeInvoke: throttleDuring(store, hotItem, [2]),
    });
    expect(givenUp.length).toBeGreaterThan(0);
    // The subtle case is there: given-up events whose profile has them (the ledger) but rows do not.
    const inProfile = givenUp.filter((r) =>
      ledgerHasEvent(store.profiles.get(r.event.userId ?? '')?.ledger, r.event.eventId),
    );
    expect(inProfile.length).toBeGreaterThan(0);
    expect(storedCounts(store)).not.toEqual(expectedCounts(events));

    await runMapping(updater, [replayed(givenUp, OTHER_SHARD, 1)], { maxRetries: 2 });
    expect(storedCounts(store)).toEqual(expectedCounts(events));
  });

  it('changes nothing when it replays a batch the consumer had fully applied before the mapping gave up', async () => {
    const { store, updater } = setup();
    // Every attempt of batch 3 writes everything, then the invocation fails (a crash after the writes).
    const givenUp = await runMapping(updater, batchesOf(stream, 100), {
      maxRetries: 2,
      crashAfter: (batch) => batch[0]?.sequenceNumber === seq(301),
    });
    expect(givenUp).toHaveLength(100);
    expect(storedCounts(store)).toEqual(expectedCounts(events));

    await runMapping(updater, [replayed(givenUp, SHARD, 10_001)], { maxRetries: 2 });
    expect(storedCounts(store)).toEqual(expectedCounts(events));
  });

  it('applies the records of several give-ups once, and a second replay of them changes nothing', async () => {
    const { store, updater } = setup();
    const givenUp = await runMapping(updater, batchesOf(stream, 50), {
      maxRetries: 1,
      beforeInvoke: throttleDuring(store, hotItem, [1, 6]),
      crashAfter: (batch) => batch[0]?.sequenceNumber === seq(401),
    });
    await runMapping(updater, batchesOf(replayed(givenUp, OTHER_SHARD, 1), 50), { maxRetries: 1 });
    const once = storedCounts(store);
    expect(once).toEqual(expectedCounts(events));
    // A replay whose ledger was lost sends the same records again, on new records.
    await runMapping(updater, batchesOf(replayed(givenUp, OTHER_SHARD, 5_001), 50), { maxRetries: 1 });
    expect(storedCounts(store)).toEqual(once);
  });

  it('applies a replay given up again, and replayed again, exactly once', async () => {
    const { store, updater } = setup();
    const givenUp = await runMapping(updater, batchesOf(stream, 100), {
      maxRetries: 1,
      beforeInvoke: throttleDuring(store, hotItem, [1]),
    });
    // The replay hits the same throttling: the mapping gives up on part of the replay as well.
    const firstReplay = replayed(givenUp, OTHER_SHARD, 1);
    const givenUpAgain = await runMapping(updater, batchesOf(firstReplay, 40), {
      maxRetries: 1,
      beforeInvoke: throttleDuring(store, hotItem, [0]),
    });
    expect(givenUpAgain.length).toBeGreaterThan(0);
    expect(givenUpAgain[0]?.origins).toHaveLength(1);
    // Traffic on the replay's shard moves its rows on, then the records given up twice are replayed.
    const laterOnOtherShard = records(
      simulatedCanonicalEvents(200, 22, { users: 30, items: 20 }),
      OTHER_SHARD,
      5_001,
    );
    await runMapping(updater, batchesOf(laterOnOtherShard, 100), { maxRetries: 1 });
    await runMapping(updater, [replayed(givenUpAgain, SHARD, 20_001)], { maxRetries: 1 });
    const all = [...events, ...laterOnOtherShard.map((r) => r.event)];
    expect(storedCounts(store)).toEqual(expectedCounts(all));
  });
});
