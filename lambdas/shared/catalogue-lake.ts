/**
 * The catalogue in the lake, one home for its layout: every accepted `PUT /v1/items` appends its changes, one
 * JSON line per item, under `items/dt=<day of the write>/` (change data capture: a row names the fields the
 * request set, `removed_fields` those it removed; a field absent from the row was left as it was). The writer
 * (lambdas/catalogue), the Glue table (lib/catalogue/items-lake-table.ts) and the local DuckDB view
 * (local/lake/query.ts) import it.
 */
import type { CatalogueField, CatalogueItem } from './catalogue';
import type { LakeColumn } from './events/lake-columns';
import { ITEMS_PREFIX } from './lake-layout';

/** Name of the table, in Glue and in DuckDB. */
export const ITEMS_LAKE_TABLE = 'items';

/** The columns of a change row (JSON keys are the column names), Hive types. */
export const ITEM_CHANGE_COLUMNS: readonly LakeColumn[] = [
  { name: 'item_id', type: 'string', comment: 'item id' },
  { name: 'title', type: 'string', comment: 'set by this change' },
  { name: 'category', type: 'string', comment: 'set by this change' },
  { name: 'price', type: 'double', comment: 'set by this change' },
  { name: 'currency', type: 'string', comment: 'set by this change (ISO 4217)' },
  { name: 'availability', type: 'string', comment: 'in_stock, out_of_stock or discontinued' },
  { name: 'created_at', type: 'string', comment: 'when the item entered the catalogue (ISO-8601 text)' },
  { name: 'attributes', type: 'string', comment: 'the whole attribute map, as JSON text' },
  { name: 'removed_fields', type: 'array<string>', comment: 'fields this change removed' },
  { name: 'updated_at', type: 'string', comment: 'when the change was written (ISO-8601 text, UTC)' },
];

export const ITEM_CHANGE_PARTITION_KEYS: readonly LakeColumn[] = [
  { name: 'dt', type: 'string', comment: 'UTC day of the change (yyyy-MM-dd)' },
];

/** One change row, as written to the lake. */
export interface ItemChangeRow {
  readonly item_id: string;
  readonly title?: string;
  readonly category?: string;
  readonly price?: number;
  readonly currency?: string;
  readonly availability?: string;
  readonly created_at?: string;
  readonly attributes?: string;
  readonly removed_fields: readonly CatalogueField[];
  readonly updated_at: string;
}

/** The change row of an accepted item. */
export function itemChangeRow(item: CatalogueItem, updatedAt: Date): ItemChangeRow {
  const removed: CatalogueField[] = [];
  const set: Record<string, unknown> = {};
  const column: Record<CatalogueField, string> = {
    title: 'title',
    category: 'category',
    price: 'price',
    currency: 'currency',
    availability: 'availability',
    createdAt: 'created_at',
    attributes: 'attributes',
  };
  for (const field of Object.keys(column) as CatalogueField[]) {
    const value = item[field];
    if (value === null) removed.push(field);
    else if (value !== undefined) set[column[field]] = field === 'attributes' ? JSON.stringify(value) : value;
  }
  return { item_id: item.itemId, ...set, removed_fields: removed, updated_at: updatedAt.toISOString() };
}

/** The object key of one request's changes: `items/dt=<day>/<time>-<requestId>.jsonl`. */
export function itemChangesKey(prefix: string, at: Date, requestId: string): string {
  const iso = at.toISOString();
  return `${prefix}dt=${iso.slice(0, 10)}/${iso.replace(/[:.]/g, '-')}-${requestId}.jsonl`;
}

export { ITEMS_PREFIX };
