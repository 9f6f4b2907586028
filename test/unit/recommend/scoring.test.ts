/**
 * Scoring on small hand-computed fixtures: exact order, exact scores, reasons, every exclusion, the
 * category filter and cap, cold start and the anonymous (session-only) path. These pin the collaborative
 * and trending parts of for-you, with its repurchase and reminder parts turned off and the exclusions the
 * API used before placements (purchased, cart); placements.test.ts covers those parts and the placements.
 */
import {
  DEFAULT_WEIGHTS,
  type NeighbourView,
  type ProfileView,
  recommend,
  type ScoringInput,
  similarItems,
  sourceItemsFor,
  type TrendingEntry,
  trendingCategoriesFor,
  trendingItems,
} from '../../../lambdas/recommend/scoring';

const NOW = Date.parse('2026-11-26T12:00:00.000Z');
const hoursAgo = (h: number) => new Date(NOW - h * 3_600_000).toISOString();
const daysAgo = (d: number) => new Date(NOW - d * 86_400_000).toISOString();

/** Viewed A now (w 1), carted B 24 h ago (w 3 · 0.5 = 1.5), bought P 90 days ago (history w 1 · 0.5). */
const alice: ProfileView = {
  userId: 'alice',
  recent: [
    { type: 'product_view', itemId: 'A', category: 'books', at: hoursAgo(0) },
    { type: 'add_to_cart', itemId: 'B', category: 'books', at: hoursAgo(24) },
  ],
  purchased: [{ itemId: 'P', at: daysAgo(90) }],
  cart: { B: { quantity: 1, at: hoursAgo(24) } },
  affinities: {},
};

const neighbours = new Map<string, readonly NeighbourView[]>([
  [
    'A',
    [
      { itemId: 'X', score: 0.9, category: 'books' },
      { itemId: 'Y', score: 0.4, category: 'toys' },
      { itemId: 'B', score: 0.8, category: 'books' },
    ],
  ],
  [
    'B',
    [
      { itemId: 'Y', score: 0.6, category: 'toys' },
      { itemId: 'Z', score: 0.2, category: 'books' },
    ],
  ],
  [
    'P',
    [
      { itemId: 'Q', score: 1, category: 'garden' },
      { itemId: 'X', score: 0.1, category: 'books' },
    ],
  ],
]);

const noTrending = { global: [], byCategory: new Map() };
/** CF and trending only, a 90-day purchase half-life, and the pre-placement default exclusions. */
const CF_WEIGHTS = { ...DEFAULT_WEIGHTS, repurchase: 0, reminders: 0, purchaseHalfLifeDays: 90 };
function cfOnly(input: ScoringInput) {
  return recommend({
    ...input,
    options: {
      exclude: new Set(['purchased', 'cart'] as const),
      ...input.options,
      weights: { ...CF_WEIGHTS, ...input.options?.weights },
    },
  });
}
const ids = (input: ScoringInput) => cfOnly(input).map((r) => r.itemId);

describe('sourceItemsFor', () => {
  it('weights recent interactions by type and recency, purchases by their own half-life', () => {
    expect(sourceItemsFor(alice, NOW, { weights: CF_WEIGHTS })).toEqual([
      { itemId: 'B', weight: 1.5, kind: 'cart' },
      { itemId: 'A', weight: 1, kind: 'viewed' },
      { itemId: 'P', weight: 0.5, kind: 'bought' },
    ]);
  });

  it('is bounded by maxSources, strongest first', () => {
    expect(sourceItemsFor(alice, NOW, { maxSources: 2, weights: CF_WEIGHTS }).map((s) => s.itemId)).toEqual([
      'B',
      'A',
    ]);
  });
});

