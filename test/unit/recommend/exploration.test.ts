/**
 * Cold start on the pure functions (lambdas/recommend/exploration.ts and the steps that call it): new
 * catalogue items of the user's categories reach for-you and discover, and of the seed's category similar,
 * with the reason "new in <category>", scored below collaborative evidence but given the exploration slot
 * while younger than the age cut-off; exclusions, the category filter, the cap, availability and the rules
 * keep working; a request without new-arrival lists (the offline evaluator's) ranks as before.
 */
import { rankAvailable } from '../../../lambdas/recommend/catalogue-filter';
import { freshness, reserveNewArrivals } from '../../../lambdas/recommend/exploration';
import { orderByRules } from '../../../lambdas/recommend/rules/ranking';
import type { RequestRules } from '../../../lambdas/recommend/rules/request-rules';
import {
  DEFAULT_EXPLORATION,
  DEFAULT_WEIGHTS as DEFAULTS,
  type NewArrivalView,
  type ProfileView,
  type Recommendation,
  recommend,
  type ScoringInput,
  similarItems,
} from '../../../lambdas/recommend/scoring';
import type { CatalogueEntry } from '../../../lambdas/shared/catalogue';

const DAY = 86_400_000;
const NOW = Date.parse('2026-12-01T08:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

/** Viewed V1 (garden) an hour ago; garden holds most of the affinity, books the rest. */
const gina: ProfileView = {
  userId: 'gina',
  recent: [{ type: 'product_view', itemId: 'V1', category: 'garden', at: iso(NOW - 3_600_000) }],
  purchased: [],
  browsed: { V1: { views: 1, carts: 0, viewedAt: iso(NOW - 3_600_000) } },
  cart: {},
  affinities: { garden: { score: 3, at: NOW }, books: { score: 1, at: NOW } },
};

/** Twelve neighbours of V1: more collaborative candidates than a page of 10. */
const neighbours = new Map([
  [
    'V1',
    Array.from({ length: 12 }, (_, i) => ({ itemId: `N${i}`, score: 1 - i * 0.05, category: 'garden' })),
  ],
]);
const arrivals = new Map<string, readonly NewArrivalView[]>([
  [
    'garden',
    [
      { itemId: 'G-new', createdAt: NOW - 2 * DAY },
      { itemId: 'G-older', createdAt: NOW - 20 * DAY },
      { itemId: 'G-too-old', createdAt: NOW - 31 * DAY },
      { itemId: 'G-future', createdAt: NOW + DAY },
    ],
  ],
  ['books', [{ itemId: 'B-new', createdAt: NOW - DAY }]],
]);

const input = (overrides: Partial<ScoringInput> = {}): ScoringInput => ({
  profile: gina,
  neighbours,
  trending: { global: [], byCategory: new Map() },
  newArrivals: arrivals,
  now: NOW,
  options: { placement: 'for-you', limit: 10, weights: { ...DEFAULTS, reminders: 0 } },
  ...overrides,
});

const ids = (list: readonly Recommendation[]) => list.map((r) => r.itemId);

describe('freshness', () => {
  it('is 1 when created now, falls linearly, and is 0 at the cut-off and for future items', () => {
    expect(freshness(NOW, NOW, 30)).toBe(1);
    expect(freshness(NOW - 15 * DAY, NOW, 30)).toBeCloseTo(0.5);
    expect(freshness(NOW - 30 * DAY, NOW, 30)).toBe(0);
    expect(freshness(NOW + 1, NOW, 30)).toBe(0);
  });
});

describe('for-you and discover', () => {
  it.each(['for-you', 'discover'] as const)(
    '%s: a page full of collaborative candidates keeps its last place for the freshest new arrival',
    (placement) => {
      const list = recommend(input({ options: { ...input().options, placement } }));
      expect(list).toHaveLength(10);
      expect(ids(list).slice(0, 9)).toEqual(['N0', 'N1', 'N2', 'N3', 'N4', 'N5', 'N6', 'N7', 'N8']);
      expect(list[9]).toMatchObject({
        itemId: 'G-new',
        reason: 'new in garden',
        reasonKind: 'new',
        reasonRef: 'garden',
        category: 'garden',
      });
      // Scored below collaborative evidence.
      expect((list[9] as Recommendation).score).toBeLessThan((list[8] as Recommendation).score);
    },
  );

  it('never lists an item past the age cut-off or created in the future', () => {
    const list = recommend(input({ options: { ...input().options, limit: 50 } }));
    expect(ids(list)).toEqual(expect.arrayContaining(['G-new', 'G-older', 'B-new']));
    expect(ids(list)).not.toContain('G-too-old');
    expect(ids(list)).not.toContain('G-future');
  });

  it('takes as many slots as configured, and none with slots 0', () => {
    const two = recommend(
      input({ options: { ...input().options, exploration: { ...DEFAULT_EXPLORATION, slots: 2 } } }),
    );
    // G-older (garden, 3/4 of the affinity, 20 days old) outscores B-new (books, 1/4, one day old).
    expect(ids(two).slice(8)).toEqual(['G-new', 'G-older']);
    const none = recommend(
      input({ options: { ...input().options, exploration: { ...DEFAULT_EXPLORATION, slots: 0 } } }),
    );
    expect(none.filter((r) => r.reasonKind === 'new')).toEqual([]);
    expect(ids(none)).toEqual(ids(recommend(input({ newArrivals: undefined }))));
  });

  it('without new-arrival lists (the offline evaluator) ranks exactly as before', () => {
    const list = recommend(input({ newArrivals: undefined }));
    expect(ids(list)).toEqual(['N0', 'N1', 'N2', 'N3', 'N4', 'N5', 'N6', 'N7', 'N8', 'N9']);
  });

  it('respects excludeItems, the category filter and the category cap', () => {
    const excluded = recommend(input({ options: { ...input().options, excludeItems: new Set(['G-new']) } }));
    expect(excluded[9]?.itemId).toBe('G-older');

    const books = recommend(input({ options: { ...input().options, category: 'books' } }));
    expect(ids(books)).toEqual(['B-new']);

    const capped = recommend(input({ options: { ...input().options, categoryCap: 3 } }));
    // garden is full with three neighbours: the slot goes to the books arrival, not a fourth garden item.
    expect(ids(capped)).toEqual(['N0', 'N1', 'N2', 'B-new']);
  });

  it('discover leaves out new arrivals the user already interacted with', () => {
    const seen: ProfileView = {
      ...gina,
      browsed: { ...gina.browsed, 'G-new': { views: 1, carts: 0, viewedAt: iso(NOW - DAY) } },
    };
    const list = recommend(input({ profile: seen, options: { ...input().options, placement: 'discover' } }));
    expect(ids(list)).not.toContain('G-new');
    expect(list[9]?.itemId).toBe('G-older');
  });

  it('an arrival with collaborative evidence gives that as its reason', () => {
    const list = recommend(
      input({
        newArrivals: new Map([['garden', [{ itemId: 'N3', createdAt: NOW - DAY }]]]),
      }),
    );
    expect(list.find((r) => r.itemId === 'N3')).toMatchObject({ reasonKind: 'viewed', reasonRef: 'V1' });
  });
});

describe('similar', () => {
  const exploration = DEFAULT_EXPLORATION;
  const seedArrivals = { category: 'garden', items: arrivals.get('garden') as NewArrivalView[] };

  it('answers a seed without neighbours from its category', () => {
    const list = similarItems('SEED', [], { limit: 5, newArrivals: seedArrivals, now: NOW, exploration });
    expect(list.map((r) => [r.itemId, r.reason])).toEqual([
      ['G-new', 'new in garden'],
      ['G-older', 'new in garden'],
    ]);
  });

  it('keeps a slot below the neighbours, scored below the weakest, without the seed or excluded items', () => {
    const list = similarItems('N0', neighbours.get('V1') as never, {
      limit: 5,
      newArrivals: { category: 'garden', items: [{ itemId: 'N0', createdAt: NOW }, ...seedArrivals.items] },
      now: NOW,
      exploration,
      excludeItems: new Set(['G-older']),
    });
    expect(ids(list)).toEqual(['N1', 'N2', 'N3', 'N4', 'G-new']);
    expect(list[4]?.score).toBeLessThan(Math.min(...(neighbours.get('V1') ?? []).map((n) => n.score)));
  });
});

describe('the page after the catalogue and the rules', () => {
  const rec = (itemId: string, score: number, reasonKind: Recommendation['reasonKind'] = 'viewed') =>
    ({ itemId, score, reason: '', reasonKind, reasonRef: 'garden' }) as Recommendation;

  it('reserveNewArrivals moves the best new arrival into the page, never displacing a protected item', () => {
    const ordered = [rec('A', 5), rec('P', 4), rec('B', 3), rec('X', 0.01, 'new')];
    expect(ids(reserveNewArrivals(ordered, 3, 1))).toEqual(['A', 'P', 'X']);
    expect(ids(reserveNewArrivals(ordered, 3, 1, (r) => r.itemId === 'P'))).toEqual(['A', 'P', 'X']);
    expect(ids(reserveNewArrivals(ordered, 2, 1, (r) => r.itemId === 'A'))).toEqual(['A', 'X']);
    expect(ids(reserveNewArrivals(ordered, 3, 0))).toEqual(['A', 'P', 'B']);
  });

  const catalogue = (entries: Record<string, Partial<CatalogueEntry>>) => async (ids: readonly string[]) =>
    new Map(
      ids.filter((id) => entries[id]).map((id) => [id, { itemId: id, ...entries[id] } as CatalogueEntry]),
    );
  const garden = { category: 'garden', createdAt: iso(NOW - DAY) };

  it('an unavailable new arrival leaves from the next request, and the next one takes its slot', async () => {
    const rank = (hidden: ReadonlySet<string>, window: number) =>
      recommend(input({ options: { ...input().options, limit: window, excludeItems: hidden } }));
    const before = await rankAvailable(
      rank,
      catalogue({ 'G-new': garden, 'G-older': garden }),
      10,
      undefined,
      { explorationSlots: 1 },
    );
    expect(before.at(-1)?.itemId).toBe('G-new');
    const after = await rankAvailable(
      rank,
      catalogue({ 'G-new': { ...garden, availability: 'out_of_stock' }, 'G-older': garden }),
      10,
      undefined,
      { explorationSlots: 1 },
    );
    expect(ids(after)).not.toContain('G-new');
    expect(after.at(-1)?.itemId).toBe('G-older');
  });

  it('drops a listed arrival whose catalogue row moved to another category', async () => {
    const rank = (hidden: ReadonlySet<string>, window: number) =>
      recommend(input({ options: { ...input().options, limit: window, excludeItems: hidden } }));
    const page = await rankAvailable(
      rank,
      catalogue({ 'G-new': { ...garden, category: 'tools' }, 'G-older': garden }),
      10,
      undefined,
      { explorationSlots: 1 },
    );
    expect(ids(page)).not.toContain('G-new');
    expect(page.at(-1)?.itemId).toBe('G-older');
  });

  const rules = (over: Partial<RequestRules>): RequestRules => ({
    filters: [],
    boosts: [],
    now: NOW,
    ...over,
  });

  it('with rules, filters still apply to new arrivals and the slot survives the wider window', async () => {
    const rank = (hidden: ReadonlySet<string>, window: number) =>
      recommend(input({ options: { ...input().options, limit: window, excludeItems: hidden } }));
    const priced: Record<string, Partial<CatalogueEntry>> = {
      'G-new': { ...garden, price: 50 },
      'B-new': { category: 'books', createdAt: iso(NOW - DAY), price: 5 },
    };
    for (let i = 0; i < 12; i++) priced[`N${i}`] = { category: 'garden', price: 1 };
    const cheap = rules({
      filters: [{ name: 'cheap', match: [{ field: 'price', max: 20 }], values: {} }],
    });
    const page = await rankAvailable(rank, catalogue(priced), 10, cheap, { explorationSlots: 1 });
    expect(page).toHaveLength(10);
    expect(ids(page)).not.toContain('G-new');
    expect(page.at(-1)).toMatchObject({ itemId: 'B-new', reason: 'new in books', price: 5 });
  });

  it('orderByRules keeps the promoted item and the exploration slot', () => {
    const ordered = [rec('A', 5), rec('B', 4), rec('C', 3), rec('P', 2), rec('X', 0.01, 'new')];
    const promoted = new Map<string, CatalogueEntry>([
      ['P', { itemId: 'P', attributes: { promoted: true } }],
    ]);
    const withPromotion = rules({
      promotion: {
        rule: { name: 'promoted', match: [{ field: 'attribute', name: 'promoted', in: [true] }], values: {} },
        within: 3,
        slots: 1,
      },
    });
    expect(ids(orderByRules(ordered, promoted, withPromotion, 3, 1))).toEqual(['A', 'P', 'X']);
    expect(ids(orderByRules(ordered, promoted, withPromotion, 3, 0))).toEqual(['A', 'B', 'P']);
  });
});
