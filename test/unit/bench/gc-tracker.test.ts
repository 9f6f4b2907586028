/**
 * The bench's collection report (bench/gc-tracker.ts): which timed calls a collection overlapped, and the
 * latency of the others, from synthetic entries; and that a forced collection is seen at all.
 */
import { gcReport, trackCollections } from '../../../bench/gc-tracker';

it('counts the calls a collection overlapped and summarises the others', () => {
  const calls = [
    { start: 0, end: 1 },
    { start: 1, end: 3 }, // a scavenge at 2.5-2.8
    { start: 3, end: 3.5 },
    { start: 3.5, end: 9 }, // a mark-compact from 3.9
    { start: 10, end: 10.25 }, // touches the end of nothing: the compaction ended at 9.9
  ];
  const report = gcReport(calls, [
    { start: 2.5, durationMs: 0.3, young: true },
    { start: 3.9, durationMs: 6, young: false },
  ]);
  expect(report).toMatchObject({ young: 1, youngMs: 0.3, other: 1, otherMs: 6, callsWithCollection: 2 });
  expect(report.withoutCollection).toMatchObject({ count: 3, max: 1, min: 0.25 });
});

it('sees a collection forced during the tracked span', async () => {
  const gc = (globalThis as { gc?: () => void }).gc;
  const tracker = trackCollections();
  // Without --expose-gc: 2 M small objects (over 64 MB), more than a young generation holds (16 MB at most).
  const keep: number[][] = new Array(64);
  if (gc) gc();
  else for (let i = 0; i < 2_000_000; i++) keep[i % 64] = [i, i + 1];
  const collections = await tracker.stop();
  expect(collections.length).toBeGreaterThan(0);
  expect(collections.every((c) => c.durationMs >= 0 && Number.isFinite(c.start))).toBe(true);
});
