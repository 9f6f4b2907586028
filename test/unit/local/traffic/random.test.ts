/**
 * The simulator's building blocks: the PRNG is deterministic per seed and uniform enough, weighted sampling
 * follows its weights, the shop's categories are usable, and a generated event has the shape of
 * `sim-events.ts` (the same seed gives the same events).
 */
import { sfc32, WeightedSampler } from '../../../../local/traffic/random';
import { CATEGORY_SPECS, LOCALES, USER_AGENTS } from '../../../../local/traffic/shop';
import type { SimEvent } from '../../../../local/traffic/sim-events';
import { TrafficSimulator } from '../../../../local/traffic/simulator';

it('gives the same sequence for the same seed and another for another seed, in [0, 1)', () => {
  const a = sfc32(7);
  const b = sfc32(7);
  const c = sfc32(8);
  const first = Array.from({ length: 1000 }, () => a());
  expect(Array.from({ length: 1000 }, () => b())).toEqual(first);
  expect(Array.from({ length: 1000 }, () => c())).not.toEqual(first);
  expect(first.every((x) => x >= 0 && x < 1)).toBe(true);
  const mean = first.reduce((s, x) => s + x, 0) / first.length;
  expect(mean).toBeGreaterThan(0.45);
  expect(mean).toBeLessThan(0.55);
});

it('samples in proportion to the weights, never a zero-weight value', () => {
  const sampler = new WeightedSampler(['a', 'b', 'never', 'c'], [1, 2, 0, 7]);
  const random = sfc32(1);
  const counts: Record<string, number> = {};
  for (let i = 0; i < 10_000; i++) {
    const v = sampler.sample(random());
    counts[v] = (counts[v] ?? 0) + 1;
  }
  expect(counts.never).toBeUndefined();
  expect(counts.c / 10_000).toBeCloseTo(0.7, 1);
  expect(counts.a / 10_000).toBeCloseTo(0.1, 1);
  expect(() => new WeightedSampler([], [])).toThrow(/at least one value/);
});

it('has distinct categories with queries, and visitors with locales and browsers', () => {
  expect(new Set(CATEGORY_SPECS.map((c) => c.name)).size).toBe(CATEGORY_SPECS.length);
  expect(CATEGORY_SPECS.every((c) => c.queries.length > 0 && c.medianPrice > 0)).toBe(true);
  expect(LOCALES.length).toBeGreaterThan(0);
  expect(USER_AGENTS.length).toBeGreaterThan(0);
  const events: SimEvent[] = new TrafficSimulator({ seed: 3, users: 5, items: 30, startTime: 0 }).generate(
    20,
  );
  expect(new TrafficSimulator({ seed: 3, users: 5, items: 30, startTime: 0 }).generate(20)).toEqual(events);
});
