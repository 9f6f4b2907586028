/**
 * Cold start by attributes on the pure ranking (lambdas/recommend/arrival-ranking.ts) and the scoring that
 * uses it: an arrival sharing attributes with the reference items (the seed of similar, the user's recent
 * items) comes before a fresher one that shares none; equal overlap and no attributes fall back to
 * recency; an unavailable arrival never ranks; the reason names the shared attribute.
 */
import {
  type ArrivalAttributes,
  attributesChangeOrder,
  RECENT_REFERENCE_ITEMS,
  rankNewArrivals,
  recentReferenceItems,
} from '../../../lambdas/recommend/arrival-ranking';
import { reasonText } from '../../../lambdas/recommend/reasons';
import {
  DEFAULT_EXPLORATION,
  DEFAULT_WEIGHTS,
  type ProfileView,
  recommend,
  similarItems,
} from '../../../lambdas/recommend/scoring';
import type { CatalogueEntry } from '../../../lambdas/shared/catalogue';

const DAY = 86_400_000;
const NOW = Date.parse('2026-12-01T08:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

const rows = (...entries: CatalogueEntry[]) => new Map(entries.map((e) => [e.itemId, e]));
const kettle: CatalogueEntry = {
  itemId: 'kettle',
  title: 'Red kettle',
  category: 'kitchen',
  attributes: { colour: 'Red', material: ['steel', 'glass'] },
};
const attributes = (...entries: CatalogueEntry[]): ArrivalAttributes => ({
  catalogue: rows(kettle, ...entries),
  reference: ['kettle'],
});
const ids = (list: ReadonlyArray<{ itemId: string }>) => list.map((r) => r.itemId);

describe('rankNewArrivals', () => {
  const blue: CatalogueEntry = { itemId: 'blue', attributes: { colour: 'blue' } };
  const red: CatalogueEntry = { itemId: 'red', attributes: { colour: ' red ' } };
  const redSteel: CatalogueEntry = { itemId: 'red-steel', attributes: { colour: 'red', material: 'steel' } };

  it('puts overlap before recency: an older arrival sharing an attribute beats a brand-new one', () => {
    const ranked = rankNewArrivals(
      [
        { itemId: 'blue', freshness: 1 },
        { itemId: 'red', freshness: 0.1 },
      ],
      attributes(blue, red),
    );
    expect(ids(ranked)).toEqual(['red', 'blue']);
    expect(ranked[0]).toMatchObject({
      overlap: 1,
      shared: { name: 'colour', value: 'red', like: 'Red kettle' },
    });
    expect(ranked[1]).toMatchObject({ overlap: 0 });
    expect(ranked[1]?.shared).toBeUndefined();
  });

  it('counts every shared value (list elements each), and recency decides within one overlap', () => {
    const ranked = rankNewArrivals(
      [
        { itemId: 'red', freshness: 0.9 },
        { itemId: 'red-steel', freshness: 0.2 },
        { itemId: 'red-2', freshness: 0.95 },
      ],
      attributes(red, redSteel, { itemId: 'red-2', attributes: { colour: 'RED' } }),
    );
    expect(ranked.map((r) => [r.itemId, r.overlap])).toEqual([
      ['red-steel', 2],
      ['red-2', 1],
      ['red', 1],
    ]);
    // (overlap + freshness) / (most overlap + 1): the best is below 1, every value in (0, 1].
    expect(ranked[0]?.value).toBeCloseTo((2 + 0.2) / 3);
  });

  it('without attributes (or without reference items) is the recency order, values the freshness', () => {
    const candidates = [
      { itemId: 'a', freshness: 0.2 },
      { itemId: 'b', freshness: 0.7 },
    ];
    for (const given of [undefined, { catalogue: rows(blue, red), reference: [] }, attributes()]) {
      expect(rankNewArrivals(candidates, given).map((r) => [r.itemId, r.value])).toEqual([
        ['b', 0.7],
        ['a', 0.2],
      ]);
    }
  });

  it('never ranks an unavailable arrival, however much it shares', () => {
    const ranked = rankNewArrivals(
      [
        { itemId: 'red', freshness: 1 },
        { itemId: 'gone', freshness: 1 },
        { itemId: 'old', freshness: 0.5 },
      ],
      attributes(
        red,
        { itemId: 'gone', availability: 'out_of_stock', attributes: { colour: 'red' } },
        { itemId: 'old', availability: 'discontinued' },
      ),
    );
    expect(ids(ranked)).toEqual(['red']);
  });

  it('leaves out the reference items themselves and arrivals past the age cut-off (freshness 0)', () => {
    const ranked = rankNewArrivals(
      [
        { itemId: 'kettle', freshness: 1 },
        { itemId: 'red', freshness: 0 },
        { itemId: 'blue', freshness: 0.3 },
      ],
      attributes(red, blue),
    );
    expect(ids(ranked)).toEqual(['blue']);
  });

  it('names the value shared with the most relevant reference item', () => {
    const ranked = rankNewArrivals([{ itemId: 'x', freshness: 1 }], {
      catalogue: rows(
        { itemId: 'mug', attributes: { colour: 'green' } },
        kettle,
        { itemId: 'x', attributes: { colour: 'red', size: 'L', vegan: true } },
        { itemId: 'y', attributes: { vegan: true } },
      ),
      reference: ['y', 'mug', 'kettle'],
    });
    expect(ranked[0]).toMatchObject({ overlap: 2, shared: { name: 'vegan', value: true, like: 'y' } });
  });

  it('attributesChangeOrder: only an overlap or an unavailable arrival changes the recency order', () => {
    expect(attributesChangeOrder(['blue'], attributes(blue))).toBe(false);
    expect(attributesChangeOrder(['blue', 'red'], attributes(blue, red))).toBe(true);
    expect(attributesChangeOrder(['blue'], attributes({ ...blue, availability: 'out_of_stock' }))).toBe(true);
  });
});

describe('recentReferenceItems', () => {
  it(`takes the ${RECENT_REFERENCE_ITEMS} newest distinct items of the recent interactions`, () => {
    const profile: ProfileView = {
      userId: 'u',
      purchased: [],
      cart: {},
      affinities: {},
      recent: [
        { type: 'product_view', itemId: 'A', at: iso(NOW - 5) },
        { type: 'add_to_cart', itemId: 'B', at: iso(NOW - 1) },
        { type: 'product_view', itemId: 'B', at: iso(NOW - 2) },
        { type: 'product_view', itemId: 'C', at: iso(NOW - 3) },
        { type: 'product_view', itemId: 'D', at: iso(NOW - 4) },
      ],
    };
    expect(recentReferenceItems(profile)).toEqual(['B', 'C', 'D']);
    expect(recentReferenceItems(undefined)).toEqual([]);
  });
});

describe('reasons', () => {
  it('names the shared attribute and the item it is shared with', () => {
    const detail = { kind: 'new', attribute: 'colour', value: 'red', like: 'Red kettle' } as const;
    expect(reasonText('new', 'kitchen', detail)).toBe('new in kitchen: colour red, like Red kettle');
    expect(reasonText('new', 'food', { ...detail, attribute: 'vegan', value: true, like: 'Tofu' })).toBe(
      'new in food: vegan, like Tofu',
    );
    expect(reasonText('new', 'kitchen')).toBe('new in kitchen');
  });
});

describe('in the placements', () => {
  const arrivals = new Map([
    [
      'kitchen',
      [
        { itemId: 'blue', createdAt: NOW - DAY },
        { itemId: 'red', createdAt: NOW - 10 * DAY },
      ],
    ],
  ]);
  const catalogue = rows(
    kettle,
    { itemId: 'blue', category: 'kitchen', attributes: { colour: 'blue' } },
    { itemId: 'red', category: 'kitchen', attributes: { colour: 'red' } },
  );
  const kim: ProfileView = {
    userId: 'kim',
    recent: [{ type: 'product_view', itemId: 'kettle', category: 'kitchen', at: iso(NOW - 3_600_000) }],
    purchased: [],
    browsed: {},
    cart: {},
    affinities: { kitchen: { score: 1, at: NOW } },
  };
  const forYou = (withAttributes: boolean) =>
    recommend({
      profile: kim,
      neighbours: new Map(),
      trending: { global: [], byCategory: new Map() },
      newArrivals: arrivals,
      ...(withAttributes ? { newArrivalAttributes: { catalogue, reference: ['kettle'] } } : {}),
      now: NOW,
      options: { placement: 'discover', limit: 5, weights: DEFAULT_WEIGHTS },
    });

  it('for-you/discover: the arrival sharing the recent item’s colour first, with that reason', () => {
    expect(ids(forYou(false))).toEqual(['blue', 'red']);
    const list = forYou(true);
    expect(list.map((r) => [r.itemId, r.reason])).toEqual([
      ['red', 'new in kitchen: colour red, like Red kettle'],
      ['blue', 'new in kitchen'],
    ]);
  });

  it('similar: the arrival sharing the seed’s colour first; a seed without attributes keeps recency', () => {
    const options = {
      limit: 5,
      newArrivals: { category: 'kitchen', items: arrivals.get('kitchen') ?? [] },
      now: NOW,
      exploration: DEFAULT_EXPLORATION,
    };
    const ranked = similarItems('kettle', [], {
      ...options,
      arrivalAttributes: { catalogue, reference: ['kettle'] },
    });
    expect(ranked.map((r) => [r.itemId, r.reason])).toEqual([
      ['red', 'new in kitchen: colour red, like Red kettle'],
      ['blue', 'new in kitchen'],
    ]);
    expect(ids(similarItems('kettle', [], options))).toEqual(['blue', 'red']);
  });
});
