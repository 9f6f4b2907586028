/**
 * What a batch of events says about items the catalogue may not know yet: the title (Segment's product
 * `name`), category, price and currency carried by product views, cart events and purchase lines. Pure.
 *
 * Each item with something to say becomes ONE UpdateItem of the Items table per batch (not per event), whose
 * every field is `if_not_exists`: a field the catalogue API (PUT /v1/items) set is never overwritten, and a
 * replayed or redelivered batch writes the values already there (no change). Within a batch the latest event
 * (by occurredAt) gives each field. `FilledItems` remembers, per execution environment, the fills already
 * written, so an item viewed in every batch costs one write, not one per batch.
 */
import type { ItemUpdate } from '../catalogue/catalogue-request';
import { isCanaryEvent } from '../shared/canary';
import type { CanonicalEvent } from '../shared/events';

export interface CatalogueFill {
  readonly title?: string;
  readonly category?: string;
  readonly price?: number;
  readonly currency?: string;
}

const FILL_FIELDS = ['title', 'category', 'price', 'currency'] as const;
type FillField = (typeof FILL_FIELDS)[number];

/** Item id -> the fields the batch's events give it (only items with at least one). */
export function catalogueFillsOf(events: readonly CanonicalEvent[]): Map<string, CatalogueFill> {
  const latest = new Map<
    string,
    { fill: Partial<Record<FillField, string | number>>; at: Map<FillField, string> }
  >();
  const offer = (
    itemId: string,
    at: string,
    fields: Partial<Record<FillField, string | number | undefined>>,
  ) => {
    let entry = latest.get(itemId);
    for (const field of FILL_FIELDS) {
      const value = fields[field];
      if (value === undefined) continue;
      if (!entry) {
        entry = { fill: {}, at: new Map() };
        latest.set(itemId, entry);
      }
      const seen = entry.at.get(field);
      if (seen !== undefined && seen > at) continue;
      entry.fill[field] = value;
      entry.at.set(field, at);
    }
  };
  for (const event of events) {
    if (isCanaryEvent(event)) continue;
    switch (event.type) {
      case 'product_view':
      case 'add_to_cart':
      case 'remove_from_cart':
        offer(event.itemId, event.occurredAt, event);
        break;
      case 'purchase':
        for (const line of event.lineItems) {
          offer(line.itemId, event.occurredAt, {
            category: line.category,
            price: line.price,
            currency: event.currency,
          });
        }
        break;
      default:
        break;
    }
  }
  return new Map([...latest].map(([itemId, { fill }]) => [itemId, fill as CatalogueFill]));
}

/** `SET #f = if_not_exists(#f, :f), …` for every field the fill has. */
export function fillUpdateOf(itemId: string, fill: CatalogueFill): ItemUpdate {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const set: string[] = [];
  for (const field of FILL_FIELDS) {
    const value = fill[field];
    if (value === undefined) continue;
    names[`#${field}`] = field;
    values[`:${field}`] = value;
    set.push(`#${field} = if_not_exists(#${field}, :${field})`);
  }
  return { key: { itemId }, updateExpression: `SET ${set.join(', ')}`, names, values };
}

/** The fills written by this execution environment (bounded, oldest forgotten first). */
export class FilledItems {
  private readonly written = new Map<string, string>();
  constructor(private readonly capacity = 50_000) {}

  /** The fills not written before with these very values. */
  pending(fills: ReadonlyMap<string, CatalogueFill>): Map<string, CatalogueFill> {
    const out = new Map<string, CatalogueFill>();
    for (const [itemId, fill] of fills)
      if (this.written.get(itemId) !== fingerprint(fill)) out.set(itemId, fill);
    return out;
  }

  remember(itemId: string, fill: CatalogueFill): void {
    this.written.delete(itemId);
    this.written.set(itemId, fingerprint(fill));
    if (this.written.size > this.capacity) {
      const oldest = this.written.keys().next().value;
      if (oldest !== undefined) this.written.delete(oldest);
    }
  }
}

function fingerprint(fill: CatalogueFill): string {
  return JSON.stringify(FILL_FIELDS.map((field) => fill[field] ?? null));
}
