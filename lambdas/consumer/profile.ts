/**
 * The user profile as a pure value, and how events change it. No I/O here: the consumer reads a
 * profile, folds a batch of events into it with `applyEvent`, and writes it back once.
 *
 * Every rule is written so that the result does not depend on arrival order where the event time
 * is known: affinities decay on event time and are commutative, recent interactions are kept
 * sorted by event time, and the cart is last-writer-wins per item on event time.
 */
import type { CanonicalEvent, EventType } from '../shared/events';
import type {
  Affinity,
  BrowsedItem,
  CartLine,
  Interaction,
  OrderSummary,
  Profile,
  SessionFeatures,
} from '../shared/profile-record';

export interface ProfileLimits {
  readonly recentInteractions: number;
  readonly purchasedItems: number;
  readonly browsedItems: number;
  readonly cartLines: number;
  readonly categories: number;
  readonly halfLifeMs: number;
  readonly ttlSeconds: number;
  /** Retry horizon: how long an applied event stays in the ledger, minutes (from its receivedAt). */
  readonly dedupHorizonMinutes: number;
  /** Ledger entries kept at most (bots above it lose exactly-once for their oldest events). */
  readonly ledgerMaxEntries: number;
}

export const DEFAULT_PROFILE_LIMITS: ProfileLimits = {
  recentInteractions: 50,
  purchasedItems: 200,
  browsedItems: 50,
  cartLines: 100,
  categories: 50,
  halfLifeMs: 14 * 24 * 3600 * 1000,
  ttlSeconds: 400 * 24 * 3600,
  dedupHorizonMinutes: 24 * 60,
  ledgerMaxEntries: 4096,
};

/** How much one event says about interest in its category. */
export const AFFINITY_WEIGHTS: Readonly<Partial<Record<EventType, number>>> = {
  page_view: 0.5,
  product_view: 1,
  recommendation_click: 2,
  add_to_cart: 3,
  purchase: 5,
};

export function emptyProfile(userId: string): Profile {
  return {
    userId,
    version: 0,
    hwm: {},
    recent: [],
    affinities: {},
    purchased: [],
    cart: {},
    counts: {},
  };
}

/**
 * A profile being folded: the collections are private mutable copies, so a batch of a user's
 * events costs one copy of the profile instead of one per event. Bounds that only matter for the
 * stored size (categories, purchased items, cart lines) are applied once in `finishProfile`.
 */
export interface ProfileDraft {
  base: Profile;
  recent: Interaction[];
  affinities: Record<string, Affinity>;
  purchased: Map<string, { at: string; count: number; firstAt: string }>;
  orders?: OrderSummary;
  browsed: Record<string, BrowsedItem>;
  cart: Record<string, CartLine>;
  session?: SessionFeatures;
  counts: Partial<Record<EventType, number>>;
  firstEventAt?: string;
  lastEventAt?: string;
  lastReceivedAt?: string;
}

export function draftProfile(profile: Profile): ProfileDraft {
  return {
    base: profile,
    recent: [...profile.recent],
    affinities: { ...profile.affinities },
    purchased: new Map(
      profile.purchased.map((p) => [p.itemId, { at: p.at, count: p.count ?? 1, firstAt: p.firstAt ?? p.at }]),
    ),
    orders: profile.orders,
    browsed: { ...profile.browsed },
    cart: { ...profile.cart },
    session: profile.session,
    counts: { ...profile.counts },
    firstEventAt: profile.firstEventAt,
    lastEventAt: profile.lastEventAt,
    lastReceivedAt: profile.lastReceivedAt,
  };
}

