/**
 * The stored profile record: one home for its shape. The consumer writes it (lambdas/consumer), the
 * recommendation API reads the `ProfileView` part of it (lambdas/recommend), the evaluator and the local
 * tools build it; all of them import these types, and both DynamoDB adapters read a stored item through
 * `profileRecordSchema` instead of a cast, so a stored item that does not match is an error that names the
 * field, not a silent `undefined` deep inside scoring.
 *
 * Profiles are keyed by the user id, or `anon#<anonymousId>` for visitors who never logged in
 * (`ANONYMOUS_PROFILE_PREFIX`, lambdas/shared/ids.ts, which also reserves the prefix on every entry point).
 */
import { z } from 'zod';
import { EVENT_TYPES, type EventType } from './events/schema';
import { ANONYMOUS_PROFILE_PREFIX } from './ids';

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

/** One item the user bought: when last and first, and in how many orders (purchase events). */
export interface PurchasedItem {
  readonly itemId: string;
  /** Event time of the latest order with the item. */
  readonly at: string;
  /** Orders containing the item (absent on profiles written before it was tracked: read as 1). */
  readonly count?: number;
  /** Event time of the first order with the item. */
  readonly firstAt?: string;
}

/** The user's orders as a whole: how many, the first and the latest (for the typical inter-purchase interval). */
export interface OrderSummary {
  readonly count: number;
  readonly firstAt: string;
  readonly lastAt: string;
}

/** An item the user looked at or carted: counts and the latest time of each (event time). */
export interface BrowsedItem {
  readonly views: number;
  readonly carts: number;
  readonly viewedAt?: string;
  readonly cartedAt?: string;
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
  /**
   * Highest Kinesis sequence number applied per shard, with the record's arrival time
   * (`<sequence>@<epoch s>`, sequence.ts): a redelivered record is recognised and skipped. Shards whose
   * records are all past the stream's retention are dropped.
   */
  readonly hwm: Readonly<Record<string, string>>;
  /**
   * The events applied during the retry horizon and the record that carried each (binary, layout in
   * lambdas/shared/event-ledger.ts): a producer duplicate (same eventId, another record) is skipped.
   * Absent while empty.
   */
  readonly ledger?: Uint8Array;
  readonly recent: readonly Interaction[];
  readonly affinities: Readonly<Record<string, Affinity>>;
  readonly purchased: readonly PurchasedItem[];
  /** Absent on profiles written before orders were summarised. */
  readonly orders?: OrderSummary;
  /** Viewed or carted items, the most recently touched ones (browsing reminders, "continue shopping"). */
  readonly browsed?: Readonly<Record<string, BrowsedItem>>;
  readonly cart: Readonly<Record<string, CartLine>>;
  readonly session?: SessionFeatures;
  readonly counts: Readonly<Partial<Record<EventType, number>>>;
  readonly firstEventAt?: string;
  readonly lastEventAt?: string;
  /** The newest server `receivedAt` of an applied event: the TTL counts from it, not from client clocks. */
  readonly lastReceivedAt?: string;
  /** DynamoDB TTL (epoch seconds): inactive profiles expire. */
  readonly expiresAt?: number;
  /**
   * On an anonymous profile: the user it is linked to (lambdas/shared/identity.ts). Written once; the profile
   * is frozen from then on and its later events go to the user.
   */
  readonly linkedTo?: string;
  /** On a user's profile: the anonymous ids whose profiles were merged into it (each exactly once). */
  readonly linkedAnonymous?: readonly string[];
}

/** What scoring reads of a profile: the part of the record the recommendation API needs. */
export type ProfileView = Pick<
  Profile,
  'userId' | 'recent' | 'purchased' | 'orders' | 'browsed' | 'cart' | 'affinities' | 'session' | 'linkedTo'
>;

/** The key a profile is stored under: the user id, or the anonymous id for visitors who never logged in. */
export function profileKeyOf(event: { readonly userId?: string; readonly anonymousId?: string }): string {
  if (event.userId) return event.userId;
  if (event.anonymousId) return `${ANONYMOUS_PROFILE_PREFIX}${event.anonymousId}`;
  throw new Error('event has neither userId nor anonymousId');
}

const isoTime = z.string();
const count = z.number().finite().nonnegative();

const interactionSchema = z.object({
  type: z.enum(EVENT_TYPES),
  itemId: z.string(),
  category: z.string().optional(),
  at: isoTime,
});
const affinitySchema = z.object({ score: z.number().finite(), at: z.number().finite() });
const cartLineSchema = z.object({ quantity: z.number().finite(), at: isoTime });
const purchasedItemSchema = z.object({
  itemId: z.string(),
  at: isoTime,
  count: count.optional(),
  firstAt: isoTime.optional(),
});
const orderSummarySchema = z.object({ count, firstAt: isoTime, lastAt: isoTime });
const browsedItemSchema = z.object({
  views: count,
  carts: count,
  viewedAt: isoTime.optional(),
  cartedAt: isoTime.optional(),
});
const sessionSchema = z.object({ id: z.string(), startedAt: isoTime, lastAt: isoTime, events: count });

/**
 * Collections absent on older items read as empty; `partialRecord` because a profile counts only the
 * event types it has seen.
 */
const viewShape = {
  userId: z.string(),
  recent: z.array(interactionSchema).default([]),
  purchased: z.array(purchasedItemSchema).default([]),
  orders: orderSummarySchema.optional(),
  browsed: z.record(z.string(), browsedItemSchema).optional(),
  cart: z.record(z.string(), cartLineSchema).default({}),
  affinities: z.record(z.string(), affinitySchema).default({}),
  session: sessionSchema.optional(),
  linkedTo: z.string().optional(),
};

/** The whole stored record, as the consumer reads it back before folding a batch into it. */
export const profileRecordSchema: z.ZodType<Profile, unknown> = z.object({
  ...viewShape,
  version: z.number().int().nonnegative(),
  hwm: z.record(z.string(), z.string()).default({}),
  ledger: z.instanceof(Uint8Array).optional(),
  counts: z.partialRecord(z.enum(EVENT_TYPES), count).default({}),
  firstEventAt: isoTime.optional(),
  lastEventAt: isoTime.optional(),
  lastReceivedAt: isoTime.optional(),
  expiresAt: z.number().int().optional(),
  linkedAnonymous: z.array(z.string()).optional(),
});

/** The part scoring reads; other attributes of the stored item are ignored. */
export const profileViewSchema: z.ZodType<ProfileView, unknown> = z.object(viewShape);

/** A stored profile item as the consumer's record; throws naming the first field that does not match. */
export function parseProfileRecord(item: unknown): Profile {
  return parseOrExplain(profileRecordSchema, item);
}

/** A stored profile item as scoring reads it; throws naming the first field that does not match. */
export function parseProfileView(item: unknown): ProfileView {
  return parseOrExplain(profileViewSchema, item);
}

function parseOrExplain<T>(schema: z.ZodType<T, unknown>, item: unknown): T {
  const parsed = schema.safeParse(item);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const key = isRecord(item) && typeof item.userId === 'string' ? ` ${item.userId}` : '';
  throw new Error(
    `stored profile${key} does not match the profile record: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`,
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
