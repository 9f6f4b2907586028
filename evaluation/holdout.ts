/**
 * Leave-last-basket-out: for every customer with at least two orders, their last order (by time, then
 * order id) is held out; everything else — including every order of one-order customers — is training
 * data. The held-out items are what the customer actually bought next.
 */
import type { PurchaseEvent } from '../lambdas/shared/events';

export interface HeldOutUser {
  readonly userId: string;
  /** When the held-out order happened: recommendations are made as of just before it. */
  readonly at: string;
  readonly orderId: string;
  /** Distinct items of the held-out order. */
  readonly items: ReadonlySet<string>;
  /** Distinct items the user bought in the training data. */
  readonly previouslyBought: ReadonlySet<string>;
}

export interface HoldoutSplit {
  readonly train: PurchaseEvent[];
  readonly users: HeldOutUser[];
}

export function leaveLastOrderOut(events: readonly PurchaseEvent[]): HoldoutSplit {
  // One order may span several events (a split invoice): group by user and order id.
  const orders = new Map<string, Map<string, PurchaseEvent[]>>();
  for (const event of events) {
    if (!event.userId) continue;
    const byOrder = orders.get(event.userId) ?? new Map<string, PurchaseEvent[]>();
    orders.set(event.userId, byOrder);
    byOrder.set(event.orderId, [...(byOrder.get(event.orderId) ?? []), event]);
  }
  const heldOutIds = new Set<string>();
  const users: HeldOutUser[] = [];
  for (const [userId, byOrder] of orders) {
    if (byOrder.size < 2) continue;
    const ordered = [...byOrder.entries()].sort(
      ([a, ea], [b, eb]) =>
        (ea[0] as PurchaseEvent).occurredAt.localeCompare((eb[0] as PurchaseEvent).occurredAt) ||
        a.localeCompare(b),
    );
    const [orderId, last] = ordered.at(-1) as [string, PurchaseEvent[]];
    for (const e of last) heldOutIds.add(e.eventId);
    const previouslyBought = new Set(
      ordered.slice(0, -1).flatMap(([, es]) => es.flatMap((e) => e.lineItems.map((l) => l.itemId))),
    );
    users.push({
      userId,
      orderId,
      at: (last[0] as PurchaseEvent).occurredAt,
      items: new Set(last.flatMap((e) => e.lineItems.map((l) => l.itemId))),
      previouslyBought,
    });
  }
  users.sort((a, b) => a.userId.localeCompare(b.userId));
  return { train: events.filter((e) => !heldOutIds.has(e.eventId)), users };
}
