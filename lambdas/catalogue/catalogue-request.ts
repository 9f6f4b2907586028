/**
 * `PUT /v1/items`: parsing and the UpdateItem each item becomes. Pure (no AWS imports): the handler parses
 * the body here and hands the updates to the table adapter.
 *
 * A request is all or nothing at validation: one invalid item refuses the whole request with a 400 that
 * names every offending field (`items[3].price: …`), so a client never has to work out which half of its
 * batch was stored. Writes are idempotent (SET/REMOVE of the named fields), so resending is always safe.
 */
import type { z } from 'zod';
import { parseJson } from '../ingest/json-syntax';
import {
  CATALOGUE_FIELDS,
  type CatalogueItem,
  CatalogueRequestSchema,
  MAX_CATALOGUE_ITEMS,
} from '../shared/catalogue';

export interface FieldError {
  readonly field: string;
  readonly message: string;
}

/** Why a parsed body's item list is refused (each is also a quarantine `reason=`). */
export type CatalogueRejectionCode = 'invalid_items' | 'too_many_items' | 'duplicate_item';

export type CatalogueParseResult =
  | { ok: true; items: CatalogueItem[] }
  | { ok: false; code: CatalogueRejectionCode; errors: FieldError[] };

export function parseCatalogueRequest(body: unknown): CatalogueParseResult {
  const count = countItems(body);
  if (count > MAX_CATALOGUE_ITEMS) {
    return {
      ok: false,
      code: 'too_many_items',
      errors: [
        { field: 'items', message: `items: ${count} items, at most ${MAX_CATALOGUE_ITEMS} per request` },
      ],
    };
  }
  const parsed = CatalogueRequestSchema.safeParse(body);
  if (!parsed.success) return { ok: false, code: 'invalid_items', errors: fieldErrors(parsed.error) };
  const seen = new Map<string, number>();
  const errors: FieldError[] = [];
  parsed.data.items.forEach((item, index) => {
    const first = seen.get(item.itemId);
    if (first !== undefined) {
      errors.push({
        field: `items[${index}].itemId`,
        message: `items[${index}].itemId: '${item.itemId}' is also items[${first}]; send each item once per request`,
      });
    } else seen.set(item.itemId, index);
  });
  if (errors.length > 0) return { ok: false, code: 'duplicate_item', errors };
  return { ok: true, items: parsed.data.items };
}

export type CatalogueBodyResult =
  | { ok: true; items: CatalogueItem[] }
  | {
      ok: false;
      code: 'invalid_json' | CatalogueRejectionCode;
      /** Every error in one sentence, as the 400 answers it. */
      message: string;
      errors: FieldError[];
    };

/**
 * A request body as text -> the items, or why it is refused: the JSON syntax (with line and column), then the
 * item list. The API (handler.ts) and the replay of refused requests (`recostream quarantine replay`) both
 * validate with it.
 */
export function parseCatalogueBody(text: string): CatalogueBodyResult {
  const json = parseJson(text);
  if (!json.ok) {
    const { message, position, line, column } = json.error;
    return {
      ok: false,
      code: 'invalid_json',
      message: `body is not JSON: ${message} at line ${line}, column ${column}`,
      errors: [{ field: 'body', message: `${message} (position ${position})` }],
    };
  }
  const parsed = parseCatalogueRequest(json.value);
  if (parsed.ok) return parsed;
  return { ...parsed, message: parsed.errors.map((e) => e.message).join('; ') };
}

/** One DynamoDB UpdateItem of the Items table, in DocumentClient terms. */
export interface ItemUpdate {
  readonly key: { readonly itemId: string };
  readonly updateExpression: string;
  /** When set, the update applies only if this holds (a failed condition is `superseded`, not an error). */
  readonly condition?: string;
  readonly names: Readonly<Record<string, string>>;
  readonly values: Readonly<Record<string, unknown>>;
}

export interface ItemUpdateOptions {
  /**
   * Apply only to an item nobody updated since this time (the replay of a request refused then: a later PUT's
   * values must stand).
   */
  readonly notUpdatedSince?: Date;
}

/**
 * The UpdateItem of one item: SET the fields it names with a value, REMOVE those it names as null, leave
 * every other stored field alone; `updatedAt` is always set (server time).
 */
export function itemUpdateOf(item: CatalogueItem, now: Date, options: ItemUpdateOptions = {}): ItemUpdate {
  const names: Record<string, string> = { '#updatedAt': 'updatedAt' };
  const values: Record<string, unknown> = { ':updatedAt': now.toISOString() };
  const set = ['#updatedAt = :updatedAt'];
  const remove: string[] = [];
  for (const field of CATALOGUE_FIELDS) {
    const value = item[field];
    if (value === undefined) continue;
    names[`#${field}`] = field;
    if (value === null) {
      remove.push(`#${field}`);
    } else {
      values[`:${field}`] = value;
      set.push(`#${field} = :${field}`);
    }
  }
  const updateExpression = `SET ${set.join(', ')}${remove.length > 0 ? ` REMOVE ${remove.join(', ')}` : ''}`;
  if (options.notUpdatedSince === undefined)
    return { key: { itemId: item.itemId }, updateExpression, names, values };
  // updatedAt is always an ISO-8601 UTC string of the same length: string order is time order.
  values[':since'] = options.notUpdatedSince.toISOString();
  const condition = 'attribute_not_exists(#updatedAt) OR #updatedAt <= :since';
  return { key: { itemId: item.itemId }, updateExpression, condition, names, values };
}

function countItems(body: unknown): number {
  if (typeof body !== 'object' || body === null || !('items' in body)) return 0;
  const items = (body as { items: unknown }).items;
  return Array.isArray(items) ? items.length : 0;
}

function fieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => {
    const field =
      issue.path
        .map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i > 0 ? '.' : ''}${String(part)}`))
        .join('') || 'body';
    const message =
      issue.code === 'unrecognized_keys'
        ? `${field}: unknown field(s) ${issue.keys.join(', ')}`
        : `${field}: ${issue.message}`;
    return { field, message };
  });
}
