/**
 * The placements on a hand-made profile: repurchase propensity and its reason, reminders of what was
 * viewed or carted and not bought since, discover leaving out everything the user touched, for-you
 * blending the three, and exclusions, category filter and cap working on every placement.
 */
import { ago, reasonText } from '../../../lambdas/recommend/reasons';
import {
  DEFAULT_WEIGHTS,
  type NeighbourView,
  PLACEMENTS,
  type ProfileView,
  recommend,
  type ScoringInput,
  sourceItemsFor,
} from '../../../lambdas/recommend/scoring';

const NOW = Date.parse('2026-11-26T12:00:00.000Z');
const hoursAgo = (h: number) => new Date(NOW - h * 3_600_000).toISOString();
const daysAgo = (d: number) => new Date(NOW - d * 86_400_000).toISOString();

/**
 * Bought P in 3 orders (first 60 days ago, last 20 days ago: its own interval 20 days), Q once 5 days ago;
 * 4 orders over 60 days (user interval 20 days). Viewed V twice (last 2 h ago), carted C 1 day ago (still
 * in the cart), viewed P 1 h ago (after its last purchase), viewed Q 10 days ago (before buying it).
 */
const carol: ProfileView = {
  userId: 'carol',
  recent: [
    { type: 'product_view', itemId: 'P', category: 'tea', at: hoursAgo(1) },
    { type: 'product_view', itemId: 'V', category: 'tea', at: hoursAgo(2) },
  ],
  purchased: [
    { itemId: 'Q', at: daysAgo(5), count: 1, firstAt: daysAgo(5) },
    { itemId: 'P', at: daysAgo(20), count: 3, firstAt: daysAgo(60) },
  ],
  orders: { count: 4, firstAt: daysAgo(60), lastAt: daysAgo(5) },
  browsed: {
    V: { views: 2, carts: 0, viewedAt: hoursAgo(2) },
    C: { views: 0, carts: 1, cartedAt: daysAgo(1) },
    P: { views: 1, carts: 0, viewedAt: hoursAgo(1) },
    Q: { views: 1, carts: 0, viewedAt: daysAgo(10) },
  },
  cart: { C: { quantity: 1, at: daysAgo(1) } },
  affinities: { tea: { score: 4, at: NOW } },
};

const neighbours = new Map<string, readonly NeighbourView[]>([
  [
    'P',
    [
      { itemId: 'N1', score: 0.8, category: 'tea' },
      { itemId: 'V', score: 0.5 },
      { itemId: 'N2', score: 0.2, category: 'cups' },
    ],
  ],
  [
    'Q',
    [
      { itemId: 'N2', score: 0.9, category: 'cups' },
      { itemId: 'P', score: 0.4 },
    ],
  ],
  ['V', [{ itemId: 'N3', score: 0.6, category: 'tea' }]],
]);
const trending = { global: [{ itemId: 'G', score: 1, category: 'cups' }], byCategory: new Map() };
const base: ScoringInput = { profile: carol, neighbours, trending, now: NOW };
/** The tests' weights: repurchase decay of 8 intervals, so recency shows (the tuned default barely decays). */
const WEIGHTS = { ...DEFAULT_WEIGHTS, repurchaseHalfLifeIntervals: 8 };
const run = (placement: (typeof PLACEMENTS)[number], options: ScoringInput['options'] = {}) =>
  recommend({ ...base, options: { placement, weights: WEIGHTS, ...options } });
const ids = (placement: (typeof PLACEMENTS)[number], options: ScoringInput['options'] = {}) =>
  run(placement, options).map((r) => r.itemId);

