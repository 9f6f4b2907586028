/**
 * Cold start: new catalogue items (lambdas/shared/new-arrivals.ts) reach for-you, discover and similar
 * through their category until collaborative data exists. Pure, the clock comes in as `now`.
 *
 * - A new arrival younger than `maxAgeDays` scores `weight × share × (1 − age / maxAgeDays)`: `share` is the
 *   category's part of the user's affinity (for-you, discover) or 1 (the seed's category in similar), and
 *   `weight` (0.05) is far below the best collaborative score (weights.cf, 1), so the blend ranks it under
 *   collaborative evidence. In similar it scores below the weakest neighbour.
 * - `slots` (1) of the first `limit` places are kept for new arrivals when there are such candidates
 *   (candidate-pool.ts for the ranking, `reserveNewArrivals` for the final page after the catalogue and the
 *   rules), like Amazon Personalize's exploration and Gorse's "latest items" recall.
 * - Among themselves they are ranked by attribute overlap with the reference items, then recency
 *   (arrival-ranking.ts): `freshness` above becomes that rank's value, and the reason names the shared
 *   attribute ("new in kitchen: colour red, like Red kettle").
 * - Once an item has collaborative or trending evidence larger than its new-arrival score, that is its
 *   reason, and it competes like any other item.
 */
import { type ArrivalAttributes, type RankedArrival, rankNewArrivals } from './arrival-ranking';
import { type CandidatePool, compareIds, compareScores, round6 } from './candidate-pool';
import { type ReasonDetail, reasonText } from './reasons';
import type { ExplorationOptions, NewArrivalView, Recommendation } from './scoring-model';

const DAY_MS = 86_400_000;

/**
 * Arrivals per category whose catalogue rows a request reads to rank them by attributes: the freshest ten
 * (a "new in" shelf; each is one more key, one read unit, of the request's catalogue read). The older ones
 * rank by recency below those that share an attribute.
 */
export const ARRIVALS_RANKED_BY_ATTRIBUTES = 10;

/** How fresh a new arrival is: 1 when just created, falling to 0 at `maxAgeDays`; 0 outside [0, maxAge). */
export function freshness(createdAt: number, now: number, maxAgeDays: number): number {
  const age = now - createdAt;
  const maxAge = maxAgeDays * DAY_MS;
  if (!(maxAge > 0) || age < 0 || age >= maxAge) return 0;
  return 1 - age / maxAge;
}

/** The ids of the freshest `ARRIVALS_RANKED_BY_ATTRIBUTES` arrivals of each list younger than maxAgeDays. */
export function arrivalsToRank(
  lists: Iterable<readonly NewArrivalView[]>,
  now: number,
  exploration: ExplorationOptions,
): string[] {
  const ids = new Set<string>();
  for (const list of lists) {
    const fresh = list.filter((a) => freshness(a.createdAt, now, exploration.maxAgeDays) > 0);
    for (const a of fresh.slice(0, ARRIVALS_RANKED_BY_ATTRIBUTES)) ids.add(a.itemId);
  }
  return [...ids];
}

/**
 * Adds the new arrivals of each category, weighted by the category's share and ranked by `attributes`
 * (absent: by recency).
 */
export function addNewArrivals(
  pool: CandidatePool,
  shares: ReadonlyArray<readonly [string, number]>,
  lists: ReadonlyMap<string, readonly NewArrivalView[]> | undefined,
  now: number,
  exploration: ExplorationOptions,
  attributes?: ArrivalAttributes,
): void {
  if (!lists || exploration.slots <= 0 || !(exploration.weight > 0)) return;
  const ranks = rankedArrivals(
    shares.flatMap(([category]) => lists.get(category) ?? []),
    now,
    exploration,
    attributes,
  );
  for (const [category, share] of shares) {
    for (const arrival of lists.get(category) ?? []) {
      const rank = ranks.get(arrival.itemId);
      if (!rank) continue;
      pool.add(arrival.itemId, exploration.weight * share * rank.value, newReason(category, rank), category);
    }
  }
}