describe('recommend', () => {
  it('blends the neighbours of every source in exact order, with the strongest contribution as reason', () => {
    // Y = 1·0.4 + 1.5·0.6 = 1.3 (best: B, 0.9) · X = 1·0.9 + 0.5·0.1 = 0.95 · Q = 0.5 · Z = 1.5·0.2 = 0.3,
    // scaled so the best scores cf = 1 (÷ 1.3). B is in the cart and excluded.
    expect(cfOnly({ profile: alice, neighbours, trending: noTrending, now: NOW })).toEqual([
      {
        itemId: 'Y',
        score: 1,
        reason: 'because you added B to your cart',
        reasonKind: 'cart',
        reasonRef: 'B',
        category: 'toys',
      },
      {
        itemId: 'X',
        score: 0.730769,
        reason: 'because you viewed A',
        reasonKind: 'viewed',
        reasonRef: 'A',
        category: 'books',
      },
      {
        itemId: 'Q',
        score: 0.384615,
        reason: 'because you bought P',
        reasonKind: 'bought',
        reasonRef: 'P',
        category: 'garden',
      },
      {
        itemId: 'Z',
        score: 0.230769,
        reason: 'because you added B to your cart',
        reasonKind: 'cart',
        reasonRef: 'B',
        category: 'books',
      },
    ]);
  });

  it('excludes cart items only when asked', () => {
    const base = { profile: alice, neighbours, trending: noTrending, now: NOW };
    expect(ids({ ...base, options: { exclude: new Set() } })).toEqual(['Y', 'X', 'B', 'Q', 'Z']);
    expect(ids({ ...base, options: { exclude: new Set(['cart']) } })).toEqual(['Y', 'X', 'Q', 'Z']);
  });

  it('excludes purchases inside the window only', () => {
    const boughtX: ProfileView = {
      ...alice,
      purchased: [...alice.purchased, { itemId: 'X', at: daysAgo(10) }],
    };
    const base = { profile: boughtX, neighbours, trending: noTrending, now: NOW };
    expect(
      ids({ ...base, options: { exclude: new Set(['purchased']), purchasedWindowDays: 30 } }),
    ).not.toContain('X');
    // Bought 10 days ago, window 5 days: recommendable again. (X's own neighbours are not published.)
    expect(ids({ ...base, options: { exclude: new Set(['purchased']), purchasedWindowDays: 5 } })).toContain(
      'X',
    );
    // P itself (bought 90 days ago) is never a candidate here, but a 365-day window would exclude it.
    expect(ids({ ...base, options: { exclude: new Set(), purchasedWindowDays: 365 } })).toContain('X');
  });

  it('drops explicitly excluded items and keeps the rest in order', () => {
    expect(
      ids({
        profile: alice,
        neighbours,
        trending: noTrending,
        now: NOW,
        options: { excludeItems: new Set(['Y', 'Q']) },
      }),
    ).toEqual(['X', 'Z']);
  });

  it('filters by category, leaving out items of unknown category', () => {
    const withUnknown = new Map(neighbours);
    withUnknown.set('A', [...(neighbours.get('A') ?? []), { itemId: 'U', score: 0.95 }]);
    const base = { profile: alice, neighbours: withUnknown, trending: noTrending, now: NOW };
    expect(ids(base)).toContain('U');
    expect(ids({ ...base, options: { category: 'books' } })).toEqual(['X', 'Z']);
  });

  it('caps items per category', () => {
    const many = new Map<string, readonly NeighbourView[]>([
      [
        'A',
        [
          { itemId: 'b1', score: 0.9, category: 'books' },
          { itemId: 'b2', score: 0.8, category: 'books' },
          { itemId: 'b3', score: 0.7, category: 'books' },
          { itemId: 't1', score: 0.6, category: 'toys' },
          { itemId: 'b4', score: 0.5, category: 'books' },
          { itemId: 't2', score: 0.4, category: 'toys' },
        ],
      ],
    ]);
    const viewer: ProfileView = {
      ...alice,
      recent: [alice.recent[0] as ProfileView['recent'][number]],
      purchased: [],
      cart: {},
    };
    const base = { profile: viewer, neighbours: many, trending: noTrending, now: NOW };
    expect(ids(base)).toEqual(['b1', 'b2', 'b3', 't1', 'b4', 't2']);
    expect(ids({ ...base, options: { categoryCap: 2 } })).toEqual(['b1', 'b2', 't1', 't2']);
    expect(ids({ ...base, options: { categoryCap: 1, limit: 10 } })).toEqual(['b1', 't1']);
    expect(ids({ ...base, options: { limit: 3 } })).toEqual(['b1', 'b2', 'b3']);
  });

  it('orders equal scores by item id, whatever the input order', () => {
    const tied = new Map<string, readonly NeighbourView[]>([
      [
        'A',
        [
          { itemId: 'm', score: 0.3 },
          { itemId: 'c', score: 0.1 },
          { itemId: 'k', score: 0.3 },
        ],
      ],
      ['B', [{ itemId: 'c', score: 0.2 / 1.5 }]],
    ]);
    const profile: ProfileView = { ...alice, cart: {}, purchased: [] };
    // c = 1·0.1 + 1.5·(0.2/1.5) = 0.3 (floating-point 0.30000000000000004): ties with k and m.
    expect(ids({ profile, neighbours: tied, trending: noTrending, now: NOW })).toEqual(['c', 'k', 'm']);
    const reversed = new Map([...tied].map(([k, v]) => [k, [...v].reverse()]));
    expect(ids({ profile, neighbours: reversed, trending: noTrending, now: NOW })).toEqual(['c', 'k', 'm']);
  });

  it("adds trending items of the user's top categories, weighted by affinity share", () => {
    const fan: ProfileView = {
      userId: 'fan',
      recent: [],
      purchased: [],
      cart: {},
      // books 3, toys 1 (both as of now): shares 0.75 and 0.25.
      affinities: { books: { score: 3, at: NOW }, toys: { score: 1, at: NOW } },
    };
    const trending = {
      global: [
        { itemId: 'g1', score: 10 },
        { itemId: 't1', score: 5 },
      ],
      byCategory: new Map<string, readonly TrendingEntry[]>([
        [
          'books',
          [
            { itemId: 'k1', score: 4 },
            { itemId: 'k2', score: 2 },
          ],
        ],
        ['toys', [{ itemId: 't1', score: 8 }]],
      ]),
    };
    expect(trendingCategoriesFor(fan, NOW)).toEqual(['books', 'toys']);
    // k1 = 0.5·0.75·1 = 0.375 · k2 = 0.1875 · t1 = 0.5·0.25·1 + 0.1·0.5 = 0.175 · g1 = 0.1
    expect(recommend({ profile: fan, neighbours: new Map(), trending, now: NOW })).toEqual([
      {
        itemId: 'k1',
        score: 0.375,
        reason: 'trending in books',
        reasonKind: 'trending',
        reasonRef: 'books',
        category: 'books',
      },
      {
        itemId: 'k2',
        score: 0.1875,
        reason: 'trending in books',
        reasonKind: 'trending',
        reasonRef: 'books',
        category: 'books',
      },
      {
        itemId: 't1',
        score: 0.175,
        reason: 'trending in toys',
        reasonKind: 'trending',
        reasonRef: 'toys',
        category: 'toys',
      },
      { itemId: 'g1', score: 0.1, reason: 'popular', reasonKind: 'popular' },
    ]);
  });

  it('cold start: no profile gets the global trending list, then the popular fallback', () => {
    const trending = {
      global: [
        { itemId: 'g2', score: 1 },
        { itemId: 'g1', score: 2 },
      ],
      byCategory: new Map(),
    };
    expect(recommend({ neighbours: new Map(), trending, now: NOW })).toEqual([
      { itemId: 'g1', score: 0.1, reason: 'popular', reasonKind: 'popular' },
      { itemId: 'g2', score: 0.05, reason: 'popular', reasonKind: 'popular' },
    ]);
    const popular = [
      { itemId: 'p1', score: 40, category: 'books' },
      { itemId: 'p2', score: 10 },
    ];
    expect(ids({ neighbours: new Map(), trending: noTrending, popular, now: NOW })).toEqual(['p1', 'p2']);
    expect(ids({ neighbours: new Map(), trending: noTrending, now: NOW })).toEqual([]);
  });

  it('cold start with a category uses that category’s trending list', () => {
    const trending = {
      global: [{ itemId: 'g1', score: 1, category: 'toys' }],
      byCategory: new Map([['books', [{ itemId: 'k1', score: 1, category: 'books' }]]]),
    };
    expect(recommend({ neighbours: new Map(), trending, now: NOW, options: { category: 'books' } })).toEqual([
      {
        itemId: 'k1',
        score: 0.5,
        reason: 'trending in books',
        reasonKind: 'trending',
        reasonRef: 'books',
        category: 'books',
      },
    ]);
  });

  it('anonymous visitors: only the current session counts, and purchase history is not a source', () => {
    const visitor: ProfileView = {
      userId: 'anon#v1',
      recent: [
        { type: 'product_view', itemId: 'A', at: hoursAgo(0.1) },
        { type: 'product_view', itemId: 'B', at: hoursAgo(30) },
      ],
      purchased: [{ itemId: 'P', at: daysAgo(1) }],
      cart: {},
      affinities: {},
      session: { id: 's2', startedAt: hoursAgo(0.5), lastAt: hoursAgo(0.1), events: 3 },
    };
    expect(
      sourceItemsFor(visitor, NOW, { sessionOnly: true, weights: CF_WEIGHTS }).map((s) => s.itemId),
    ).toEqual(['A']);
    // Only A's neighbours (B is a neighbour of A, viewed in an older session, and not in the cart).
    expect(
      ids({ profile: visitor, neighbours, trending: noTrending, now: NOW, options: { sessionOnly: true } }),
    ).toEqual(['X', 'B', 'Y']);
    // A session without item interactions falls back to the earlier ones.
    const fresh = {
      ...visitor,
      session: { id: 's3', startedAt: hoursAgo(0), lastAt: hoursAgo(0), events: 1 },
    };
    expect(
      sourceItemsFor(fresh, NOW, { sessionOnly: true, weights: CF_WEIGHTS }).map((s) => s.itemId),
    ).toEqual(['A', 'B']);
  });

  it('weights come from the variant: a stronger recency decay changes the order', () => {
    const quick = { ...CF_WEIGHTS, recencyHalfLifeHours: 1 };
    // B's cart weight: 3 · 2^-24 ≈ 0, so Y drops to 0.4: X (0.95), then Q (0.5) from the purchase.
    expect(
      ids({ profile: alice, neighbours, trending: noTrending, now: NOW, options: { weights: quick } }).slice(
        0,
        2,
      ),
    ).toEqual(['X', 'Q']);
  });
});

