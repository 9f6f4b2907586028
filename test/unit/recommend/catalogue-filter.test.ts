/**
 * The catalogue step of every answer (lambdas/recommend/catalogue-filter.ts) on the pure scoring: for each
 * placement, an item marked out_of_stock or discontinued never comes back, its place is filled by the next
 * candidate, a ranking with nothing unavailable is returned unchanged, and titles and prices decorate the
 * items. Also for similar items and trending lists.
 */

import {
  availableItems,
  MAX_RANKING_ROUNDS,
  rankAvailable,
  withHidden,
} from '../../../lambdas/recommend/catalogue-filter';
import {
  DEFAULT_WEIGHTS,
  PLACEMENTS,
  type Placement,
  type ProfileView,
  type Recommendation,
  recommend,
  type ScoringInput,
  similarItems,
  trendingItems,
} from '../../../lambdas/recommend/scoring';
import type { CatalogueEntry } from '../../../lambdas/shared/catalogue';

const NOW = Date.parse('2026-12-01T08:00:00.000Z');
const at = (hours: number) => new Date(NOW - hours * 3_600_000).toISOString();

/** Bought B1 and B2 twice each, viewed and carted a few items: every placement has several candidates. */
const dana: ProfileView = {
  userId: 'dana',
  recent: [
    { type: 'product_view', itemId: 'V1', category: 'shoes', at: at(1) },
    { type: 'product_view', itemId: 'V2', category: 'shoes', at: at(2) },
    { type: 'product_view', itemId: 'V3', category: 'bags', at: at(3) },
  ],
  purchased: [
    { itemId: 'B1', at: at(24 * 10), count: 2, firstAt: at(24 * 40) },
    { itemId: 'B2', at: at(24 * 20), count: 2, firstAt: at(24 * 50) },
    { itemId: 'B3', at: at(24 * 30), count: 1, firstAt: at(24 * 30) },
  ],
  orders: { count: 5, firstAt: at(24 * 50), lastAt: at(24 * 10) },
  browsed: {
    V1: { views: 3, carts: 0, viewedAt: at(1) },
    V2: { views: 1, carts: 1, viewedAt: at(2), cartedAt: at(2) },
    V3: { views: 1, carts: 0, viewedAt: at(3) },
  },
  cart: { V2: { quantity: 1, at: at(2) } },
  affinities: { shoes: { score: 3, at: NOW } },
};
const input: ScoringInput = {
  profile: dana,
  neighbours: new Map([
    [
      'V1',
      [
        { itemId: 'N1', score: 0.9 },
        { itemId: 'N2', score: 0.7 },
        { itemId: 'N3', score: 0.5 },
      ],
    ],
    [
      'B1',
      [
        { itemId: 'N4', score: 0.8 },
        { itemId: 'N5', score: 0.4 },
      ],
    ],
  ]),
  trending: {
    global: [
      { itemId: 'T1', score: 1 },
      { itemId: 'T2', score: 0.8 },
      { itemId: 'T3', score: 0.6 },
    ],
    byCategory: new Map(),
  },
  now: NOW,
};

const rankerFor = (placement: Placement, limit: number) => (hidden: ReadonlySet<string>) =>
  recommend({
    ...input,
    options: { placement, limit, weights: DEFAULT_WEIGHTS, excludeItems: withHidden(undefined, hidden) },
  });

function catalogueOf(entries: Record<string, Partial<CatalogueEntry>>) {
  const reads: string[][] = [];
  const read = async (ids: readonly string[]) => {
    reads.push([...ids]);
    const map = new Map<string, CatalogueEntry>();
    for (const id of ids) if (entries[id]) map.set(id, { itemId: id, ...entries[id] });
    return map;
  };
  return { read, reads };
}

describe.each(PLACEMENTS)('placement %s', (placement) => {
  const limit = 2;
  const unfiltered = rankerFor(placement, 10)(new Set());

  it('has enough candidates for the test', () => {
    expect(unfiltered.length).toBeGreaterThanOrEqual(limit + 1);
  });

  it('returns the ranking unchanged when nothing is unavailable, in one catalogue read', async () => {
    const { read, reads } = catalogueOf({});
    const items = await rankAvailable(rankerFor(placement, limit), read, limit);
    expect(items).toEqual(unfiltered.slice(0, limit));
    expect(reads).toHaveLength(1);
  });

  it.each(['out_of_stock', 'discontinued'])(
    'never returns an item marked %s, and fills its place',
    async (availability) => {
      const [top, ...rest] = unfiltered;
      const { read } = catalogueOf({ [top!.itemId]: { availability } });
      const items = await rankAvailable(rankerFor(placement, limit), read, limit);
      expect(items.map((i) => i.itemId)).not.toContain(top!.itemId);
      expect(items.map((i) => i.itemId)).toEqual(rest.slice(0, limit).map((i) => i.itemId));
    },
  );

  it('keeps in_stock and uncatalogued items, and adds title, price and currency', async () => {
    const [top] = unfiltered;
    const { read } = catalogueOf({
      [top!.itemId]: {
        availability: 'in_stock',
        title: 'Trail runner',
        price: 89.9,
        currency: 'EUR',
        category: 'shoes',
      },
    });
    const [first] = await rankAvailable(rankerFor(placement, limit), read, limit);
    expect(first).toMatchObject({ itemId: top!.itemId, title: 'Trail runner', price: 89.9, currency: 'EUR' });
  });
});

