/** Dense integer indexes for the items of a model, and the users' vectors in them. */
import type { InteractionMatrix, ItemHistory } from '../interactions';

export interface ItemIndex {
  /** Item ids by index (most popular first). */
  readonly items: readonly string[];
  readonly index: ReadonlyMap<string, number>;
}

/** The `limit` most popular items (all by default). */
export function itemIndex(matrix: InteractionMatrix, limit = Number.POSITIVE_INFINITY): ItemIndex {
  const items = matrix.popular.slice(0, Math.min(limit, matrix.popular.length));
  return { items, index: new Map(items.map((item, i) => [item, i])) };
}

/** A user's (index, signal) pairs for the indexed items. */
export function userVector(
  history: ReadonlyMap<string, ItemHistory>,
  index: ItemIndex,
): Array<readonly [number, number]> {
  const vector: Array<readonly [number, number]> = [];
  for (const [item, h] of history) {
    const i = index.index.get(item);
    if (i !== undefined) vector.push([i, h.signal]);
  }
  return vector;
}