describe('buy-again', () => {
  it('ranks past purchases by count^γ · 2^(−age / (h · interval)) and says why', () => {
    // P: 3 · 2^(−20/(8·20)) = 3 · 2^−0.125 = 2.7510; Q, bought once, decays with the user's interval
    // (60 − 5) / (4 − 1) = 18.33 days: 1 · 2^(−5/(8·18.33)) = 0.9767. Scaled so P scores 1.
    const items = run('buy-again');
    expect(items.map((r) => [r.itemId, r.score, r.reasonKind, r.reason])).toEqual([
      ['P', 1, 'repurchase', 'you bought this 3 times, last 20 days ago'],
      [
        'Q',
        Math.round((2 ** (-5 / (8 * (55 / 3))) / (3 * 2 ** -0.125)) * 1e6) / 1e6,
        'repurchase',
        'you bought this 5 days ago',
      ],
    ]);
  });

  it('fades an item faster when it is usually bought more often', () => {
    const weekly: ProfileView = {
      ...carol,
      purchased: [
        { itemId: 'W', at: daysAgo(21), count: 4, firstAt: daysAgo(42) }, // every 7 days, 3 intervals late
        { itemId: 'M', at: daysAgo(21), count: 2, firstAt: daysAgo(111) }, // every 90 days
      ],
    };
    const weights = { ...DEFAULT_WEIGHTS, repurchaseHalfLifeIntervals: 1 };
    // W: 4 · 2^−3 = 0.5; M: 2 · 2^(−21/90) = 1.70.
    expect(
      recommend({ ...base, profile: weekly, options: { placement: 'buy-again', weights } }).map(
        (r) => r.itemId,
      ),
    ).toEqual(['M', 'W']);
  });

  it('leaves out what is in the cart by default', () => {
    const inCart = { ...carol, cart: { P: { quantity: 1, at: hoursAgo(1) } } };
    expect(
      recommend({ ...base, profile: inCart, options: { placement: 'buy-again' } }).map((r) => r.itemId),
    ).toEqual(['Q']);
  });
});

describe('continue-shopping', () => {
  it('lists what was viewed or carted and not bought since, newest and strongest first', () => {
    // C: cart 3 · 2^(−24/24) = 1.5; V: view 1 · 2^(−2/24) = 0.944; P: viewed after its last purchase,
    // 1 · 2^(−1/24) = 0.972. Q was viewed before it was bought: no reminder.
    expect(run('continue-shopping').map((r) => [r.itemId, r.reason])).toEqual([
      ['C', 'you added this to your cart 1 day ago'],
      ['P', 'you viewed this 1 hour ago'],
      ['V', 'you viewed this twice, last 2 hours ago'],
    ]);
  });
  it('takes the newer of a cart line and the browsing list, and reminds of cart lines the list lost', () => {
    // V's cart line (1 h ago) is newer than its browsing entry knows; K is in the cart only. Ids that name
    // Object's own properties are items like any other.
    const profile: ProfileView = {
      ...carol,
      browsed: {
        V: { views: 2, carts: 0, viewedAt: hoursAgo(2) },
        toString: { views: 1, carts: 0, viewedAt: hoursAgo(5) },
      },
      cart: {
        V: { quantity: 1, at: hoursAgo(1) },
        K: { quantity: 2, at: hoursAgo(4) },
        constructor: { quantity: 1, at: hoursAgo(6) },
      },
    };
    const reasons = recommend({
      ...base,
      profile,
      options: { placement: 'continue-shopping', exclude: new Set() },
    }).map((r) => [r.itemId, r.reason]);
    expect(reasons).toEqual([
      ['V', 'you added this to your cart 1 hour ago'],
      ['K', 'you added this to your cart 4 hours ago'],
      ['constructor', 'you added this to your cart 6 hours ago'],
      ['toString', 'you viewed this 5 hours ago'],
    ]);
  });
});

describe('discover', () => {
  it('recommends only items the user never touched', () => {
    const touched = new Set(['P', 'Q', 'V', 'C']);
    const items = ids('discover');
    expect(items.length).toBeGreaterThan(0);
    for (const item of items) expect(touched.has(item)).toBe(false);
    // Sources: P = view 2^(−1/24) + purchase 2^(−20/60) = 1.766, Q = 2^(−5/60) = 0.944, V = 2^(−2/24) = 0.944.
    // N1 = 1.766·0.8 = 1.413; N2 = 0.944·0.9 + 1.766·0.2 = 1.203; N3 = 0.944·0.6 = 0.566; G is popular.
    expect(items).toEqual(['N1', 'N2', 'N3', 'G']);
  });
});

