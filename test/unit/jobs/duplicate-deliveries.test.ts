/**
 * The batch jobs count each event once, however many copies of it the lake holds. The lake is at-least-once:
 * a client that resends a request (Segment after a 503 or its own timeout) produces a second stream record
 * with the same eventId and a later receivedAt, often in another hour's partition and sometimes in the next
 * run's window; a Firehose retry writes an identical record twice. Every job step (trending and its stats, the
 * cf state, similarities and stats, full and incremental) must give exactly what it gives on the same events
 * delivered once.
 */
import type { CanonicalEvent } from '../../../lambdas/shared/events';
import { TrafficSimulator } from '../../../local/traffic/simulator';
import {
  canonical,
  readCfState,
  runCf,
  runTrending,
  tempLake,
  view,
  writeEvents,
} from '../../support/job-lake';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-11-10T00:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
const T1 = iso(T0 + 24 * HOUR);
const T2 = iso(T0 + 48 * HOUR);
const SETTINGS = { minSupport: 2, popularItemShare: 0.2 };

/** Two days of simulator traffic, each event received 2 s after it happened. */
function simulatedEvents(): CanonicalEvent[] {
  const simulator = new TrafficSimulator({
    seed: 9,
    users: 40,
    items: 50,
    categories: 4,
    startTime: T0,
    meanSecondsBetweenEvents: 120,
    addToCartRate: 0.3,
    purchaseRate: 0.5,
  });
  return simulator
    .generate(1400)
    .map((input) =>
      canonical(input as unknown as Record<string, unknown>, iso(Date.parse(input.occurredAt) + 2000)),
    );
}

/** The same event received again `afterMs` later: what a client's resend becomes in the lake. */
const resent = (event: CanonicalEvent, afterMs: number): CanonicalEvent => ({
  ...event,
  receivedAt: iso(Date.parse(event.receivedAt) + afterMs),
});

describe('the jobs count each event once, whatever the lake holds copies of', () => {
  const once = tempLake();
  const copies = tempLake();
  afterAll(() => {
    once.remove();
    copies.remove();
  });
  const events = simulatedEvents();
  // A view received 1 s before the first window ends, resent 3 s later: into the next window and day.
  const edge = view('edge-user', 'item-00001', {
    at: iso(Date.parse(T1) - 1500),
    receivedAt: iso(Date.parse(T1) - 1000),
  });
  // No occurredAt: each copy's event time is its own receipt time.
  const untimed = canonical(
    { type: 'add_to_cart', eventId: 'untimed', userId: 'edge-user', itemId: 'item-00002', quantity: 1 },
    iso(T0 + 30 * HOUR),
  );
  const unique = [...events, edge, untimed];
  const delivered = [
    ...unique,
    ...events.filter((_, i) => i % 6 === 1).map((e) => resent(e, 3000)),
    ...events.filter((_, i) => i % 25 === 2).map((e) => resent(e, 50 * 60 * 1000)),
    ...events.filter((_, i) => i % 11 === 5),
    resent(edge, 3000),
    { ...resent(untimed, 4000), occurredAt: iso(Date.parse(untimed.receivedAt) + 4000) },
  ];

  beforeAll(async () => {
    expect(delivered.length - unique.length).toBeGreaterThan(300);
    await writeEvents(once.lakeDir, unique);
    await writeEvents(copies.lakeDir, delivered);
  });

  it('trending and its stats', async () => {
    const windows = [
      [T1, 24],
      [iso(Date.parse(T1) + 2 * HOUR), 6],
      [T2, 24],
    ] as const;
    for (const [i, [windowTo, hours]] of windows.entries()) {
      const params = { runId: `t${i}`, windowTo, hours };
      expect(await runTrending(copies.lakeDir, params)).toEqual(await runTrending(once.lakeDir, params));
    }
  });

  it('cf, full recompute: state, similarities and stats', async () => {
    const params = { ...SETTINGS, runId: 'full', windowTo: T2 };
    expect(await runCf(copies.lakeDir, params)).toEqual(await runCf(once.lakeDir, params));
    expect(await readCfState(copies.lakeDir, 'full')).toEqual(await readCfState(once.lakeDir, 'full'));
  });

  it('cf, incremental runs: a resend in the next window is not counted again', async () => {
    const first = { ...SETTINGS, runId: 'i1', windowTo: T1 };
    const second = { ...SETTINGS, runId: 'i2', windowFrom: T1, previousStateRunId: 'i1', windowTo: T2 };
    for (const lake of [once, copies]) {
      await runCf(lake.lakeDir, first);
      await runCf(lake.lakeDir, second);
    }
    for (const runId of ['i1', 'i2'])
      expect(await readCfState(copies.lakeDir, runId)).toEqual(await readCfState(once.lakeDir, runId));
    const stats = async (dir: string) => (await runCf(dir, { ...second, runId: 'i2-again' })).stats;
    expect(await stats(copies.lakeDir)).toEqual(await stats(once.lakeDir));
  });
});
