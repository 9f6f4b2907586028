/**
 * The two protocols, as splits of one event list into what the batch jobs may see and the orders held out:
 *
 * leaveLastOrderOut  every user with two or more orders has the last one (by time, then order id) held
 *                    out. The batch jobs see every other event except the held-out users' events at or
 *                    after their held-out order; the profile holds the user's events before it.
 *                    As in the literature's protocol, the batch jobs do see other users' later orders.
 * nextPurchase       the batch jobs see only the events before a cut-off (default: 2 days before the
 *                    data's last event). For every user whose first purchase after the cut-off has earlier
 *                    history, that purchase is held out and the profile holds everything the user did
 *                    before it, after the cut-off too: what the stream consumer knows and a nightly job does not.
 *
 * Nothing at or after a held-out order's time reaches its profile, and nothing after the cut-off reaches
 * the batch jobs of nextPurchase (test/unit/evaluation/protocols.test.ts checks both).
 *
 * `validationSplits` cuts the same protocol again from the training period only (the batch events), for
 * tuning (nextPurchase at several rolling origins): the held-out orders of the real split are never looked
 * at while choosing weights.
 */
import { interactionsOf } from '../lambdas/consumer/profile';
import type { CanonicalEvent, PurchaseEvent } from '../lambdas/shared/events';
import { profileKeyOf } from '../lambdas/shared/profile-record';
import { timeOf } from './dataset';

