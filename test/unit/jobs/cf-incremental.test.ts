/**
 * Incremental CF: three nightly windows merged state by state end with exactly the state and the
 * similarities of one full recomputation over the same events, late arrivals included however late:
 * the lake is partitioned by receipt time, so an event is in the partitions of the window it arrived in.
 * Each run reads only those partitions.
 */
import type { CanonicalEvent } from '../../../lambdas/shared/events';
import { writeEventsParquet } from '../../../local/lake/writer';
import { TrafficSimulator } from '../../../local/traffic/simulator';
import { canonical, purchase, readCfState, runCf, tempLake, view, writeEvents } from '../../support/job-lake';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-11-10T00:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
const T1 = iso(T0 + 24 * HOUR);
const T2 = iso(T0 + 48 * HOUR);
const T3 = iso(T0 + 96 * HOUR);
const SETTINGS = { model: 'rp3beta' as const, minSupport: 2, popularItemShare: 0.2 };

/** ~3 days of simulator traffic, each event arriving 2 s after it happened. */
function simulatedEvents(): CanonicalEvent[] {
  const simulator = new TrafficSimulator({
    seed: 5,
    users: 60,
    items: 80,
    categories: 5,
    startTime: T0,
    meanSecondsBetweenEvents: 100,
    addToCartRate: 0.3,
    purchaseRate: 0.5,
  });
  return simulator
    .generate(2500)
    .map((input) =>
      canonical(input as unknown as Record<string, unknown>, iso(Date.parse(input.occurredAt) + 2000)),
    );
}

