/**
 * The simple baselines a shop could write in an afternoon; each fills up with popular items:
 *
 *   popularity       items by distinct training buyers (interactionMatrix().popular)
 *   buyAgain         the user's own past purchases, most orders first (ties: bought more recently)
 *   recentlyViewed   the items the user interacted with (viewed, carted or bought), most recent first;
 *                    on purchase-only data, the items of their latest orders
 */
import type { ItemHistory } from '../interactions';
import { fill, type ListRequest, rankWithFill } from './ranking';

export function popularityList(request: ListRequest): string[] {
  return fill([], request);
}

export function buyAgainList(history: ReadonlyMap<string, ItemHistory>, request: ListRequest): string[] {
  const scores = new Map<string, number>();
  // Orders first; the latest purchase time (in years, < 1e-3 of one order) breaks ties.
  for (const [item, h] of history)
    if (h.purchases > 0) scores.set(item, h.purchases + h.lastPurchaseAt / 1e16);
  return rankWithFill(scores, request);
}

export function recentlyViewedList(
  history: ReadonlyMap<string, ItemHistory>,
  request: ListRequest,
): string[] {
  const scores = new Map<string, number>();
  // Latest first; within one order (same instant), the item bought in more orders first.
  for (const [item, h] of history) scores.set(item, h.lastAt + Math.min(h.purchases, 999) / 1000);
  return rankWithFill(scores, request);
}