/** Folds one event into a draft (mutates the draft only). Throws on an event it cannot apply, leaving the draft unchanged. */
export function applyEventToDraft(draft: ProfileDraft, event: CanonicalEvent, limits: ProfileLimits): void {
  const at = event.occurredAt;
  const atMs = Date.parse(at);
  if (!Number.isFinite(atMs)) throw new Error(`occurredAt is not a valid time: ${at}`);
  const interactions = interactionsOf(event);

  for (const interaction of interactions) {
    const weight = AFFINITY_WEIGHTS[interaction.type] ?? 0;
    if (interaction.category !== undefined && weight > 0) {
      draft.affinities[interaction.category] = addDecayed(
        draft.affinities[interaction.category],
        weight,
        atMs,
        limits.halfLifeMs,
      );
    }
    insertRecent(draft.recent, interaction, limits.recentInteractions);
  }
  if (event.type === 'page_view' && event.category) {
    draft.affinities[event.category] = addDecayed(
      draft.affinities[event.category],
      AFFINITY_WEIGHTS.page_view ?? 0,
      atMs,
      limits.halfLifeMs,
    );
  }
  if (event.type === 'purchase') {
    // A line item twice in one order counts as one order of the item.
    for (const itemId of new Set(event.lineItems.map((line) => line.itemId))) {
      const previous = draft.purchased.get(itemId);
      draft.purchased.set(itemId, {
        at: maxIso(previous?.at, at),
        count: (previous?.count ?? 0) + 1,
        firstAt: minIso(previous?.firstAt, at),
      });
    }
    const orders = draft.orders;
    draft.orders = {
      count: (orders?.count ?? 0) + 1,
      firstAt: minIso(orders?.firstAt, at),
      lastAt: maxIso(orders?.lastAt, at),
    };
  }
  if (event.type === 'product_view' || event.type === 'add_to_cart') {
    const previous = draft.browsed[event.itemId] ?? { views: 0, carts: 0 };
    draft.browsed[event.itemId] =
      event.type === 'product_view'
        ? { ...previous, views: previous.views + 1, viewedAt: maxIso(previous.viewedAt, at) }
        : { ...previous, carts: previous.carts + 1, cartedAt: maxIso(previous.cartedAt, at) };
  }
  updateCart(draft.cart, event);
  draft.session = updateSession(draft.session, event);
  draft.counts[event.type] = (draft.counts[event.type] ?? 0) + 1;
  draft.firstEventAt = minIso(draft.firstEventAt, at);
  draft.lastEventAt = maxIso(draft.lastEventAt, at);
  draft.lastReceivedAt = maxIso(draft.lastReceivedAt, event.receivedAt);
}

/** The profile a draft describes, with every bound applied. */
export function finishProfile(draft: ProfileDraft, limits: ProfileLimits): Profile {
  const lastReceivedAt = draft.lastReceivedAt;
  return {
    ...draft.base,
    recent: draft.recent,
    affinities: trimAffinities(draft.affinities, limits),
    purchased: [...draft.purchased.entries()]
      .map(([itemId, p]) => ({ itemId, at: p.at, count: p.count, firstAt: p.firstAt }))
      .sort((a, b) => (a.at === b.at ? a.itemId.localeCompare(b.itemId) : a.at < b.at ? 1 : -1))
      .slice(0, limits.purchasedItems),
    ...(draft.orders ? { orders: draft.orders } : {}),
    ...(Object.keys(draft.browsed).length > 0
      ? { browsed: trimBrowsed(draft.browsed, limits.browsedItems) }
      : {}),
    cart: trimCart(draft.cart, limits.cartLines),
    session: draft.session,
    counts: draft.counts,
    firstEventAt: draft.firstEventAt,
    lastEventAt: draft.lastEventAt,
    lastReceivedAt,
    // From the server's receivedAt: a client clock (or an import of old events) cannot expire a profile early.
    expiresAt: lastReceivedAt
      ? Math.floor(Date.parse(lastReceivedAt) / 1000) + limits.ttlSeconds
      : draft.base.expiresAt,
  };
}

/** Folds one event into a profile. Pure: returns a new profile, never mutates. */
export function applyEvent(
  profile: Profile,
  event: CanonicalEvent,
  limits: ProfileLimits = DEFAULT_PROFILE_LIMITS,
): Profile {
  const draft = draftProfile(profile);
  applyEventToDraft(draft, event, limits);
  return finishProfile(draft, limits);
}

/** The item interactions an event carries (a purchase carries one per line item). */
export function interactionsOf(event: CanonicalEvent): Interaction[] {
  const at = event.occurredAt;
  switch (event.type) {
    case 'product_view':
    case 'add_to_cart':
    case 'remove_from_cart':
      return [{ type: event.type, itemId: event.itemId, category: event.category, at }];
    case 'recommendation_click':
      return [{ type: event.type, itemId: event.itemId, at }];
    case 'purchase':
      return event.lineItems.map((line) => ({
        type: event.type,
        itemId: line.itemId,
        category: line.category,
        at,
      }));
    default:
      return [];
  }
}

/**
 * Adds `weight` at time `atMs` to a decayed score. The stored score is kept at the latest event
 * time seen; a late event is decayed to that time before it is added. Both branches give
 * score(t) = Σ wᵢ·2^(-(t - tᵢ)/halfLife), whatever the arrival order.
 */
