/**
 * What the rules do to a ranked list (lambdas/recommend/rules/ranking.ts) and through the catalogue step
 * every placement shares (catalogue-filter.ts rankAvailable, on the pure scoring): filters drop items and
 * the page is refilled from below it, boosts multiply and re-sort, the promotion slot brings the best
 * promoted candidate into the first `within` places, and without rules nothing changes.
 */
import { rankAvailable } from '../../../../lambdas/recommend/catalogue-filter';
import {
  hasRules,
  MAX_RULES_WINDOW,
  orderByRules,
  rankingWindow,
} from '../../../../lambdas/recommend/rules/ranking';
import type { RequestRules } from '../../../../lambdas/recommend/rules/request-rules';
import { type Recommendation, trendingItems } from '../../../../lambdas/recommend/scoring';
import type { CatalogueEntry } from '../../../../lambdas/shared/catalogue';

const NOW = Date.parse('2026-12-01T00:00:00.000Z');
const NONE: RequestRules = { filters: [], boosts: [], now: NOW };

/** i0 (score 30) ... i29 (score 1); even items cost 5, odd ones 50; every fifth is promoted. */
const ranked: Recommendation[] = Array.from({ length: 30 }, (_, i) => ({
  itemId: `i${String(i).padStart(2, '0')}`,
  score: 30 - i,
  reason: 'popular',
  reasonKind: 'popular',
}));
const catalogue = new Map<string, CatalogueEntry>(
  ranked.map((r, i) => [
    r.itemId,
    { itemId: r.itemId, price: i % 2 === 0 ? 5 : 50, attributes: { promoted: i % 5 === 4 } },
  ]),
);
const ids = (items: readonly Recommendation[]) => items.map((i) => i.itemId);

const cheap = {
  name: 'cheap',
  match: [{ field: 'price' as const, max: { param: 'maxPrice' } }],
  values: { maxPrice: 10 },
};
const promoted = {
  name: 'promoted',
  match: [{ field: 'attribute' as const, name: 'promoted', in: [true] }],
  values: {},
};

describe('orderByRules', () => {
  it('multiplies the scores of boosted items and re-sorts, ties by item id', () => {
    const rules: RequestRules = { ...NONE, boosts: [{ ...cheap, factor: 3 }] };
    const out = orderByRules(ranked.slice(0, 4), catalogue, rules, 4);
    // i00 30*3=90, i02 28*3=84, i01 29, i03 27
    expect(out.map((r) => [r.itemId, r.score])).toEqual([
      ['i00', 90],
      ['i02', 84],
      ['i01', 29],
      ['i03', 27],
    ]);
  });
  it('multiplies the factors of several matching boosts', () => {
    const rules: RequestRules = {
      ...NONE,
      boosts: [
        { ...cheap, factor: 2 },
        { ...promoted, factor: 0.5 },
      ],
    };
    const out = orderByRules([ranked[24] as Recommendation], catalogue, rules, 1); // cheap and promoted
    expect(out[0]?.score).toBe(6);
  });
  it('puts the best promoted candidate into the last place of the first `within`', () => {
    const rules: RequestRules = { ...NONE, promotion: { rule: promoted, within: 3, slots: 1 } };
    // i04 is the first promoted item, below the first 3.
    expect(ids(orderByRules(ranked.slice(0, 8), catalogue, rules, 6))).toEqual([
      'i00',
      'i01',
      'i04',
      'i02',
      'i03',
      'i05',
    ]);
  });
  it('changes nothing when enough promoted items are already in place', () => {
    const rules: RequestRules = { ...NONE, promotion: { rule: promoted, within: 5, slots: 1 } };
    expect(ids(orderByRules(ranked.slice(0, 8), catalogue, rules, 8))).toEqual(ids(ranked.slice(0, 8)));
  });
  it('fills several slots without pushing out a promoted item already inside', () => {
    const rules: RequestRules = { ...NONE, promotion: { rule: promoted, within: 5, slots: 3 } };
    // i04 is inside the first 5; i09 and i14 come in, displacing i02 and i03 (not i04).
    expect(ids(orderByRules(ranked.slice(0, 15), catalogue, rules, 7))).toEqual([
      'i00',
      'i01',
      'i04',
      'i09',
      'i14',
      'i02',
      'i03',
    ]);
  });
  it('caps `within` at the page and does nothing when no promoted item is a candidate', () => {
    const rules: RequestRules = { ...NONE, promotion: { rule: promoted, within: 10, slots: 1 } };
    expect(ids(orderByRules(ranked.slice(0, 6), catalogue, rules, 2))).toEqual(['i00', 'i04']);
    expect(ids(orderByRules(ranked.slice(0, 4), catalogue, rules, 4))).toEqual(ids(ranked.slice(0, 4)));
  });
});

describe('rankingWindow', () => {
  it('ranks only the page without rules, a bounded wider window with them', () => {
    expect(hasRules(NONE)).toBe(false);
    expect(rankingWindow(10, undefined)).toBe(10);
    expect(rankingWindow(10, NONE)).toBe(10);
    expect(rankingWindow(10, { ...NONE, filters: [cheap] })).toBe(50);
    expect(rankingWindow(50, { ...NONE, filters: [cheap] })).toBe(MAX_RULES_WINDOW);
  });
});

describe('rankAvailable with rules', () => {
  const read = jest.fn(async (itemIds: readonly string[]) => {
    const rows = new Map<string, CatalogueEntry>();
    for (const id of itemIds) {
      const row = catalogue.get(id);
      if (row) rows.set(id, row);
    }
    return rows;
  });
  const rank = (hidden: ReadonlySet<string>, window: number) =>
    trendingItems(
      ranked.filter((r) => !hidden.has(r.itemId)).map((r) => ({ itemId: r.itemId, score: r.score })),
      { limit: window },
    );
  beforeEach(() => read.mockClear());

  it('keeps only the items that pass the filters, filling the page from the wider window', async () => {
    const out = await rankAvailable(rank, read, 5, { ...NONE, filters: [cheap] });
    expect(ids(out)).toEqual(['i00', 'i02', 'i04', 'i06', 'i08']);
    expect(out.every((r) => r.price === 5)).toBe(true);
    expect(read).toHaveBeenCalledTimes(1);
  });
  it('ranks again when the filters leave the page short', async () => {
    const everyTenth = {
      name: 'p',
      match: [{ field: 'attribute' as const, name: 'promoted', in: [true] }],
      values: {},
    };
    // 6 promoted items among 30: a window of 50 covers them all in one round.
    const out = await rankAvailable(rank, read, 10, { ...NONE, filters: [everyTenth] });
    expect(ids(out)).toEqual(['i04', 'i09', 'i14', 'i19', 'i24', 'i29']);
  });
  it('applies the promotion from candidates below the page', async () => {
    const out = await rankAvailable(rank, read, 3, {
      ...NONE,
      promotion: { rule: promoted, within: 3, slots: 1 },
    });
    expect(ids(out)).toEqual(['i00', 'i01', 'i04']);
  });
  it('returns the ranking unchanged without rules (one catalogue read of the page)', async () => {
    const out = await rankAvailable(rank, read, 4);
    expect(ids(out)).toEqual(['i00', 'i01', 'i02', 'i03']);
    expect(read).toHaveBeenCalledWith(['i00', 'i01', 'i02', 'i03']);
  });
});
