/**
 * The two baselines the blend must beat:
 *   - global popularity: items by the number of distinct training customers who bought them;
 *   - pure item-kNN: score(j) = sum of sim(i, j) over the items i the user bought, from the same published
 *     neighbour lists the API reads.
 * Ties break by item id, so every run ranks the same way.
 */
import type { PurchaseEvent } from '../lambdas/shared/events';
import type { Neighbour } from '../lambdas/shared/published';

export function popularity(train: readonly PurchaseEvent[]): string[] {
  const buyers = new Map<string, Set<string>>();
  for (const event of train) {
    for (const line of event.lineItems) {
      const set = buyers.get(line.itemId) ?? new Set<string>();
      set.add(event.userId ?? event.anonymousId ?? event.eventId);
      buyers.set(line.itemId, set);
    }
  }
  return [...buyers.entries()]
    .sort(([a, sa], [b, sb]) => sb.size - sa.size || a.localeCompare(b))
    .map(([item]) => item);
}

export function topK(
  ranked: readonly string[],
  k: number,
  exclude: ReadonlySet<string> = new Set(),
): string[] {
  const out: string[] = [];
  for (const item of ranked) {
    if (out.length >= k) break;
    if (!exclude.has(item)) out.push(item);
  }
  return out;
}

export function itemKnn(
  bought: ReadonlySet<string>,
  neighbours: ReadonlyMap<string, readonly Neighbour[]>,
  k: number,
  exclude: ReadonlySet<string> = new Set(),
): string[] {
  const scores = new Map<string, number>();
  for (const item of bought) {
    for (const n of neighbours.get(item) ?? []) scores.set(n.itemId, (scores.get(n.itemId) ?? 0) + n.score);
  }
  const ranked = [...scores.entries()]
    .sort(([a, sa], [b, sb]) => sb - sa || a.localeCompare(b))
    .map(([item]) => item);
  return topK(ranked, k, exclude);
}