export function addDecayed(
  current: Affinity | undefined,
  weight: number,
  atMs: number,
  halfLifeMs: number,
): Affinity {
  if (!current) return { score: weight, at: atMs };
  if (atMs >= current.at) {
    return { score: current.score * 2 ** (-(atMs - current.at) / halfLifeMs) + weight, at: atMs };
  }
  return { score: current.score + weight * 2 ** (-(current.at - atMs) / halfLifeMs), at: current.at };
}

/** An affinity's value at time `nowMs`, for ranking categories at read time. */
export function affinityAt(affinity: Affinity, nowMs: number, halfLifeMs: number): number {
  return affinity.score * 2 ** (-Math.max(0, nowMs - affinity.at) / halfLifeMs);
}

function trimAffinities(
  affinities: Record<string, Affinity>,
  limits: ProfileLimits,
): Record<string, Affinity> {
  const entries = Object.entries(affinities);
  if (entries.length <= limits.categories) return affinities;
  const latest = Math.max(...entries.map(([, a]) => a.at));
  entries.sort(
    ([ca, a], [cb, b]) =>
      affinityAt(b, latest, limits.halfLifeMs) - affinityAt(a, latest, limits.halfLifeMs) ||
      ca.localeCompare(cb),
  );
  return Object.fromEntries(entries.slice(0, limits.categories));
}

/** Inserts most recent first by event time (ties keep arrival order), keeping at most `limit`. */
export function insertRecent(recent: Interaction[], interaction: Interaction, limit: number): void {
  let index = recent.length;
  for (let i = 0; i < recent.length; i++) {
    if ((recent[i] as Interaction).at < interaction.at) {
      index = i;
      break;
    }
  }
  if (index >= limit) return;
  recent.splice(index, 0, interaction);
  if (recent.length > limit) recent.length = limit;
}

function updateCart(cart: Record<string, CartLine>, event: CanonicalEvent): void {
  const at = event.occurredAt;
  const change = (itemId: string, quantity: (current: number) => number | null) => {
    const existing = cart[itemId];
    // A change older than the line's last change arrived late: the newer state wins.
    if (existing && existing.at > at) return;
    const next = quantity(existing?.quantity ?? 0);
    if (next === null || next <= 0) delete cart[itemId];
    else cart[itemId] = { quantity: next, at };
  };
  if (event.type === 'add_to_cart') change(event.itemId, (q) => q + event.quantity);
  else if (event.type === 'remove_from_cart') change(event.itemId, (q) => q - event.quantity);
  else if (event.type === 'purchase') for (const line of event.lineItems) change(line.itemId, () => null);
}

function trimCart(cart: Record<string, CartLine>, limit: number): Record<string, CartLine> {
  const lines = Object.entries(cart);
  if (lines.length <= limit) return cart;
  return Object.fromEntries(lines.sort(([, a], [, b]) => (a.at < b.at ? 1 : -1)).slice(0, limit));
}

/** The most recently viewed or carted items (ties by item id, so the bound does not depend on arrival order). */
function trimBrowsed(browsed: Record<string, BrowsedItem>, limit: number): Record<string, BrowsedItem> {
  const items = Object.entries(browsed);
  if (items.length <= limit) return browsed;
  const latest = (b: BrowsedItem) => maxIso(b.viewedAt, b.cartedAt ?? '');
  return Object.fromEntries(
    items
      .sort(([ia, a], [ib, b]) => latest(b).localeCompare(latest(a)) || ia.localeCompare(ib))
      .slice(0, limit),
  );
}

function updateSession(
  session: SessionFeatures | undefined,
  event: CanonicalEvent,
): SessionFeatures | undefined {
  if (!event.sessionId) return session;
  const at = event.occurredAt;
  if (session && session.id === event.sessionId) {
    return {
      id: session.id,
      startedAt: minIso(session.startedAt, at) as string,
      lastAt: maxIso(session.lastAt, at) as string,
      events: session.events + 1,
    };
  }
  // A late event from an older session does not replace the current one.
  if (session && at < session.lastAt) return session;
  return { id: event.sessionId, startedAt: at, lastAt: at, events: 1 };
}

export function maxIso(a: string | undefined, b: string): string {
  return a === undefined || b > a ? b : a;
}

export function minIso(a: string | undefined, b: string): string {
  return a === undefined || b < a ? b : a;
}
