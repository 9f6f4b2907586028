/**
 * Consumer domain throughput, in-process on one core: FeatureUpdater (with the Lambda's default
 * options) over ~100,000 canonical simulator events in batches of 500, against the in-memory feature
 * store of the tests. Events and stream records are prepared before timing; each run starts from an
 * empty store (after a full GC). A shorter warm-up run, then the median of the timed runs.
 *
 * The test store deep-copies (structuredClone) every profile it hands out or stores, like a real
 * store's (de)serialisation; the time spent inside its calls is measured separately, so the report
 * also gives the throughput of the updater's own work (time outside the store; GC caused by the
 * copies still counts against the updater).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { updaterOptionsFromEnv } from '../lambdas/consumer/consumer-config';
import type { FeatureStorePort } from '../lambdas/consumer/feature-store-port';
import { FeatureUpdater } from '../lambdas/consumer/feature-updater';
import { InMemoryFeatureStore } from '../test/support/in-memory-feature-store';
import { table } from './markdown';
import { median, perSecond, round } from './stats';
import type { Benchmark } from './types';
import { canonicalEvents, streamBatches } from './workload';

const EVENTS = 100_000;
const BATCH_SIZE = 500;
const TIMED_RUNS = 3;
const WARM_UP_BATCHES = 40;
const SEED = 42;
const TARGET = 50_000;

export const consumerBenchmark: Benchmark = {
  name: 'consumer',
  title: 'Consumer domain throughput (in-memory store)',
  async run({ log }) {
    const events = canonicalEvents(EVENTS, SEED);
    const batches = streamBatches(events, BATCH_SIZE);
    const options = updaterOptionsFromEnv();
    const noDeadLetter = async () => undefined;

    const once = async (input = batches) => {
      collectGarbage();
      const store = new InMemoryFeatureStore();
      const timed = timedStore(store);
      const updater = new FeatureUpdater(timed.port, options);
      let applied = 0;
      let writes = 0;
      const started = performance.now();
      for (const batch of input) {
        const outcome = await updater.process(batch, noDeadLetter);
        if (outcome.failedFromIndex !== undefined) throw new Error(`batch failed: ${outcome.failureReason}`);
        applied += outcome.applied;
        writes += outcome.profileWrites + outcome.itemWrites;
      }
      const ms = performance.now() - started;
      const expected = input.reduce((sum, batch) => sum + batch.length, 0);
      if (applied !== expected) throw new Error(`applied ${applied} of ${expected} events`);
      return { ms, storeMs: timed.ms(), writes, profiles: store.profiles.size, itemRows: store.items.size };
    };

    log(`consumer: warm-up run over the first ${WARM_UP_BATCHES * BATCH_SIZE} events`);
    await once(batches.slice(0, WARM_UP_BATCHES));
    const runs: Array<Awaited<ReturnType<typeof once>>> = [];
    for (let i = 0; i < TIMED_RUNS; i++) {
      const run = await once();
      log(`consumer: run ${i + 1}: ${Math.round(perSecond(EVENTS, run.ms))} events/s`);
      runs.push(run);
    }
    const rates = runs.map((r) => perSecond(EVENTS, r.ms));
    const eventsPerSecond = round(median(rates), 0);
    const updaterOnly = round(median(runs.map((r) => perSecond(EVENTS, r.ms - r.storeMs))), 0);
    const storeShare = round(median(runs.map((r) => (100 * r.storeMs) / r.ms)), 0);
    const last = runs[runs.length - 1] as (typeof runs)[number];

    const markdown = [
      table(
        [
          'events',
          'batch size',
          'runs',
          'events/s (median)',
          'min–max events/s',
          'store share',
          'events/s outside store',
          'target',
          'met',
        ],
        [
          [
            EVENTS,
            BATCH_SIZE,
            TIMED_RUNS,
            eventsPerSecond,
            `${Math.round(Math.min(...rates)).toLocaleString('en-US')}–${Math.round(Math.max(...rates)).toLocaleString('en-US')}`,
            `${storeShare}%`,
            updaterOnly,
            `≥ ${TARGET.toLocaleString('en-US')}`,
            eventsPerSecond >= TARGET ? 'yes' : 'NO',
          ],
        ],
      ),
      '',
      `Default simulator shape (seed ${SEED}), FeatureUpdater with the Lambda's default options ` +
        `(write concurrency ${options.concurrency}); a warm-up run over ${(WARM_UP_BATCHES * BATCH_SIZE).toLocaleString('en-US')} events, then ${TIMED_RUNS} timed runs, ` +
        `each from an empty InMemoryFeatureStore (${last.profiles.toLocaleString('en-US')} profiles, ` +
        `${last.itemRows.toLocaleString('en-US')} item rows, ${last.writes.toLocaleString('en-US')} writes per run). ` +
        '"store share": time inside the store calls (its structuredClone copies); "outside store": ' +
        'events / (total − store time). The target is checked against the end-to-end figure.',
    ].join('\n');

    return {
      markdown,
      data: {
        events: EVENTS,
        batchSize: BATCH_SIZE,
        seed: SEED,
        trafficShape: 'TrafficSimulator defaults (1000 users, 2000 items, 20 categories)',
        writeConcurrency: options.concurrency,
        timedRuns: runs.map((r) => ({
          ms: round(r.ms, 1),
          storeMs: round(r.storeMs, 1),
          eventsPerSecond: round(perSecond(EVENTS, r.ms), 0),
        })),
        eventsPerSecond,
        storeSharePercent: storeShare,
        eventsPerSecondOutsideStore: updaterOnly,
        target: TARGET,
        targetMet: eventsPerSecond >= TARGET,
        profiles: last.profiles,
        itemRows: last.itemRows,
        writesPerRun: last.writes,
      },
    };
  },
};

/** Delegates to the store, adding up the time spent inside its calls (all synchronous work). */
function timedStore(store: FeatureStorePort): { port: FeatureStorePort; ms: () => number } {
  let spent = 0;
  const time = <R>(call: () => Promise<R>): Promise<R> => {
    const started = performance.now();
    try {
      return call();
    } finally {
      spent += performance.now() - started;
    }
  };
  return {
    port: {
      getProfiles: (ids) => time(() => store.getProfiles(ids)),
      putProfile: (profile, expected) => time(() => store.putProfile(profile, expected)),
      getItemRows: (keys) => time(() => store.getItemRows(keys)),
      applyItemDelta: (update) => time(() => store.applyItemDelta(update)),
    },
    ms: () => spent,
  };
}

let gc: (() => void) | undefined;
/** A full GC between runs, so garbage of one run is not collected during the next. */
function collectGarbage(): void {
  if (!gc) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
}
