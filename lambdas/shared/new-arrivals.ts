/**
 * The per-category new-arrivals rows of the Items table: the one home of their format, imported by the
 * writer (lambdas/catalogue/dynamo-catalogue.ts) and the reader (lambdas/recommend/dynamo-reads.ts).
 *
 * A row is keyed `newArrivalsKey(category)` (lambdas/shared/catalogue.ts) and holds one attribute, `arrivals`,
 * a DynamoDB string set whose elements are packed like the published lists (published-encoding.ts):
 *
 *   `createdAtMs US itemId`            (US = U+001F; ids cannot contain it, lambdas/shared/ids.ts)
 *
 * A string set rather than one packed string: `ADD arrivals :elements` is atomic, so two catalogue requests
 * that add items of one category at once both land (a packed string needs a read, a conditional put and
 * retries), replaying a request adds nothing (set semantics), and the writer keeps its UpdateItem-only grant.
 * The writer trims a set to the newest `MAX_NEW_ARRIVALS` with `DELETE` after each addition (`surplusOf`).
 *
 * The list is an index of candidates, not the truth: the recommendation API reads the catalogue row of every
 * candidate it returns (availability, category, createdAt), so an element left behind by an item that
 * changed category or creation date is dropped there.
 */

/** Elements a category's row keeps: the newest by createdAt. */
export const MAX_NEW_ARRIVALS = 100;
/** The set attribute of a new-arrivals row. */
export const NEW_ARRIVALS_ATTRIBUTE = 'arrivals';

const FIELD = '\u001f';

/** One item of a category's new-arrivals list. */
export interface NewArrival {
  readonly itemId: string;
  /** Epoch ms of the item's `createdAt`. */
  readonly createdAt: number;
}

export function encodeArrival(arrival: NewArrival): string {
  if (!Number.isFinite(arrival.createdAt) || arrival.itemId === '' || arrival.itemId.includes(FIELD))
    throw new Error(`cannot encode new arrival ${JSON.stringify(arrival)}`);
  return `${Math.trunc(arrival.createdAt)}${FIELD}${arrival.itemId}`;
}

/** One element, or undefined when it is not in this format (skipped by readers, trimmed by the writer). */
export function decodeArrival(element: string): NewArrival | undefined {
  const at = element.indexOf(FIELD);
  if (at <= 0 || at === element.length - 1) return undefined;
  const createdAt = Number(element.slice(0, at));
  return Number.isFinite(createdAt) ? { itemId: element.slice(at + 1), createdAt } : undefined;
}

/**
 * The stored set (the DocumentClient reads a string set as `Set<string>`) -> arrivals, newest first, one per
 * item (its newest element), ties by item id.
 */
export function decodeArrivals(value: unknown): NewArrival[] {
  const elements = value instanceof Set ? [...value] : Array.isArray(value) ? value : [];
  const newest = new Map<string, NewArrival>();
  for (const element of elements) {
    if (typeof element !== 'string') continue;
    const arrival = decodeArrival(element);
    if (!arrival) continue;
    const known = newest.get(arrival.itemId);
    if (!known || known.createdAt < arrival.createdAt) newest.set(arrival.itemId, arrival);
  }
  return [...newest.values()].sort(newestFirst);
}

/**
 * The elements to DELETE from a set after `added` were ADDed: undecodable ones, other elements of the items
 * just added (their createdAt changed), and everything beyond the newest `max`.
 */
export function surplusOf(
  elements: Iterable<string>,
  added: ReadonlySet<string>,
  max: number = MAX_NEW_ARRIVALS,
): string[] {
  const addedItems = new Set<string>();
  for (const element of added) {
    const arrival = decodeArrival(element);
    if (arrival) addedItems.add(arrival.itemId);
  }
  const surplus: string[] = [];
  const kept: Array<{ element: string; arrival: NewArrival }> = [];
  for (const element of elements) {
    const arrival = decodeArrival(element);
    if (!arrival || (addedItems.has(arrival.itemId) && !added.has(element))) surplus.push(element);
    else kept.push({ element, arrival });
  }
  kept.sort((a, b) => newestFirst(a.arrival, b.arrival) || (a.element < b.element ? -1 : 1));
  for (const { element } of kept.slice(max)) surplus.push(element);
  return surplus;
}

function newestFirst(a: NewArrival, b: NewArrival): number {
  return b.createdAt - a.createdAt || (a.itemId < b.itemId ? -1 : a.itemId > b.itemId ? 1 : 0);
}
