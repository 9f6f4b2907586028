/**
 * Variant assignment: stable per user, independent of call order and container, shares followed within
 * statistical bounds, configuration errors reported with the reason.
 */
import { DEFAULT_WEIGHTS } from '../../../lambdas/recommend/scoring';
import {
  assignVariant,
  bucketOf,
  DEFAULT_VARIANTS,
  parseVariantsConfig,
  type VariantsConfig,
} from '../../../lambdas/recommend/variants';

const config: VariantsConfig = {
  experiment: 'blend-test',
  variants: [
    { name: 'control', share: 0.7 },
    { name: 'recent-heavy', share: 0.2, weights: { recencyHalfLifeHours: 6, events: { add_to_cart: 4 } } },
    { name: 'trending-heavy', share: 0.1, weights: { trending: 2 } },
  ],
};

/** Deterministic user ids (mulberry32, fixed seed), so the statistics are the same on every run. */
function userIds(n: number, seed = 20261126): string[] {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return Array.from({ length: n }, () => `user-${Math.floor(next() * 1e12).toString(36)}`);
}

describe('assignVariant', () => {
  it('gives a user the same variant every time, from a fresh parse of the same JSON too', () => {
    const again = parseVariantsConfig(JSON.stringify(config));
    for (const id of userIds(500)) {
      const first = assignVariant(config, id).name;
      expect(assignVariant(config, id).name).toBe(first);
      expect(assignVariant(again, id).name).toBe(first);
    }
    expect(bucketOf('blend-test', 'alice')).toBe(bucketOf('blend-test', 'alice'));
    expect(bucketOf('blend-test', 'alice')).not.toBe(bucketOf('another-experiment', 'alice'));
  });

  it('follows the configured shares (20,000 users, within 4 standard deviations)', () => {
    const n = 20_000;
    const counts = new Map<string, number>();
    for (const id of userIds(n)) {
      const name = assignVariant(config, id).name;
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    for (const { name, share } of config.variants) {
      const sd = Math.sqrt(n * share * (1 - share));
      expect(Math.abs((counts.get(name) ?? 0) - n * share)).toBeLessThan(4 * sd);
    }
    expect([...counts.keys()].sort()).toEqual(['control', 'recent-heavy', 'trending-heavy']);
  });

  it('merges a variant’s weights over the defaults', () => {
    const user = userIds(2000).find((id) => assignVariant(config, id).name === 'recent-heavy') as string;
    expect(assignVariant(config, user).weights).toEqual({
      ...DEFAULT_WEIGHTS,
      recencyHalfLifeHours: 6,
      events: { ...DEFAULT_WEIGHTS.events, add_to_cart: 4 },
    });
  });
});

describe('parseVariantsConfig', () => {
  it('defaults to one control variant', () => {
    expect(parseVariantsConfig(undefined)).toEqual(DEFAULT_VARIANTS);
    expect(parseVariantsConfig('')).toEqual(DEFAULT_VARIANTS);
    expect(assignVariant(DEFAULT_VARIANTS, 'anyone')).toEqual({ name: 'control', weights: DEFAULT_WEIGHTS });
  });

  it.each([
    ['{', /not valid JSON/],
    [
      JSON.stringify({ experiment: 'e', variants: [{ name: 'a', share: 0.5 }] }),
      /shares must add up to 1, got 0.5/,
    ],
    [
      JSON.stringify({
        experiment: 'e',
        variants: [
          { name: 'a', share: 0.5 },
          { name: 'a', share: 0.5 },
        ],
      }),
      /duplicate variant name 'a'/,
    ],
    [
      JSON.stringify({ experiment: 'e', variants: [{ name: 'a b', share: 1 }] }),
      /variants.0.name: variant name/,
    ],
    [
      JSON.stringify({ experiment: 'e', variants: [{ name: 'a', share: 1, weights: { trendy: 1 } }] }),
      /trendy/,
    ],
  ])('rejects %s', (json, message) => {
    expect(() => parseVariantsConfig(json)).toThrow(message);
  });
});