function rankedArrivals(
  arrivals: readonly NewArrivalView[],
  now: number,
  exploration: ExplorationOptions,
  attributes: ArrivalAttributes | undefined,
): Map<string, RankedArrival> {
  const candidates = arrivals.map((a) => ({
    itemId: a.itemId,
    freshness: freshness(a.createdAt, now, exploration.maxAgeDays),
  }));
  return new Map(rankNewArrivals(candidates, attributes).map((r) => [r.itemId, r]));
}

function newReason(
  category: string,
  rank: RankedArrival,
): { kind: 'new'; ref: string; detail?: ReasonDetail } {
  if (!rank.shared) return { kind: 'new', ref: category };
  const { name, value, like } = rank.shared;
  return { kind: 'new', ref: category, detail: { kind: 'new', attribute: name, value, like } };
}

/**
 * The new arrivals of the seed item's category as recommendations for `similar`, best first: after every
 * neighbour (scaled below the weakest one), without the seed, the neighbours and `excludeItems`.
 */
export function similarNewArrivals(
  seedItemId: string,
  category: string,
  arrivals: readonly NewArrivalView[],
  neighbours: readonly Recommendation[],
  options: {
    readonly now: number;
    readonly exploration: ExplorationOptions;
    readonly excludeItems?: ReadonlySet<string>;
    /** The arrivals' catalogue rows and the seed as the reference: ranked by attributes, then recency. */
    readonly attributes?: ArrivalAttributes;
  },
): Recommendation[] {
  const { exploration, now } = options;
  if (exploration.slots <= 0 || !(exploration.weight > 0)) return [];
  const listed = new Set(neighbours.map((n) => n.itemId));
  const scale = neighbours.reduce((min, n) => Math.min(min, n.score), 1);
  const candidates = arrivals.filter(
    (a) => a.itemId !== seedItemId && !listed.has(a.itemId) && !options.excludeItems?.has(a.itemId),
  );
  const ranks = rankedArrivals(candidates, now, exploration, options.attributes);
  const result: Recommendation[] = [];
  for (const arrival of candidates) {
    const rank = ranks.get(arrival.itemId);
    if (!rank) continue;
    const score = round6(scale * exploration.weight * rank.value);
    if (!(score > 0)) continue;
    const why = newReason(category, rank);
    result.push({
      itemId: arrival.itemId,
      score,
      reason: reasonText('new', category, why.detail),
      reasonKind: 'new',
      reasonRef: category,
      category,
    });
  }
  return result.sort((a, b) => compareScores(a.score, b.score) || compareIds(a.itemId, b.itemId));
}

/**
 * The page's exploration slots after filtering and rules: when the first `limit` of `ordered` hold fewer than
 * `slots` new arrivals, the best new arrivals below take the last places, displacing the lowest items that
 * are neither new arrivals nor `protect`ed (the promotion's items). The result is cut to `limit`.
 */
export function reserveNewArrivals<T extends Recommendation>(
  ordered: readonly T[],
  limit: number,
  slots: number,
  protect: (item: T) => boolean = () => false,
): T[] {
  const page = ordered.slice(0, limit);
  const isNew = (item: T) => item.reasonKind === 'new';
  let missing = Math.min(slots, limit) - page.filter(isNew).length;
  if (missing <= 0) return page;
  for (const pick of ordered.slice(limit).filter(isNew)) {
    if (missing <= 0) break;
    let out = -1;
    for (let i = page.length - 1; i >= 0 && out < 0; i--) {
      const item = page[i] as T;
      if (!isNew(item) && !protect(item)) out = i;
    }
    if (page.length >= limit && out < 0) break;
    if (out >= 0 && page.length >= limit) page.splice(out, 1);
    page.push(pick);
    missing--;
  }
  return page;
}
