/**
 * Which new-arrivals rows a catalogue write touches: the items written, as stored after the write, grouped by
 * category, each as its packed element (lambdas/shared/new-arrivals.ts). Pure: the table adapter
 * (dynamo-catalogue.ts) ADDs each group to its category's row. An item needs a category and a createdAt to be
 * listed; an item without createdAt is never a new arrival (set it in the PUT, as Amazon Personalize needs
 * CREATION_TIMESTAMP for its exploration).
 */
import { catalogueEntryOf } from '../shared/catalogue';
import { encodeArrival } from '../shared/new-arrivals';

/** Category -> the elements to ADD to its row (a set: an item is listed once per request). */
export function arrivalsByCategory(rows: readonly Record<string, unknown>[]): Map<string, Set<string>> {
  const groups = new Map<string, Set<string>>();
  for (const row of rows) {
    const entry = catalogueEntryOf(row);
    if (entry?.category === undefined || entry.createdAt === undefined) continue;
    const createdAt = Date.parse(entry.createdAt);
    if (!Number.isFinite(createdAt)) continue;
    let group = groups.get(entry.category);
    if (!group) {
      group = new Set();
      groups.set(entry.category, group);
    }
    group.add(encodeArrival({ itemId: entry.itemId, createdAt }));
  }
  return groups;
}
