/**
 * Trending at request time: the trending lists of the user's top categories (weighted by each
 * category's share of the user's decayed affinity) and the global list ("popular"), each scaled by
 * its own best score.
 */
import { type CandidatePool, compareIds, compareScores } from './candidate-pool';
import type {
  BlendWeights,
  ProfileView,
  ScoringOptions,
  TrendingEntry,
  TrendingLists,
} from './scoring-model';

const DAY_MS = 86_400_000;

/** The categories whose trending lists scoring uses: the user's top categories, plus the requested one. */
export function trendingCategoriesOf(
  profile: ProfileView | undefined,
  now: number,
  opts: ScoringOptions,
): string[] {
  const top = topCategories(profile, now, opts.weights).map((c) => c.category);
  if (opts.category !== undefined && !top.includes(opts.category)) top.push(opts.category);
  return top;
}

/** Adds the trending lists of the user's categories (`shares`: categoryShares) and the global list. */
export function addTrending(
  pool: CandidatePool,
  shares: readonly (readonly [string, number])[],
  trending: TrendingLists,
  popular: readonly TrendingEntry[] | undefined,
  weights: BlendWeights,
): void {
  for (const [category, share] of shares) {
    const why = { kind: 'trending', ref: category } as const;
    addList(pool, trending.byCategory.get(category) ?? [], weights.trending * share, (id, entry, value) =>
      pool.addNumbered(id, value, why, entry.category ?? category),
    );
  }
  const global = trending.global.length > 0 ? trending.global : (popular ?? []);
  const popularWhy = { kind: 'popular' } as const;
  addList(pool, global, weights.popular, (id, entry, value) =>
    pool.addNumbered(id, value, popularWhy, entry.category),
  );
}

/**
 * The user's top categories with their share of the decayed affinity, plus the requested category (share 1),
 * in category order: the trending lists and the new arrivals (exploration.ts) of these categories count.
 */
export function categoryShares(
  profile: ProfileView | undefined,
  now: number,
  opts: ScoringOptions,
): Array<[string, number]> {
  const shares: Array<[string, number]> = topCategories(profile, now, opts.weights).map((c) => [
    c.category,
    c.share,
  ]);
  if (opts.category !== undefined && !shares.some(([category]) => category === opts.category))
    shares.push([opts.category, 1]);
  return shares.sort(([a], [b]) => compareIds(a, b));
}

/**
 * Adds a best-first list, each entry scaled by its score relative to the list's best. The list's items are
 * numbered once per list object (the row cache hands out the same lists: item-index.ts).
 */
function addList(
  pool: CandidatePool,
  list: readonly TrendingEntry[],
  weight: number,
  add: (id: number, entry: TrendingEntry, value: number) => void,
): void {
  if (!(weight > 0) || list.length === 0) return;
  let max = 0;
  for (const entry of list) if (entry.score > max) max = entry.score;
  if (!(max > 0)) return;
  const ids = pool.index.idsOf(list);
  for (let i = 0; i < list.length; i++) {
    const entry = list[i] as TrendingEntry;
    add(ids[i] as number, entry, (weight * entry.score) / max);
  }
}

function topCategories(
  profile: ProfileView | undefined,
  now: number,
  weights: BlendWeights,
): Array<{ category: string; share: number }> {
  if (!profile || weights.topCategories <= 0) return [];
  const halfLife = weights.affinityHalfLifeDays * DAY_MS;
  // Every request ranks every category of the profile: one array, no entry pairs.
  const ranked: Array<{ category: string; share: number }> = [];
  for (const category in profile.affinities) {
    const a = profile.affinities[category] as ProfileView['affinities'][string];
    const value = a.score * 2 ** (-Math.max(0, now - a.at) / halfLife);
    if (value > 0) ranked.push({ category, share: value });
  }
  ranked.sort((a, b) => compareScores(a.share, b.share) || compareIds(a.category, b.category));
  if (ranked.length > weights.topCategories) ranked.length = weights.topCategories;
  let total = 0;
  for (const c of ranked) total += c.share;
  for (const c of ranked) c.share /= total;
  return ranked;
}