describe('for-you', () => {
  it('blends repurchases, reminders and neighbours, each with its own reason', () => {
    const items = run('for-you');
    const reasons = Object.fromEntries(items.map((r) => [r.itemId, r.reasonKind]));
    // P is the likeliest repurchase and was viewed an hour ago: the fresh view (8 · 0.97) is its larger
    // part. N1's largest part comes from P, whose strongest interaction is that view.
    expect(reasons).toMatchObject({
      P: 'reminder',
      Q: 'repurchase',
      C: 'reminder',
      V: 'reminder',
      N2: 'bought',
      N1: 'viewed',
    });
    // The fresh reminders and the repurchases lead the neighbours; everything the other placements list is here.
    expect(new Set(items.slice(0, 3).map((r) => r.itemId))).toEqual(new Set(['P', 'C', 'V']));
    for (const other of ['buy-again', 'continue-shopping', 'discover'] as const)
      for (const item of ids(other)) expect(items.map((r) => r.itemId)).toContain(item);
  });

  it('reads only the neighbour lists of the strongest sources', () => {
    expect(sourceItemsFor(carol, NOW, { placement: 'for-you', maxSources: 2 })).toHaveLength(2);
    expect(sourceItemsFor(carol, NOW, { placement: 'buy-again' })).toEqual([]);
    expect(sourceItemsFor(carol, NOW, { placement: 'continue-shopping' })).toEqual([]);
  });
});

describe('every placement', () => {
  it.each(PLACEMENTS)('%s applies excludeItems, the category filter and the cap', (placement) => {
    const all = run(placement);
    expect(all.length).toBeGreaterThan(0);
    const first = all[0]?.itemId as string;
    expect(ids(placement, { excludeItems: new Set([first]) })).not.toContain(first);
    const categories = new Set(all.map((r) => r.category).filter((c) => c !== undefined));
    for (const category of categories) {
      const only = run(placement, { category });
      expect(only.length).toBeGreaterThan(0);
      for (const r of only) expect(r.category).toBe(category);
    }
    const capped = run(placement, { categoryCap: 1 });
    const perCategory = new Map<string, number>();
    for (const r of capped)
      if (r.category) perCategory.set(r.category, (perCategory.get(r.category) ?? 0) + 1);
    for (const n of perCategory.values()) expect(n).toBe(1);
    expect(run(placement, { limit: 1 })).toHaveLength(1);
  });

  it('exclude=purchased,cart works on for-you and continue-shopping', () => {
    const exclude = new Set(['purchased', 'cart'] as const);
    expect(ids('for-you', { exclude })).not.toEqual(expect.arrayContaining(['P']));
    expect(ids('continue-shopping', { exclude })).toEqual(['V']);
  });
});

describe('reasons', () => {
  it('says how long ago in the largest whole unit', () => {
    expect(ago(hoursAgo(0), NOW)).toBe('just now');
    expect(ago(new Date(NOW - 90_000).toISOString(), NOW)).toBe('1 minute ago');
    expect(ago(hoursAgo(49), NOW)).toBe('2 days ago');
    expect(ago(daysAgo(400), NOW)).toBe('1 year ago');
    expect(
      reasonText('repurchase', undefined, { kind: 'repurchase', count: 2, lastAt: daysAgo(12) }, NOW),
    ).toBe('you bought this twice, last 12 days ago');
    expect(
      reasonText(
        'reminder',
        undefined,
        { kind: 'reminder', action: 'carted', times: 1, at: hoursAgo(3) },
        NOW,
      ),
    ).toBe('you added this to your cart 3 hours ago');
  });
});
