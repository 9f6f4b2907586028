/**
 * The user × item data the baselines learn from and score with: per user and item the strongest
 * signal (a purchase 1, a cart 0.5, a view 0.2: the cf job's defaults), counts and times.
 */
import { interactionsOf } from '../lambdas/consumer/profile';
import { DEFAULT_CF_SETTINGS } from '../lambdas/jobs/job-sql';
import type { CanonicalEvent } from '../lambdas/shared/events';
import { timeOf } from './dataset';
import { byUser } from './protocols';

export interface ItemHistory {
  /** Strongest signal: purchase > cart > view (click counts as a view). */
  readonly signal: number;
  /** Orders containing the item. */
  readonly purchases: number;
  /** Latest interaction of any kind, epoch ms. */
  readonly lastAt: number;
  /** Latest purchase, epoch ms (0: never bought). */
  readonly lastPurchaseAt: number;
}

const SIGNAL: Readonly<Record<string, number>> = {
  purchase: DEFAULT_CF_SETTINGS.purchaseWeight,
  add_to_cart: DEFAULT_CF_SETTINGS.cartWeight,
  product_view: DEFAULT_CF_SETTINGS.viewWeight,
  recommendation_click: DEFAULT_CF_SETTINGS.viewWeight,
};

/** One user's items from their events (in any order). */
export function historyOf(events: readonly CanonicalEvent[]): Map<string, ItemHistory> {
  const items = new Map<
    string,
    { signal: number; purchases: number; lastAt: number; lastPurchaseAt: number }
  >();
  const countedOrders = new Set<string>();
  for (const event of events) {
    const at = timeOf(event);
    for (const interaction of interactionsOf(event)) {
      const signal = SIGNAL[interaction.type] ?? 0;
      if (!(signal > 0)) continue;
      let h = items.get(interaction.itemId);
      if (!h) {
        h = { signal: 0, purchases: 0, lastAt: 0, lastPurchaseAt: 0 };
        items.set(interaction.itemId, h);
      }
      h.signal = Math.max(h.signal, signal);
      h.lastAt = Math.max(h.lastAt, at);
      if (event.type === 'purchase') {
        const key = `${event.orderId}\u0000${interaction.itemId}`;
        if (!countedOrders.has(key)) {
          countedOrders.add(key);
          h.purchases++;
        }
        h.lastPurchaseAt = Math.max(h.lastPurchaseAt, at);
      }
    }
  }
  return items;
}

export interface InteractionMatrix {
  /** User key -> item -> history. */
  readonly users: ReadonlyMap<string, ReadonlyMap<string, ItemHistory>>;
  /** Every item, most popular first: distinct buyers, then distinct users, then item id. */
  readonly popular: readonly string[];
  /** Distinct users per item. */
  readonly itemUsers: ReadonlyMap<string, number>;
}

export function interactionMatrix(events: readonly CanonicalEvent[]): InteractionMatrix {
  const perUser = byUser(events);
  const users = new Map<string, Map<string, ItemHistory>>();
  const buyers = new Map<string, number>();
  const itemUsers = new Map<string, number>();
  for (const [key, list] of perUser) {
    const items = historyOf(list);
    if (items.size === 0) continue;
    users.set(key, items);
    for (const [item, h] of items) {
      itemUsers.set(item, (itemUsers.get(item) ?? 0) + 1);
      if (h.purchases > 0) buyers.set(item, (buyers.get(item) ?? 0) + 1);
    }
  }
  const popular = [...itemUsers.keys()].sort(
    (a, b) =>
      (buyers.get(b) ?? 0) - (buyers.get(a) ?? 0) ||
      (itemUsers.get(b) ?? 0) - (itemUsers.get(a) ?? 0) ||
      (a < b ? -1 : a > b ? 1 : 0),
  );
  return { users, popular, itemUsers };
}
