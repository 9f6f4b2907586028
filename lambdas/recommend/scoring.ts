/**
 * Recommendation scoring: a pure function of a profile view, the neighbour lists the batch job published,
 * trending lists and the options. No I/O and no clock: the API handler and the offline evaluator call the
 * same code with the same inputs and get the same ranking.
 *
 * Placements (one list per intent):
 *   for-you            cf · CF + repurchase · propensity + reminders · browsing + trending + popular
 *   buy-again          repurchase propensity of the items bought before (repurchase.ts)
 *   continue-shopping  viewed or carted, not bought since (reminders.ts)
 *   discover           CF + trending + popular, nothing the user interacted with
 *   (for-you and discover also take the new arrivals of the user's top categories: exploration.ts)
 *
 * Every placement ends in the same step (candidate-pool.ts): exclusions, category filter, per-category
 * cap, limit, and the reason of each item (its largest contribution). `sourceItemsFor` lists the neighbour
 * lists the handler must read before calling `recommend`.
 */
import type { ArrivalAttributes } from './arrival-ranking';
import {
  CandidatePool,
  compareIds,
  compareScores,
  exclusionsOf,
  interactedItems,
  ownCategories,
  round6,
} from './candidate-pool';
import { addCollaborative, type Source, sourcesOf } from './cf-signal';
import { addNewArrivals, reserveNewArrivals, similarNewArrivals } from './exploration';
import { reasonText } from './reasons';
import { addReminders, reminderCandidates } from './reminders';
import { addRepurchases, repurchaseCandidates } from './repurchase';
import {
  type ExplorationOptions,
  type NeighbourView,
  type NewArrivalView,
  type Placement,
  type ProfileView,
  type ReasonKind,
  type Recommendation,
  type ScoringInput,
  type ScoringOptions,
  type TrendingEntry,
  withDefaults,
} from './scoring-model';
import { addTrending, categoryShares, trendingCategoriesOf } from './trending-signal';

export type { Source } from './cf-signal';
export { reasonText } from './reasons';
export * from './scoring-model';

/** Placements that read neighbour and trending lists (the others use the profile alone). */
const USES_PUBLISHED: ReadonlySet<Placement> = new Set<Placement>(['for-you', 'discover']);

export function usesPublishedLists(placement: Placement): boolean {
  return USES_PUBLISHED.has(placement);
}

/** The source items whose neighbour lists `recommend` reads, strongest first, at most `maxSources`. */
export function sourceItemsFor(
  profile: ProfileView | undefined,
  now: number,
  options?: Partial<ScoringOptions>,
): Source[] {
  const opts = withDefaults(options);
  return usesPublishedLists(opts.placement) ? sourcesOf(profile, now, opts) : [];
}

/**
 * The categories whose trending lists (and new-arrivals lists) scoring uses: the user's top categories, plus
 * the requested one.
 */
export function trendingCategoriesFor(
  profile: ProfileView | undefined,
  now: number,
  options?: Partial<ScoringOptions>,
): string[] {
  const opts = withDefaults(options);
  return usesPublishedLists(opts.placement) ? trendingCategoriesOf(profile, now, opts) : [];
}

/** Ranks candidates for a user and a placement (without a profile: trending and popular lists). */
export function recommend(input: ScoringInput): Recommendation[] {
  const opts = withDefaults(input.options);
  const { weights } = opts;
  const { profile, now } = input;
  const pool = new CandidatePool();
  const excluded = exclusionsOf(profile, now, opts);
  // The placements ranked from published lists: neighbours of the sources, trending and new arrivals of the
  // user's categories (their shares computed once for both).
  const addPublished = () => {
    addCollaborative(pool, input.sources ?? sourcesOf(profile, now, opts), input.neighbours, weights.cf);
    const shares = categoryShares(profile, now, opts);
    addTrending(pool, shares, input.trending, input.popular, weights);
    addNewArrivals(pool, shares, input.newArrivals, now, opts.exploration, input.newArrivalAttributes);
  };
  switch (opts.placement) {
    case 'for-you':
      addRepurchases(pool, repurchaseCandidates(profile, now, weights), weights.repurchase);
      addReminders(pool, reminderCandidates(profile, now, weights), weights.reminders);
      addPublished();
      break;
    case 'buy-again':
      addRepurchases(pool, repurchaseCandidates(profile, now, weights), 1);
      break;
    case 'continue-shopping':
      addReminders(pool, reminderCandidates(profile, now, weights), 1);
      break;
    case 'discover':
      addPublished();
      for (const itemId of interactedItems(profile)) excluded.add(itemId);
      break;
  }
  return pool.finish(
    { ...opts, explorationSlots: opts.exploration.slots },
    excluded,
    ownCategories(profile),
    now,
  );
}

/**
 * GET /v1/items/{itemId}/similar: the item's published neighbours, best first; then, with `newArrivals` (the
 * seed's category and its list), the category's new arrivals below them, `exploration.slots` of the first
 * `limit` kept for them (so a seed without neighbours is answered from its category).
 */
export function similarItems(
  itemId: string,
  neighbours: readonly NeighbourView[],
  options: {
    readonly limit: number;
    readonly excludeItems?: ReadonlySet<string>;
    readonly newArrivals?: { readonly category: string; readonly items: readonly NewArrivalView[] };
    readonly now?: number;
    readonly exploration?: ExplorationOptions;
    /** The arrivals' and the seed's catalogue rows: arrivals ranked by attributes shared with the seed. */
    readonly arrivalAttributes?: ArrivalAttributes;
  },
): Recommendation[] {
  const similar = neighbours
    .filter((n) => n.itemId !== itemId && !options.excludeItems?.has(n.itemId) && n.score > 0)
    .sort((a, b) => compareScores(a.score, b.score) || compareIds(a.itemId, b.itemId))
    .map((n) => ({
      itemId: n.itemId,
      score: round6(n.score),
      reason: `similar to ${itemId}`,
      reasonKind: 'viewed' as const,
      reasonRef: itemId,
      ...(n.category !== undefined ? { category: n.category } : {}),
    }));
  const { newArrivals, exploration, now } = options;
  if (!newArrivals || !exploration || now === undefined) return similar.slice(0, options.limit);
  const arrivals = similarNewArrivals(itemId, newArrivals.category, newArrivals.items, similar, {
    now,
    exploration,
    ...(options.excludeItems ? { excludeItems: options.excludeItems } : {}),
    ...(options.arrivalAttributes ? { attributes: options.arrivalAttributes } : {}),
  });
  return reserveNewArrivals([...similar, ...arrivals], options.limit, exploration.slots);
}

/** GET /v1/items/trending: a trending list as recommendations. */
export function trendingItems(
  entries: readonly TrendingEntry[],
  options: { readonly limit: number; readonly category?: string },
): Recommendation[] {
  const kind: ReasonKind = options.category === undefined ? 'popular' : 'trending';
  return [...entries]
    .sort((a, b) => compareScores(a.score, b.score) || compareIds(a.itemId, b.itemId))
    .slice(0, options.limit)
    .map((e) => {
      const category = e.category ?? options.category;
      return {
        itemId: e.itemId,
        score: round6(e.score),
        reason: reasonText(kind, options.category),
        reasonKind: kind,
        ...(options.category !== undefined ? { reasonRef: options.category } : {}),
        ...(category !== undefined ? { category } : {}),
      };
    });
}