describe('similarItems and trendingItems', () => {
  it('lists an item’s neighbours best first, without itself or excluded items', () => {
    const list = [
      { itemId: 'b', score: 0.5 },
      { itemId: 'self', score: 1 },
      { itemId: 'a', score: 0.5 },
      { itemId: 'c', score: 0.9, category: 'toys' },
    ];
    expect(similarItems('self', list, { limit: 2 })).toEqual([
      {
        itemId: 'c',
        score: 0.9,
        reason: 'similar to self',
        reasonKind: 'viewed',
        reasonRef: 'self',
        category: 'toys',
      },
      { itemId: 'a', score: 0.5, reason: 'similar to self', reasonKind: 'viewed', reasonRef: 'self' },
    ]);
    expect(
      similarItems('self', list, { limit: 5, excludeItems: new Set(['c']) }).map((r) => r.itemId),
    ).toEqual(['a', 'b']);
  });

  it('labels global trending as popular and category trending by its category', () => {
    const entries = [
      { itemId: 'x', score: 1 },
      { itemId: 'y', score: 3 },
    ];
    expect(trendingItems(entries, { limit: 1 })).toEqual([
      { itemId: 'y', score: 3, reason: 'popular', reasonKind: 'popular' },
    ]);
    expect(trendingItems(entries, { limit: 1, category: 'books' })).toEqual([
      {
        itemId: 'y',
        score: 3,
        reason: 'trending in books',
        reasonKind: 'trending',
        reasonRef: 'books',
        category: 'books',
      },
    ]);
  });
});

describe('options', () => {
  it('treats explicitly undefined options as absent', () => {
    const base = { profile: alice, neighbours, trending: noTrending, now: NOW };
    const direct = (input: ScoringInput) => recommend(input).map((r) => r.itemId);
    expect(
      direct({ ...base, options: { exclude: undefined, weights: undefined, limit: undefined } }),
    ).toEqual(direct(base));
  });
});
