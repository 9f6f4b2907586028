/**
 * How a catalogue write changes the promoted-items row (lambdas/shared/promoted-items.ts): the items written,
 * as stored after the write, that match the promotion filter and are available are ADDed; the others are
 * removed (an item leaves the row when it stops matching or becomes unavailable; `isPromoted` decides).
 * Pure: the table adapter (catalogue-indexes.ts) applies the change.
 */

import { catalogueEntryOf } from '../shared/catalogue';
import { encodeArrival } from '../shared/new-arrivals';
import { isPromoted } from '../shared/promoted-items';
import type { FilterRule } from '../shared/recommend-rules';

export interface PromotedChange {
  /** Elements to ADD (one per matching item, with its current createdAt). */
  readonly add: Set<string>;
  /**
   * Elements of items that must not be in the row, packed with their current createdAt; the writer deletes
   * these and any other element of those items it finds in the row.
   */
  readonly remove: Set<string>;
}

export function promotedChange(rows: readonly Record<string, unknown>[], rule: FilterRule): PromotedChange {
  const add = new Set<string>();
  const remove = new Set<string>();
  for (const row of rows) {
    const entry = catalogueEntryOf(row);
    if (!entry) continue;
    const createdAt = entry.createdAt === undefined ? Number.NaN : Date.parse(entry.createdAt);
    const element = encodeArrival({
      itemId: entry.itemId,
      createdAt: Number.isFinite(createdAt) ? createdAt : 0,
    });
    if (isPromoted(entry, rule)) add.add(element);
    else remove.add(element);
  }
  return { add, remove };
}