describe('cf incremental runs', () => {
  const { lakeDir, remove } = tempLake();
  afterAll(remove);
  const events = simulatedEvents();
  // Late arrivals: they happened in the first window's hours but arrive in the third window.
  const late = [
    purchase('late-buyer', ['item-00001', 'item-00002'], {
      at: iso(T0 + 5 * HOUR),
      receivedAt: iso(T0 + 60 * HOUR),
    }),
    purchase('late-buyer-2', ['item-00001', 'item-00002'], {
      at: iso(T0 + 1 * HOUR),
      receivedAt: iso(T0 + 70 * HOUR),
    }),
    view('user-0001', 'item-00003', { at: iso(T0 + 20 * HOUR), receivedAt: iso(T0 + 50 * HOUR) }),
  ];

  beforeAll(async () => {
    const lastOccurred = Math.max(...events.map((e) => Date.parse(e.occurredAt)));
    expect(lastOccurred).toBeGreaterThan(Date.parse(T2) + 12 * HOUR); // the third window has traffic
    expect(lastOccurred).toBeLessThan(Date.parse(T3));
    await writeEvents(lakeDir, [...events, ...late]);
  });

  it('ends with the same state and similarities as a full recomputation', async () => {
    const first = await runCf(lakeDir, { ...SETTINGS, runId: 'r1', windowTo: T1 });
    const second = await runCf(lakeDir, {
      ...SETTINGS,
      runId: 'r2',
      windowFrom: T1,
      previousStateRunId: 'r1',
      windowTo: T2,
    });
    const third = await runCf(lakeDir, {
      ...SETTINGS,
      runId: 'r3',
      windowFrom: T2,
      previousStateRunId: 'r2',
      windowTo: T3,
    });
    const full = await runCf(lakeDir, { ...SETTINGS, runId: 'full', windowTo: T3 });

    // Each incremental run read only its window's arrivals.
    const interactions = (from: number, to: number) =>
      [...events, ...late].filter(
        (e) =>
          Date.parse(e.receivedAt) > from &&
          Date.parse(e.receivedAt) <= to &&
          ['product_view', 'add_to_cart', 'purchase'].includes(e.type),
      ).length;
    expect(first.stats.input_events).toBe(interactions(0, Date.parse(T1)));
    expect(second.stats.input_events).toBe(interactions(Date.parse(T1), Date.parse(T2)));
    expect(third.stats.input_events).toBe(interactions(Date.parse(T2), Date.parse(T3)));
    expect(full.stats.input_events).toBe(interactions(0, Date.parse(T3)));
    expect(first.stats.input_events + second.stats.input_events + third.stats.input_events).toBe(
      full.stats.input_events,
    );

    const incrementalState = await readCfState(lakeDir, 'r3');
    expect(incrementalState.length).toBeGreaterThan(500);
    expect(incrementalState).toEqual(await readCfState(lakeDir, 'full'));
    expect(incrementalState.filter((r) => String(r.user_key).startsWith('late-buyer'))).toHaveLength(4);

    expect(full.similarity.length).toBeGreaterThan(200);
    expect(third.similarity.map(({ score: _s, ...rest }) => rest)).toEqual(
      full.similarity.map(({ score: _s, ...rest }) => rest),
    );
    third.similarity.forEach((row, i) => {
      expect(row.score).toBeCloseTo(full.similarity[i]?.score ?? Number.NaN, 11);
    });
    const {
      window_max_received_ms: _a,
      input_events: _b,
      input_users: _c,
      input_items: _d,
      ...thirdOut
    } = third.stats;
    const {
      window_max_received_ms: _e,
      input_events: _f,
      input_users: _g,
      input_items: _h,
      ...fullOut
    } = full.stats;
    expect(thirdOut).toEqual(fullOut);
  });

  it('counts an event that arrives days after it happened, in the window it arrived in', async () => {
    // Happened a day before T0, arrived in the window (T2, T3]: with event-time partitions an
    // incremental run (which prunes to its window's partitions) never saw it.
    const { lakeDir: dir, remove: removeDir } = tempLake();
    try {
      await writeEvents(dir, [
        purchase('a', ['P', 'Q'], { at: iso(T0 + 30 * HOUR), receivedAt: iso(T0 + 30 * HOUR) }),
        purchase('b', ['P', 'Q'], { at: iso(T0 + 30 * HOUR), receivedAt: iso(T0 + 31 * HOUR) }),
        purchase('c', ['P', 'Q'], { at: iso(T0 - 24 * HOUR), receivedAt: iso(T0 + 60 * HOUR) }),
      ]);
      await runCf(dir, { ...SETTINGS, runId: 'i1', windowTo: T2 });
      const incremental = await runCf(dir, {
        ...SETTINGS,
        runId: 'i2',
        windowFrom: T2,
        previousStateRunId: 'i1',
        windowTo: T3,
      });
      const full = await runCf(dir, { ...SETTINGS, runId: 'f', windowTo: T3 });
      expect(incremental.stats.input_events).toBe(1);
      expect(incremental.stats.state_users).toBe(3);
      expect(full.stats.state_users).toBe(3);
      expect(await readCfState(dir, 'i2')).toEqual(await readCfState(dir, 'f'));
    } finally {
      removeDir();
    }
  });

  it('reads only the receipt-time partitions of its window', async () => {
    const { lakeDir: dir, remove: removeDir } = tempLake();
    try {
      await writeEvents(dir, [
        purchase('a', ['P', 'Q'], { at: iso(T0 + 30 * HOUR) }),
        purchase('b', ['P', 'Q'], { at: iso(T0 + 31 * HOUR) }),
      ]);
      // Received inside the second window, but filed under a partition outside it and outside the retry
      // horizon it reads before it (hour 03 of the day before T0): the incremental run must not read that
      // partition at all, so it does not see the event.
      const misfiled = purchase('c', ['P', 'Q'], { at: iso(T0 + 40 * HOUR) });
      await writeEventsParquet([misfiled], {
        bucket: dir,
        prefixTemplate: 'events/event_type=purchase/dt=2026-11-09/hour=03/',
      });
      await runCf(dir, { ...SETTINGS, runId: 'i1', windowTo: T1 });
      const incremental = await runCf(dir, {
        ...SETTINGS,
        runId: 'i2',
        windowFrom: T1,
        previousStateRunId: 'i1',
        windowTo: T2,
      });
      expect(incremental.stats.input_events).toBe(2);
      // A full recompute reads every partition.
      const full = await runCf(dir, { ...SETTINGS, runId: 'f', windowTo: T2 });
      expect(full.stats.input_events).toBe(3);
    } finally {
      removeDir();
    }
  });
});