export const PROTOCOLS = ['leaveLastOrderOut', 'nextPurchase'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

const DAY_MS = 86_400_000;
/** nextPurchase's default cut-off: this long before the data's last event. */
export const DEFAULT_CUTOFF_BEFORE_END_MS = 2 * DAY_MS;

export interface HeldOutCase {
  /** The profile key (user id, or anon#<anonymousId>). */
  readonly userKey: string;
  /** When the held-out order happened: recommendations are made as of just before it. */
  readonly at: string;
  readonly orderId: string;
  /** Distinct items of the held-out order. */
  readonly items: ReadonlySet<string>;
  /** The user's events strictly before `at`, in time order: what their profile is built from. */
  readonly history: readonly CanonicalEvent[];
  /** Items the user viewed, carted, clicked or bought in `history`. */
  readonly interacted: ReadonlySet<string>;
}

export interface ProtocolSplit {
  readonly protocol: Protocol;
  /** What the batch jobs (cf, trending) and the baselines' models are trained on. */
  readonly batch: readonly CanonicalEvent[];
  /** The batch jobs' window end (ISO-8601 UTC, whole seconds). */
  readonly batchAsOf: string;
  /** nextPurchase only: the cut-off, and how long before the data's last event it is. */
  readonly cutoff?: string;
  readonly horizonMs?: number;
  readonly cases: readonly HeldOutCase[];
  /** The instant the trending job last ran for a case (its window end). */
  trendingAsOf(c: HeldOutCase): string;
}

interface Order {
  readonly orderId: string;
  readonly at: number;
  readonly events: PurchaseEvent[];
}

/** Events per user key (profileKeyOf), in input order. */
export function byUser(events: readonly CanonicalEvent[]): Map<string, CanonicalEvent[]> {
  const users = new Map<string, CanonicalEvent[]>();
  for (const event of events) {
    const key = profileKeyOf(event);
    let list = users.get(key);
    if (!list) {
      list = [];
      users.set(key, list);
    }
    list.push(event);
  }
  return users;
}

/** A user's orders (purchase events grouped by order id), by time then order id. */
function ordersOf(events: readonly CanonicalEvent[]): Order[] {
  const orders = new Map<string, Order>();
  for (const event of events) {
    if (event.type !== 'purchase') continue;
    const order = orders.get(event.orderId);
    if (order) order.events.push(event);
    else orders.set(event.orderId, { orderId: event.orderId, at: timeOf(event), events: [event] });
  }
  return [...orders.values()].sort(
    (a, b) => a.at - b.at || (a.orderId < b.orderId ? -1 : a.orderId > b.orderId ? 1 : 0),
  );
}

function heldOutCase(
  userKey: string,
  order: Order,
  userEvents: readonly CanonicalEvent[],
): HeldOutCase | undefined {
  const history = userEvents.filter((e) => timeOf(e) < order.at);
  if (history.length === 0) return undefined;
  const interacted = new Set<string>();
  for (const event of history) for (const i of interactionsOf(event)) interacted.add(i.itemId);
  return {
    userKey,
    at: new Date(order.at).toISOString(),
    orderId: order.orderId,
    items: new Set(order.events.flatMap((e) => e.lineItems.map((l) => l.itemId))),
    history,
    interacted,
  };
}

export function leaveLastOrderOut(events: readonly CanonicalEvent[]): ProtocolSplit {
  const cases: HeldOutCase[] = [];
  /** Per held-out user: events at or after this instant are not training data. */
  const hiddenFrom = new Map<string, number>();
  for (const [userKey, userEvents] of byUser(events)) {
    const orders = ordersOf(userEvents);
    if (orders.length < 2) continue;
    const last = orders[orders.length - 1] as Order;
    const c = heldOutCase(userKey, last, userEvents);
    if (!c) continue;
    cases.push(c);
    hiddenFrom.set(userKey, last.at);
  }
  const batch = events.filter((e) => {
    const from = hiddenFrom.get(profileKeyOf(e));
    return from === undefined || timeOf(e) < from;
  });
  cases.sort((a, b) => (a.userKey < b.userKey ? -1 : a.userKey > b.userKey ? 1 : 0));
  const lastReceived = batch.reduce((max, e) => Math.max(max, Date.parse(e.receivedAt)), 0);
  return {
    protocol: 'leaveLastOrderOut',
    batch,
    batchAsOf: wholeSecondAfter(lastReceived),
    cases,
    // As the 15-minute schedule would have published it at the start of the order's day (one run per day).
    trendingAsOf: (c) => `${c.at.slice(0, 10)}T00:00:00Z`,
  };
}

export function nextPurchase(events: readonly CanonicalEvent[], cutoffIso?: string): ProtocolSplit {
  const end = events.length > 0 ? timeOf(events[events.length - 1] as CanonicalEvent) : 0;
  const cutoff =
    cutoffIso !== undefined
      ? parseCutoff(cutoffIso)
      : Math.floor((end - DEFAULT_CUTOFF_BEFORE_END_MS) / 1000) * 1000;
  const batch = events.filter((e) => timeOf(e) < cutoff && Date.parse(e.receivedAt) <= cutoff);
  const cases: HeldOutCase[] = [];
  for (const [userKey, userEvents] of byUser(events)) {
    const first = ordersOf(userEvents).find((o) => o.at >= cutoff);
    if (!first) continue;
    const c = heldOutCase(userKey, first, userEvents);
    if (c) cases.push(c);
  }
  cases.sort((a, b) => (a.userKey < b.userKey ? -1 : a.userKey > b.userKey ? 1 : 0));
  const cutoffText = new Date(cutoff).toISOString().replace('.000Z', 'Z');
  return {
    protocol: 'nextPurchase',
    batch,
    batchAsOf: cutoffText,
    cutoff: cutoffText,
    horizonMs: Math.max(DAY_MS, end - cutoff),
    cases,
    trendingAsOf: () => cutoffText,
  };
}

/**
 * nextPurchase's validation origins: this many cut-offs, one horizon apart, before the real one. One origin
 * holds out about 60 orders on the UCI data; twelve hold out about 1,000, as many as leaveLastOrderOut's
 * validation has users with unseen items, so tuning sees both protocols alike.
 */
export const VALIDATION_ORIGINS = 12;

/**
 * The same protocol cut again from the training period only (the split's batch events), for tuning: the
 * held-out orders of the real split are never looked at.
 *
 * leaveLastOrderOut  once, on the batch events: each user's last training order.
 * nextPurchase       rolling origins: origin j (1..origins) is the real protocol moved j horizons back. Its
 *                    cut-off is j horizons before the real one, its data ends where origin j − 1's cut-off
 *                    is (the real cut-off for j = 1), so its batch jobs see only what came before its cut-off
 *                    and its held-out orders are each user's first purchase within one horizon after it.
 *                    Origins without a held-out order (a holiday) are left out.
 */
export function validationSplits(
  split: ProtocolSplit,
  origins: number = VALIDATION_ORIGINS,
): ProtocolSplit[] {
  if (split.protocol === 'leaveLastOrderOut') return [leaveLastOrderOut(split.batch)];
  const cutoff = Date.parse(split.cutoff as string);
  const horizon = split.horizonMs ?? DEFAULT_CUTOFF_BEFORE_END_MS;
  const out: ProtocolSplit[] = [];
  for (let j = 1; j <= origins; j++) {
    const end = cutoff - (j - 1) * horizon;
    const origin = nextPurchase(
      split.batch.filter((e) => timeOf(e) < end),
      new Date(cutoff - j * horizon).toISOString(),
    );
    if (origin.cases.length > 0) out.push(origin);
  }
  return out;
}

function parseCutoff(iso: string): number {
  const ms = Date.parse(iso);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(iso) || !Number.isFinite(ms))
    throw new Error(`--cutoff must be an ISO-8601 instant like 2011-10-29T00:00:00Z, got '${iso}'`);
  return ms;
}

function wholeSecondAfter(epochMs: number): string {
  return new Date((Math.floor(epochMs / 1000) + 1) * 1000).toISOString().replace('.000Z', 'Z');
}
