/**
 * What `recostream catalogue reindex` changes: the index rows of the Items table rebuilt from the items
 * themselves, for a deployment that first configured (or changed) its promotion filter, or index rows that
 * drifted. Pure: fed every row of a scan, page by page (items and index rows alike), it says, per index row,
 * which elements to ADD and which to DELETE so the row holds exactly what the writer would have put there
 * (catalogue-indexes.ts, with the same membership rules: new-arrivals-index.ts, promoted-index.ts) had every
 * item been written under the current filter, bounded like the writer's. ADD/DELETE of named elements rather
 * than a whole-row put: an element a live write adds meanwhile stays. A second rebuild plans nothing.
 */
import { NEW_ARRIVALS_KEY_PREFIX, newArrivalsKey, PROMOTED_ITEMS_KEY } from '../shared/catalogue';
import {
  decodeArrivals,
  encodeArrival,
  MAX_NEW_ARRIVALS,
  NEW_ARRIVALS_ATTRIBUTE,
} from '../shared/new-arrivals';
import { MAX_PROMOTED_ITEMS, PROMOTED_ITEMS_ATTRIBUTE } from '../shared/promoted-items';
import type { FilterRule } from '../shared/recommend-rules';
import { arrivalsByCategory } from './new-arrivals-index';
import { promotedChange } from './promoted-index';

/** One index row to change. */
export interface IndexRowChange {
  /** The row's `itemId` (newArrivalsKey(category) or PROMOTED_ITEMS_KEY). */
  readonly key: string;
  readonly attribute: string;
  readonly add: ReadonlySet<string>;
  readonly remove: ReadonlySet<string>;
}

export interface IndexRebuildOptions {
  /** Rebuild the promoted-items row (the deployment's rules are known). */
  readonly promoted: boolean;
  /** The filter it indexes; none (or not indexable) empties the row. */
  readonly promotion?: FilterRule;
}

export class IndexRebuild {
  private readonly desiredArrivals = new Map<string, Set<string>>();
  private readonly desiredPromoted = new Set<string>();
  private readonly current = new Map<string, { attribute: string; elements: Set<string> }>();
  private itemRows = 0;

  constructor(private readonly options: IndexRebuildOptions) {}

  /** One page of the scan. */
  add(rows: readonly Record<string, unknown>[]): void {
    const items: Record<string, unknown>[] = [];
    for (const row of rows) {
      const key = row.itemId;
      if (typeof key !== 'string') continue;
      if (key.startsWith(NEW_ARRIVALS_KEY_PREFIX)) this.remember(key, NEW_ARRIVALS_ATTRIBUTE, row);
      else if (key === PROMOTED_ITEMS_KEY) this.remember(key, PROMOTED_ITEMS_ATTRIBUTE, row);
      else items.push(row);
    }
    this.itemRows += items.length;
    for (const [category, elements] of arrivalsByCategory(items)) {
      const key = newArrivalsKey(category);
      const desired = this.desiredArrivals.get(key) ?? new Set<string>();
      for (const element of elements) desired.add(element);
      this.desiredArrivals.set(key, newest(desired, MAX_NEW_ARRIVALS));
    }
    if (this.options.promoted && this.options.promotion) {
      const { add } = promotedChange(items, this.options.promotion);
      for (const element of add) this.desiredPromoted.add(element);
      const kept = newest(this.desiredPromoted, MAX_PROMOTED_ITEMS);
      this.desiredPromoted.clear();
      for (const element of kept) this.desiredPromoted.add(element);
    }
  }

  /** Item rows seen (index rows not counted). */
  get items(): number {
    return this.itemRows;
  }

  /** The changes, after the last page: only rows whose elements differ from what they should hold. */
  changes(): IndexRowChange[] {
    const targets = new Map<string, { attribute: string; desired: ReadonlySet<string> }>();
    for (const [key, desired] of this.desiredArrivals)
      targets.set(key, { attribute: NEW_ARRIVALS_ATTRIBUTE, desired });
    for (const [key, { attribute }] of this.current)
      if (!targets.has(key) && attribute === NEW_ARRIVALS_ATTRIBUTE)
        targets.set(key, { attribute, desired: new Set() });
    if (this.options.promoted)
      targets.set(PROMOTED_ITEMS_KEY, { attribute: PROMOTED_ITEMS_ATTRIBUTE, desired: this.desiredPromoted });

    const changes: IndexRowChange[] = [];
    for (const [key, { attribute, desired }] of [...targets].sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    )) {
      const current = this.current.get(key)?.elements ?? new Set<string>();
      const add = new Set([...desired].filter((e) => !current.has(e)));
      const remove = new Set([...current].filter((e) => !desired.has(e)));
      if (add.size > 0 || remove.size > 0) changes.push({ key, attribute, add, remove });
    }
    return changes;
  }

  private remember(key: string, attribute: string, row: Record<string, unknown>): void {
    const value = row[attribute];
    const elements = value instanceof Set ? value : Array.isArray(value) ? new Set(value) : new Set();
    this.current.set(key, {
      attribute,
      elements: new Set([...elements].filter((e): e is string => typeof e === 'string')),
    });
  }
}

/** The newest `max` elements (by createdAt, then item id), one per item, as the writer keeps them. */
function newest(elements: ReadonlySet<string>, max: number): Set<string> {
  // Every element here was packed by encodeArrival, so packing the decoded arrival gives it back.
  return new Set(
    decodeArrivals([...elements])
      .slice(0, max)
      .map(encodeArrival),
  );
}
