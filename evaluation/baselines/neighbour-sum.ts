/**
 * The cf job's published model on its own: a user's score for j is Σ sim(i, j) over the items i in their
 * history, from the same neighbour lists the API reads (RP3beta since issue 14). What the blend adds to
 * it (recency of the sources, repurchases, reminders, trending) is the difference between the two.
 */
import type { Neighbour } from '../../lambdas/shared/published';
import type { ItemHistory } from '../interactions';
import { type ListRequest, rankWithFill } from './ranking';

export function neighbourSumList(
  neighbours: ReadonlyMap<string, readonly Neighbour[]>,
  history: ReadonlyMap<string, ItemHistory>,
  request: ListRequest,
): string[] {
  const scores = new Map<string, number>();
  for (const item of history.keys()) {
    for (const n of neighbours.get(item) ?? []) scores.set(n.itemId, (scores.get(n.itemId) ?? 0) + n.score);
  }
  return rankWithFill(scores, request);
}
