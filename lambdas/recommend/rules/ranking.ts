/**
 * What the rules do to a ranked list, given the catalogue rows of its items: filters drop items, boosts
 * multiply scores and re-sort, and the promotion slot moves the best promoted items into the last places
 * of the first `within` when fewer than `slots` are there already. Pure; catalogue-filter.ts calls it on
 * a ranking window wider than the page, so boosted and promoted items can come from below the page.
 */
import type { CatalogueEntry } from '../../shared/catalogue';
import { matchesAll } from '../../shared/rule-conditions';
import { compareIds, compareScores, round6 } from '../candidate-pool';
import { reserveNewArrivals } from '../exploration';
import type { Recommendation } from '../scoring-model';
import type { AppliedRule, RequestRules } from './request-rules';

/** Largest ranking window a request with rules reads the catalogue for. */
export const MAX_RULES_WINDOW = 200;

export function hasRules(rules: RequestRules | undefined): rules is RequestRules {
  return (
    rules !== undefined &&
    (rules.filters.length > 0 || rules.boosts.length > 0 || rules.promotion !== undefined)
  );
}

/** Candidates ranked for a page of `limit`: the page itself without rules, a wider window with them. */
export function rankingWindow(limit: number, rules: RequestRules | undefined): number {
  if (!hasRules(rules)) return limit;
  return Math.min(MAX_RULES_WINDOW, Math.max(limit * 5, 50, rules.promotion?.within ?? 0));
}

/** Whether the item passes every filter of the request. */
export function passesFilters(rules: RequestRules | undefined, entry: CatalogueEntry | undefined): boolean {
  if (!rules) return true;
  return rules.filters.every((f) => matchesAll(f.match, entry, f.values, rules.now));
}

/**
 * `kept` (items that passed the filters, best first) boosted, re-sorted, with the promotion applied, then
 * `explorationSlots` of the page kept for new arrivals (never displacing a promoted item), cut to `limit`.
 * `promoted` (promoted-candidates.ts, best first) are further candidates of the promotion slot only, taken
 * after the promoted items the ranking holds. Ties keep the item-id order of the scoring, so the same input
 * gives the same list.
 */
export function orderByRules(
  kept: readonly Recommendation[],
  catalogue: ReadonlyMap<string, CatalogueEntry>,
  rules: RequestRules,
  limit: number,
  explorationSlots = 0,
  promoted: readonly Recommendation[] = [],
): Recommendation[] {
  let ordered = kept.map((item) => boosted(item, catalogue.get(item.itemId), rules));
  if (rules.boosts.length > 0) {
    ordered.sort((a, b) => compareScores(a.score, b.score) || compareIds(a.itemId, b.itemId));
  }
  const promotion = rules.promotion;
  if (!promotion) return reserveNewArrivals(ordered, limit, explorationSlots);
  ordered = promote(ordered, promoted, catalogue, promotion, rules.now, limit);
  return reserveNewArrivals(ordered, limit, explorationSlots, (item) =>
    matchesAll(promotion.rule.match, catalogue.get(item.itemId), promotion.rule.values, rules.now),
  );
}

function boosted(
  item: Recommendation,
  entry: CatalogueEntry | undefined,
  rules: RequestRules,
): Recommendation {
  let factor = 1;
  for (const boost of rules.boosts) {
    if (matchesAll(boost.match, entry, boost.values, rules.now)) factor *= boost.factor;
  }
  return factor === 1 ? item : { ...item, score: round6(item.score * factor) };
}

/**
 * Moves the best promoted items from below the first `within` (capped at `limit`), then from `offered`, into
 * its last places (free places first, when the list is shorter than `within`).
 */
function promote(
  ordered: Recommendation[],
  offered: readonly Recommendation[],
  catalogue: ReadonlyMap<string, CatalogueEntry>,
  promotion: { readonly rule: AppliedRule; readonly within: number; readonly slots: number },
  now: number,
  limit: number,
): Recommendation[] {
  const within = Math.min(promotion.within, limit);
  const isPromoted = (item: Recommendation) =>
    matchesAll(promotion.rule.match, catalogue.get(item.itemId), promotion.rule.values, now);
  const present = ordered.slice(0, within).filter(isPromoted).length;
  const missing = Math.min(promotion.slots, within) - present;
  if (missing <= 0) return ordered;
  const listed = new Set(ordered.map((item) => item.itemId));
  const picks = [
    ...ordered.slice(within).filter(isPromoted),
    ...offered.filter((item) => !listed.has(item.itemId) && isPromoted(item)),
  ].slice(0, missing);
  if (picks.length === 0) return ordered;
  const picked = new Set(picks);
  const rest = ordered.filter((item) => !picked.has(item));
  // The picks take the free places of the first `within`, then the places of its lowest unpromoted items.
  const top = rest.slice(0, within);
  const toDisplace = picks.length - (within - top.length);
  const displaced: Recommendation[] = [];
  for (let i = top.length - 1; i >= 0 && displaced.length < toDisplace; i--) {
    const item = top[i] as Recommendation;
    if (!isPromoted(item)) displaced.unshift(...top.splice(i, 1));
  }
  return [...top, ...picks, ...displaced, ...rest.slice(within)];
}
