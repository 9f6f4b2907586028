/**
 * The user profile as a pure value, and how events change it. No I/O here: the consumer reads a
 * profile, folds a batch of events into it with `applyEvent`, and writes it back once.
 *
 * Every rule is written so that the result does not depend on arrival order where the event time
 * is known: affinities decay on event time and are commutative, recent interactions are kept
 * sorted by event time, and the cart is last-writer-wins per item on event time.
 */
import type { CanonicalEvent, EventType } from '../shared/events';

export interface Interaction {
  readonly type: EventType;
  readonly itemId: string;
  readonly category?: string;
  /** Event time, ISO-8601 UTC. */
  readonly at: string;
}

/** A category affinity: `score` is the decayed weight as of time `at` (epoch ms). */
export interface Affinity {
  readonly score: number;
  readonly at: number;
}

export interface CartLine {
  readonly quantity: number;
  /** Event time of the last change; older changes arriving late are ignored. */
  readonly at: string;
}

export interface SessionFeatures {
  readonly id: string;
  readonly startedAt: string;
  readonly lastAt: string;
  readonly events: number;
}

export interface Profile {
  readonly userId: string;
  /** Optimistic-lock version: each write is conditional on the version it read. */
  readonly version: number;
  /** Highest Kinesis sequence number applied, per shard: a replayed record is recognised and skipped. */
  readonly hwm: Readonly<Record<string, string>>;
  /** Recently applied eventIds and the sequence number that carried them: producer duplicates are skipped. */
  readonly seen: ReadonlyArray<readonly [eventId: string, sequenceNumber: string]>;
  readonly recent: readonly Interaction[];
  readonly affinities: Readonly<Record<string, Affinity>>;
  readonly purchased: ReadonlyArray<{ readonly itemId: string; readonly at: string }>;
  readonly cart: Readonly<Record<string, CartLine>>;
  readonly session?: SessionFeatures;
  readonly counts: Readonly<Partial<Record<EventType, number>>>;
  readonly firstEventAt?: string;
  readonly lastEventAt?: string;
  /** DynamoDB TTL (epoch seconds): inactive profiles expire. */
  readonly expiresAt?: number;
}

export interface ProfileLimits {
  readonly recentInteractions: number;
  readonly purchasedItems: number;
  readonly seenEventIds: number;
  readonly cartLines: number;
  readonly categories: number;
  readonly halfLifeMs: number;
  readonly ttlSeconds: number;
}

export const DEFAULT_PROFILE_LIMITS: ProfileLimits = {
  recentInteractions: 50,
  purchasedItems: 200,
  seenEventIds: 100,
  cartLines: 100,
  categories: 50,
  halfLifeMs: 14 * 24 * 3600 * 1000,
  ttlSeconds: 400 * 24 * 3600,
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
    seen: [],
    recent: [],
    affinities: {},
    purchased: [],
    cart: {},
    counts: {},
  };
}

/** The key a profile is stored under: the user id, or the anonymous id for visitors who never logged in. */
export function profileKeyOf(event: Pick<CanonicalEvent, 'userId' | 'anonymousId'>): string {
  if (event.userId) return event.userId;
  if (event.anonymousId) return `anon#${event.anonymousId}`;
  throw new Error('event has neither userId nor anonymousId');
}