it('filters similar items and trending lists the same way', async () => {
  const neighbours = [
    { itemId: 'S1', score: 0.9 },
    { itemId: 'S2', score: 0.8 },
    { itemId: 'S3', score: 0.7 },
  ];
  const { read } = catalogueOf({
    S1: { availability: 'discontinued' },
    T1: { availability: 'out_of_stock' },
  });
  const similar = await rankAvailable(
    (hidden) => similarItems('A', neighbours, { limit: 2, excludeItems: withHidden(undefined, hidden) }),
    read,
    2,
  );
  expect(similar.map((i) => i.itemId)).toEqual(['S2', 'S3']);
  const entries = input.trending.global;
  const trending = await rankAvailable(
    (hidden) =>
      trendingItems(
        entries.filter((e) => !hidden.has(e.itemId)),
        { limit: 2 },
      ),
    read,
    2,
  );
  expect(trending.map((i) => i.itemId)).toEqual(['T2', 'T3']);
});

it('bounds the ranking rounds when most candidates are unavailable', async () => {
  const ranked: Recommendation[] = Array.from({ length: 40 }, (_, i) => ({
    itemId: `I${i}`,
    score: 40 - i,
    reason: 'popular',
    reasonKind: 'popular',
  }));
  const soldOut = Object.fromEntries(
    ranked.slice(0, 39).map((r) => [r.itemId, { availability: 'out_of_stock' }]),
  );
  const { read, reads } = catalogueOf(soldOut);
  let calls = 0;
  const items = await rankAvailable(
    (hidden) => {
      calls++;
      return ranked.filter((r) => !hidden.has(r.itemId)).slice(0, 5);
    },
    read,
    5,
  );
  expect(calls).toBe(MAX_RANKING_ROUNDS);
  expect(reads).toHaveLength(MAX_RANKING_ROUNDS);
  expect(items).toEqual([]); // I39, the one available item, is beyond 4 rounds of 5
});

it('availableItems keeps order and the limit', () => {
  const ranked: Recommendation[] = ['a', 'b', 'c', 'd'].map((itemId, i) => ({
    itemId,
    score: 4 - i,
    reason: 'popular',
    reasonKind: 'popular',
  }));
  const catalogue = new Map<string, CatalogueEntry>([['b', { itemId: 'b', availability: 'discontinued' }]]);
  expect(availableItems(ranked, catalogue, 2).map((r) => r.itemId)).toEqual(['a', 'c']);
});

describe('rows the ranking uses itself (informedBy)', () => {
  const popular = (...ids: string[]): Recommendation[] =>
    ids.map((itemId, i) => ({ itemId, score: 10 - i, reason: 'popular', reasonKind: 'popular' }));

  it('reads them with the first candidates in one read, and ranks again with them when they matter', async () => {
    const { read, reads } = catalogueOf({ R: { attributes: { colour: 'red' } } });
    const seen: number[] = [];
    const items = await rankAvailable(
      (_hidden, _window, catalogue) => {
        seen.push(catalogue.size);
        return catalogue.has('R') ? popular('R', 'A') : popular('A', 'B');
      },
      read,
      2,
      undefined,
      { informedBy: { itemIds: ['R', 'S'], changesRanking: (rows) => rows.has('R') } },
    );
    expect(items.map((i) => i.itemId)).toEqual(['R', 'A']);
    expect(seen).toEqual([0, 1]);
    // One read of the candidates and the rows; nothing left to read after the second ranking.
    expect(reads).toEqual([['A', 'B', 'R', 'S']]);
  });

  it('keeps the first ranking when the rows do not change it', async () => {
    const { read, reads } = catalogueOf({});
    let calls = 0;
    const items = await rankAvailable(
      () => {
        calls++;
        return popular('A', 'B');
      },
      read,
      2,
      undefined,
      { informedBy: { itemIds: ['R'], changesRanking: () => false } },
    );
    expect(items.map((i) => i.itemId)).toEqual(['A', 'B']);
    expect(calls).toBe(1);
    expect(reads).toHaveLength(1);
  });
});
