/**
 * The recommendation benches' data, the same on every run (seeded): a catalogue of 5,000 items in 20
 * categories, each with 50 published neighbours; global and per-category trending lists of 100; profiles
 * with 5-50 recent interactions, up to 20 purchases, a cart and category affinities.
 */
import type { ProfileView, TrendingEntry } from '../lambdas/recommend/scoring';
import { round } from './stats';

export const ITEMS = 5_000;
export const NEIGHBOURS = 50;
export const CATEGORIES = 20;
export const TRENDING = 100;
const EVENT_TYPES = ['product_view', 'product_view', 'product_view', 'add_to_cart', 'purchase'] as const;

/** mulberry32: a small seeded PRNG, so every run builds the same data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const itemId = (i: number) => `item-${String(i).padStart(5, '0')}`;
const categoryOf = (i: number) => `cat-${String(i % CATEGORIES).padStart(2, '0')}`;

export interface Catalogue {
  readonly neighbours: Map<
    string,
    Array<{ itemId: string; score: number; support: number; category: string }>
  >;
  readonly global: TrendingEntry[];
  readonly byCategory: Map<string, TrendingEntry[]>;
}

export function buildCatalogue(random: () => number): Catalogue {
  const neighbours = new Map<
    string,
    Array<{ itemId: string; score: number; support: number; category: string }>
  >();
  for (let i = 0; i < ITEMS; i++) {
    const list = new Map<number, number>();
    while (list.size < NEIGHBOURS) {
      // Half the neighbours in the same category, as co-purchases tend to be.
      const j =
        random() < 0.5
          ? (i + CATEGORIES * (1 + Math.floor(random() * 200))) % ITEMS
          : Math.floor(random() * ITEMS);
      if (j !== i && !list.has(j)) list.set(j, round(0.05 + 0.95 * random() ** 2, 4));
    }
    neighbours.set(
      itemId(i),
      [...list]
        .sort((a, b) => b[1] - a[1])
        .map(([j, score]) => ({
          itemId: itemId(j),
          score,
          support: 2 + Math.floor(random() * 40),
          category: categoryOf(j),
        })),
    );
  }
  const popular = (filter: (i: number) => boolean) => {
    const ids: number[] = [];
    while (ids.length < TRENDING) {
      const i = Math.floor(ITEMS * random() ** 3);
      if (filter(i) && !ids.includes(i)) ids.push(i);
    }
    return ids.map((i, rank) => ({
      itemId: itemId(i),
      score: round(1000 / (rank + 1), 3),
      category: categoryOf(i),
    }));
  };
  const byCategory = new Map<string, TrendingEntry[]>();
  for (let c = 0; c < CATEGORIES; c++)
    byCategory.set(
      categoryOf(c),
      popular((i) => i % CATEGORIES === c),
    );
  return { neighbours, global: popular(() => true), byCategory };
}

export function buildProfile(
  userId: string,
  random: () => number,
  now: number,
): ProfileView & Record<string, unknown> {
  const recent = Array.from({ length: 5 + Math.floor(random() * 46) }, (_, k) => {
    const i = Math.floor(ITEMS * random() ** 2);
    return {
      type: EVENT_TYPES[Math.floor(random() * EVENT_TYPES.length)] as (typeof EVENT_TYPES)[number],
      itemId: itemId(i),
      category: categoryOf(i),
      at: new Date(now - k * 600_000 - Math.floor(random() * 600_000)).toISOString(),
    };
  });
  const purchased = Array.from({ length: Math.floor(random() * 21) }, (_, k) => {
    const count = 1 + Math.floor(random() * 5);
    return {
      itemId: itemId(Math.floor(random() * ITEMS)),
      at: new Date(now - (k + 1) * 3 * 86_400_000).toISOString(),
      count,
      firstAt: new Date(now - (k + 1 + count * 10) * 3 * 86_400_000).toISOString(),
    };
  });
  const orders = purchased.length
    ? {
        count: purchased.reduce((n, p) => Math.max(n, p.count), 0) + 2,
        firstAt: [...purchased].sort((a, b) => a.firstAt.localeCompare(b.firstAt))[0]?.firstAt as string,
        lastAt: purchased[0]?.at as string,
      }
    : undefined;
  const browsed: Record<string, { views: number; carts: number; viewedAt?: string; cartedAt?: string }> = {};
  for (const r of recent) {
    const b = browsed[r.itemId] ?? { views: 0, carts: 0 };
    if (r.type === 'product_view')
      browsed[r.itemId] = { ...b, views: b.views + 1, viewedAt: b.viewedAt ?? r.at };
    if (r.type === 'add_to_cart')
      browsed[r.itemId] = { ...b, carts: b.carts + 1, cartedAt: b.cartedAt ?? r.at };
  }
  const affinities: Record<string, { score: number; at: number }> = {};
  for (const r of recent) {
    const a = affinities[r.category as string] ?? { score: 0, at: now };
    affinities[r.category as string] = { score: a.score + 1, at: now };
  }
  const cart: Record<string, { quantity: number; at: string }> = {};
  for (let k = 0; k < Math.floor(random() * 4); k++) {
    cart[itemId(Math.floor(random() * ITEMS))] = { quantity: 1, at: new Date(now).toISOString() };
  }
  return {
    userId,
    version: 1,
    hwm: {},
    seen: [],
    counts: {},
    recent,
    purchased,
    ...(orders ? { orders } : {}),
    browsed,
    cart,
    affinities,
  };
}
