/**
 * Item statistics as counter deltas. An event contributes to the item's all-time row and to the
 * row of the hour it happened in (hourly rows feed trending and expire by TTL). The consumer sums
 * a whole batch per row in memory, then applies each row's delta with one ADD update.
 */
import { isCanaryEvent } from '../shared/canary';
import type { CanonicalEvent } from '../shared/events';

export const COUNTERS = ['views', 'carts', 'removes', 'purchases', 'units', 'impressions', 'clicks'] as const;
export type Counter = (typeof COUNTERS)[number];
export type CounterDelta = Partial<Record<Counter, number>>;

/** Sort-key value of the all-time row. */
export const TOTAL_BUCKET = 'TOTAL';

/** Sort-key value of the hourly row for an event time: `H#2026-11-26T03`. */
export function hourBucket(occurredAt: string): string {
  return `H#${occurredAt.slice(0, 13)}`;
}

export interface ItemContribution {
  readonly itemId: string;
  readonly category?: string;
  readonly delta: CounterDelta;
}

/** What one event adds to item statistics; freshness-canary events add nothing. */
export function contributionsOf(event: CanonicalEvent): ItemContribution[] {
  if (isCanaryEvent(event)) return [];
  switch (event.type) {
    case 'product_view':
      return [{ itemId: event.itemId, category: event.category, delta: { views: 1 } }];
    case 'add_to_cart':
      return [{ itemId: event.itemId, category: event.category, delta: { carts: 1 } }];
    case 'remove_from_cart':
      return [{ itemId: event.itemId, category: event.category, delta: { removes: 1 } }];
    case 'purchase':
      return event.lineItems.map((line) => ({
        itemId: line.itemId,
        category: line.category,
        delta: { purchases: 1, units: line.quantity },
      }));
    case 'recommendation_impression':
      return event.itemIds.map((itemId) => ({ itemId, delta: { impressions: 1 } }));
    case 'recommendation_click':
      return [{ itemId: event.itemId, delta: { clicks: 1 } }];
    default:
      return [];
  }
}

export function addDelta(into: CounterDelta, delta: CounterDelta): CounterDelta {
  const out: CounterDelta = { ...into };
  for (const counter of COUNTERS) {
    const value = delta[counter];
    if (value) out[counter] = (out[counter] ?? 0) + value;
  }
  return out;
}

/** Purchases per view, from counters after the delta is applied; 0 before the first view. */
export function conversionRate(counts: CounterDelta): number {
  const views = counts.views ?? 0;
  return views > 0 ? (counts.purchases ?? 0) / views : 0;
}