/** Folds one event into a profile. Pure: returns a new profile, never mutates. */
export function applyEvent(
  profile: Profile,
  event: CanonicalEvent,
  limits: ProfileLimits = DEFAULT_PROFILE_LIMITS,
): Profile {
  const at = event.occurredAt;
  const atMs = Date.parse(at);
  if (!Number.isFinite(atMs)) throw new Error(`occurredAt is not a valid time: ${at}`);
  const interactions = interactionsOf(event);

  const affinityUpdates = interactions
    .filter((i) => i.category !== undefined)
    .map((i) => [i.category as string, AFFINITY_WEIGHTS[i.type] ?? 0] as const)
    .filter(([, weight]) => weight > 0);
  if (event.type === 'page_view' && event.category)
    affinityUpdates.push([event.category, AFFINITY_WEIGHTS.page_view ?? 0]);

  let affinities = profile.affinities;
  for (const [category, weight] of affinityUpdates) {
    affinities = {
      ...affinities,
      [category]: addDecayed(affinities[category], weight, atMs, limits.halfLifeMs),
    };
  }

  const lastEventAt = maxIso(profile.lastEventAt, at);
  return {
    ...profile,
    recent:
      interactions.length > 0
        ? mergeRecent(profile.recent, interactions, limits.recentInteractions)
        : profile.recent,
    affinities: trimAffinities(affinities, limits),
    purchased:
      event.type === 'purchase'
        ? mergePurchased(profile.purchased, event, limits.purchasedItems)
        : profile.purchased,
    cart: updateCart(profile.cart, event, limits.cartLines),
    session: updateSession(profile.session, event),
    counts: { ...profile.counts, [event.type]: (profile.counts[event.type] ?? 0) + 1 },
    firstEventAt: minIso(profile.firstEventAt, at),
    lastEventAt,
    expiresAt: Math.floor(Date.parse(lastEventAt) / 1000) + limits.ttlSeconds,
  };
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

/** Most recent first by event time; ties keep arrival order. Bounded. */
function mergeRecent(
  recent: readonly Interaction[],
  added: readonly Interaction[],
  limit: number,
): Interaction[] {
  const merged = [...recent];
  for (const interaction of added) {
    let index = merged.findIndex((existing) => existing.at < interaction.at);
    if (index === -1) index = merged.length;
    merged.splice(index, 0, interaction);
  }
  return merged.slice(0, limit);
}

function mergePurchased(
  purchased: Profile['purchased'],
  event: Extract<CanonicalEvent, { type: 'purchase' }>,
  limit: number,
): Profile['purchased'] {
  const latest = new Map(purchased.map((p) => [p.itemId, p.at]));
  for (const line of event.lineItems) {
    const previous = latest.get(line.itemId);
    if (previous === undefined || previous < event.occurredAt) latest.set(line.itemId, event.occurredAt);
  }
  return [...latest.entries()]
    .map(([itemId, at]) => ({ itemId, at }))
    .sort((a, b) => (a.at === b.at ? a.itemId.localeCompare(b.itemId) : a.at < b.at ? 1 : -1))
    .slice(0, limit);
}

function updateCart(cart: Profile['cart'], event: CanonicalEvent, limit: number): Profile['cart'] {
  const at = event.occurredAt;
  const changes: Array<[string, number | null]> = [];
  if (event.type === 'add_to_cart') {
    const quantity = (cart[event.itemId]?.quantity ?? 0) + event.quantity;
    changes.push([event.itemId, quantity]);
  } else if (event.type === 'remove_from_cart') {
    const quantity = (cart[event.itemId]?.quantity ?? 0) - event.quantity;
    changes.push([event.itemId, quantity > 0 ? quantity : null]);
  } else if (event.type === 'purchase') {
    for (const line of event.lineItems) changes.push([line.itemId, null]);
  }
  if (changes.length === 0) return cart;

  const next: Record<string, CartLine> = { ...cart };
  for (const [itemId, quantity] of changes) {
    const existing = next[itemId];
    // A change older than the line's last change arrived late: the newer state wins.
    if (existing && existing.at > at) continue;
    if (quantity === null) delete next[itemId];
    else next[itemId] = { quantity, at };
  }
  const lines = Object.entries(next);
  if (lines.length <= limit) return next;
  return Object.fromEntries(lines.sort(([, a], [, b]) => (a.at < b.at ? 1 : -1)).slice(0, limit));
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

function maxIso(a: string | undefined, b: string): string {
  return a === undefined || b > a ? b : a;
}

function minIso(a: string | undefined, b: string): string {
  return a === undefined || b < a ? b : a;
}
