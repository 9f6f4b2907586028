/**
 * Storing validated catalogue items: one UpdateItem per item (with the index rows, dynamo-catalogue.ts), then
 * the written ones appended to the lake's `items` table (item-change-log.ts), in that order so the lake never
 * holds a change the table refused. Shared by `PUT /v1/items` (handler.ts) and the operator's replay of
 * refused requests (`recostream quarantine replay`), so a replayed request is stored exactly like an accepted one.
 */
import type { CatalogueItem } from '../shared/catalogue';
import { type ItemUpdateOptions, itemUpdateOf } from './catalogue-request';
import type { CatalogueWriteResult, CatalogueWriter } from './dynamo-catalogue';
import type { ItemChangeLog } from './item-change-log';

export interface StoreItemsResult extends CatalogueWriteResult {
  /** Set when the table has the written items but the lake append failed: every written item needs a resend. */
  readonly notLogged?: string;
}

export async function storeCatalogueItems(
  items: readonly CatalogueItem[],
  now: Date,
  writer: CatalogueWriter,
  changes?: ItemChangeLog,
  options: ItemUpdateOptions = {},
): Promise<StoreItemsResult> {
  const result = await writer.write(items.map((item) => itemUpdateOf(item, now, options)));
  const written = new Set(result.written);
  try {
    await changes?.append(
      items.filter((item) => written.has(item.itemId)),
      now,
    );
  } catch (error) {
    // The table has the items, the lake not: a resend writes the same values and logs them.
    return { ...result, notLogged: String(error) };
  }
  return result;
}
