/**
 * The promotion slot's candidates from outside the ranking (rules/promoted-candidates.ts) and how the slot
 * takes them (ranking.ts orderByRules, catalogue-filter.ts rankAvailable): ranked by the user's category
 * affinity, then recency; unavailable, excluded, filtered-out and other-category items never; the ranking's
 * own promoted items first; a short list gets the promoted item in a free place.
 */
import { rankAvailable } from '../../../../lambdas/recommend/catalogue-filter';
import {
  type PromotedOffer,
  promotedCandidates,
} from '../../../../lambdas/recommend/rules/promoted-candidates';
import { orderByRules } from '../../../../lambdas/recommend/rules/ranking';
import type { RequestRules } from '../../../../lambdas/recommend/rules/request-rules';
import type { Recommendation } from '../../../../lambdas/recommend/scoring';
import type { CatalogueEntry } from '../../../../lambdas/shared/catalogue';

const NOW = Date.parse('2026-12-01T00:00:00.000Z');
const promotedRule = {
  name: 'promoted',
  match: [{ field: 'attribute' as const, name: 'promoted', in: [true] }],
  values: {},
};
const RULES: RequestRules = {
  filters: [],
  boosts: [],
  promotion: { rule: promotedRule, within: 3, slots: 1, indexed: true },
  now: NOW,
};
const ranked: Recommendation[] = Array.from({ length: 5 }, (_, i) => ({
  itemId: `r${i}`,
  score: 10 - i,
  reason: 'popular',
  reasonKind: 'popular',
}));
const promo = (itemId: string, category: string, createdAt: string, extra: Partial<CatalogueEntry> = {}) =>
  [itemId, { itemId, category, createdAt, attributes: { promoted: true }, ...extra }] as const;
const catalogue = new Map<string, CatalogueEntry>([
  ...ranked.map((r) => [r.itemId, { itemId: r.itemId, category: 'books' }] as const),
  promo('p-garden-old', 'garden', '2026-10-01T00:00:00.000Z'),
  promo('p-garden-new', 'garden', '2026-11-01T00:00:00.000Z'),
  promo('p-books', 'books', '2026-09-01T00:00:00.000Z'),
  promo('p-gone', 'garden', '2026-11-20T00:00:00.000Z', { availability: 'out_of_stock' }),
  promo('p-bought', 'garden', '2026-11-21T00:00:00.000Z'),
  promo('p-pricey', 'garden', '2026-11-22T00:00:00.000Z', { price: 500 }),
  ['p-stale', { itemId: 'p-stale', category: 'garden', createdAt: '2026-11-23T00:00:00.000Z' }],
]);
const offer: PromotedOffer = {
  items: [
    'p-stale',
    'p-pricey',
    'p-bought',
    'p-gone',
    'p-garden-new',
    'p-garden-old',
    'p-books',
    'p-unknown',
  ].map((itemId) => ({ itemId, createdAt: 0 })),
  affinity: new Map([
    ['garden', 0.7],
    ['books', 0.3],
  ]),
  excluded: new Set(['p-bought']),
};
const ids = (items: readonly Recommendation[]) => items.map((i) => i.itemId);
const cheap = (entry: CatalogueEntry) => entry.price === undefined || entry.price <= 100;

describe('promotedCandidates', () => {
  it('ranks by category affinity, then recency; never unavailable, excluded, filtered out or uncatalogued', () => {
    expect(ids(promotedCandidates(offer, catalogue, cheap))).toEqual([
      'p-stale',
      'p-garden-new',
      'p-garden-old',
      'p-books',
    ]);
  });

  it('keeps to the request category and carries the promoted reason', () => {
    const got = promotedCandidates({ ...offer, category: 'books' }, catalogue, cheap);
    expect(got).toEqual([
      { itemId: 'p-books', score: 0.003, reason: 'promoted', reasonKind: 'promoted', category: 'books' },
    ]);
  });
});

describe('orderByRules with promoted candidates from outside the ranking', () => {
  const offered = promotedCandidates(offer, catalogue, cheap);

  it('fills the empty promotion slot with the best offered item that matches the promotion (not p-stale)', () => {
    expect(ids(orderByRules(ranked, catalogue, RULES, 5, 0, offered))).toEqual([
      'r0',
      'r1',
      'p-garden-new',
      'r2',
      'r3',
    ]);
  });

  it('prefers a promoted item of the ranking, and leaves a filled slot alone', () => {
    const withPromoted = new Map(catalogue).set('r4', { itemId: 'r4', attributes: { promoted: true } });
    expect(ids(orderByRules(ranked, withPromoted, RULES, 5, 0, offered))).toEqual([
      'r0',
      'r1',
      'r4',
      'r2',
      'r3',
    ]);
    const inTop = new Map(catalogue).set('r1', { itemId: 'r1', attributes: { promoted: true } });
    expect(ids(orderByRules(ranked, inTop, RULES, 5, 0, offered))).toEqual(ids(ranked));
  });

  it('puts it in a free place when the ranking is shorter than `within`', () => {
    expect(ids(orderByRules(ranked.slice(0, 1), catalogue, RULES, 5, 0, offered))).toEqual([
      'r0',
      'p-garden-new',
    ]);
    expect(ids(orderByRules([], catalogue, RULES, 5, 0, offered))).toEqual(['p-garden-new']);
  });
});

describe('rankAvailable with a promoted offer', () => {
  it('reads the offered rows with the first candidates (one read) and fills the slot', async () => {
    const reads: string[][] = [];
    const got = await rankAvailable(
      (_hidden, window) => ranked.slice(0, window),
      async (itemIds) => {
        reads.push([...itemIds]);
        return new Map(
          itemIds.flatMap((id) => (catalogue.has(id) ? [[id, catalogue.get(id) as CatalogueEntry]] : [])),
        );
      },
      3,
      RULES,
      { promoted: offer },
    );
    // The request has no price filter here: the newest garden item wins.
    expect(ids(got)).toEqual(['r0', 'r1', 'p-pricey']);
    expect(reads).toHaveLength(1);
    expect(reads[0]).toEqual(expect.arrayContaining(['r0', 'p-garden-new', 'p-unknown']));
  });

  it('without an offer the slot stays empty (the behaviour before the index)', async () => {
    const got = await rankAvailable(
      (_hidden, window) => ranked.slice(0, window),
      async (itemIds) => new Map(itemIds.map((id) => [id, catalogue.get(id) as CatalogueEntry])),
      3,
      RULES,
    );
    expect(ids(got)).toEqual(['r0', 'r1', 'r2']);
  });
});
