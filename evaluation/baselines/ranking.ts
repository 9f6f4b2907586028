/** What every baseline shares: the list length, what it must leave out, and the popular fill. */

export interface ListRequest {
  readonly k: number;
  /** Items that must not be listed (the user's own items under the unseen-items scoring). */
  readonly exclude: ReadonlySet<string>;
  /** Most popular first: fills the list when the method has fewer than k items. */
  readonly popular: readonly string[];
}

/** The best k of `scores` (ties by item id), then popular items, skipping excluded ones. */
export function rankWithFill(scores: ReadonlyMap<string, number>, request: ListRequest): string[] {
  const ranked = [...scores]
    .filter(([item, score]) => score > 0 && !request.exclude.has(item))
    .sort(([a, sa], [b, sb]) => sb - sa || (a < b ? -1 : a > b ? 1 : 0));
  const out = ranked.slice(0, request.k).map(([item]) => item);
  return fill(out, request);
}

/** Appends popular items not yet listed and not excluded, up to k. */
export function fill(list: string[], request: ListRequest): string[] {
  if (list.length >= request.k) return list;
  const listed = new Set(list);
  for (const item of request.popular) {
    if (list.length >= request.k) break;
    if (!listed.has(item) && !request.exclude.has(item)) list.push(item);
  }
  return list;
}
