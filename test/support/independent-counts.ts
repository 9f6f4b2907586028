/**
 * Counts computed straight from the events, independently of the consumer's code, and the same counts
 * read from a store: per user and event type, per item row (all-time and hourly) and counter.
 */
import type { CanonicalEvent } from '../../lambdas/shared/events';
import type { InMemoryFeatureStore } from './in-memory-feature-store';

export type Counts = Record<string, Record<string, number>>;

function bump(into: Counts, key: string, counter: string, by = 1) {
  const row = into[key] ?? {};
  row[counter] = (row[counter] ?? 0) + by;
  into[key] = row;
}

export function expectedCounts(input: readonly CanonicalEvent[]): { users: Counts; items: Counts } {
  const users: Counts = {};
  const items: Counts = {};
  for (const e of input) {
    bump(users, e.userId ?? `anon#${e.anonymousId}`, e.type);
    const count = (itemId: string, counter: string, by = 1) => {
      bump(items, `${itemId} TOTAL`, counter, by);
      bump(items, `${itemId} H#${e.occurredAt.slice(0, 13)}`, counter, by);
    };
    if (e.type === 'product_view') count(e.itemId, 'views');
    if (e.type === 'add_to_cart') count(e.itemId, 'carts');
    if (e.type === 'remove_from_cart') count(e.itemId, 'removes');
    if (e.type === 'purchase')
      for (const line of e.lineItems) {
        count(line.itemId, 'purchases');
        count(line.itemId, 'units', line.quantity);
      }
    if (e.type === 'recommendation_impression') for (const itemId of e.itemIds) count(itemId, 'impressions');
    if (e.type === 'recommendation_click') count(e.itemId, 'clicks');
  }
  return { users, items };
}

export function storedCounts(store: InMemoryFeatureStore): { users: Counts; items: Counts } {
  const users: Counts = {};
  for (const profile of store.profiles.values())
    users[profile.userId] = { ...profile.counts } as Record<string, number>;
  const items: Counts = {};
  for (const row of store.items.values())
    items[`${row.itemId} ${row.bucket}`] = { ...row.counts } as Record<string, number>;
  return { users, items };
}
