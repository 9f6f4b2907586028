import { z } from 'zod';
import { AnonymousIdSchema, idSchema, UserIdSchema } from '../ids';

/**
 * The canonical event: the one shape stored on the Kinesis stream and in the lake, whatever the client sent.
 * Fields are flat per event type so they map one-to-one to lake columns.
 *
 * Unknown keys are STRIPPED, not rejected (zod's default for `z.object`). A client on a newer SDK that sends
 * a field we do not know yet still gets its event accepted, and a stored event written before a field was
 * removed still parses. The cost is that extra keys are dropped without notice: data worth keeping belongs
 * in a `custom` event's `properties`, which are stored as sent.
 */

/**
 * Bump only together with a new fixture folder test/fixtures/events/v<N>/. When it changes, `schemaVersion`
 * below must keep accepting every released version (e.g. `z.union([z.literal(1), z.literal(2)])`): the
 * fixture compatibility test fails until it does, which is what keeps the schema BACKWARD compatible.
 */
export const CURRENT_SCHEMA_VERSION = 1;

export const EVENT_TYPES = [
  'page_view',
  'product_view',
  'add_to_cart',
  'remove_from_cart',
  'purchase',
  'search',
  'recommendation_impression',
  'recommendation_click',
  'custom',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Limit on the serialized JSON of one input event, in UTF-8 bytes (Segment uses the same 32 KB). */
export const MAX_EVENT_BYTES = 32 * 1024;
/** How far a client clock may run ahead of the server before an event is rejected as from the future. */
export const MAX_FUTURE_SKEW_MS = 5 * 60 * 1000;
/**
 * How long before the server time an event may have happened and still be accepted by the ingest API
 * (a prop of the Ingestion construct). Older history goes in through the importer, not the API.
 */
export const DEFAULT_MAX_EVENT_AGE_MS = 30 * 24 * 3_600_000;

const boundedString = (max: number) => z.string().min(1).max(max);
// Ids follow the one id contract (lambdas/shared/ids.ts): NFC, well-formed, no control characters.
const Identifier = idSchema();
const ShortIdentifier = idSchema(128);
const ItemId = idSchema();
const Label = boundedString(256);
const Price = z.number().min(0);
/** The catalogue's bound on a title (lambdas/shared/catalogue.ts). */
const ProductTitle = boundedString(1000);
const Quantity = z.int().min(1);
const CurrencyCode = z
  .string()
  .regex(/^[A-Z]{3}$/, { error: 'expected a 3-letter upper-case ISO 4217 code' });
/** Always UTC with a `Z`, as produced by `Date#toISOString()`. */
const UtcTimestamp = z.iso.datetime({ error: 'expected an ISO-8601 UTC timestamp ending in Z' });

// Empty strings are allowed here: browsers report an empty referrer or title routinely.
const PageContextSchema = z.object({
  url: z.string().optional(),
  path: z.string().optional(),
  title: z.string().optional(),
  referrer: z.string().optional(),
});

// No `ip`: we do not store it, it is personal data we have no use for.
const EventContextSchema = z.object({
  userAgent: z.string().optional(),
  locale: z.string().optional(),
  page: PageContextSchema.optional(),
});

const commonFields = {
  schemaVersion: z.literal(CURRENT_SCHEMA_VERSION, {
    error: `unsupported schema version, expected ${CURRENT_SCHEMA_VERSION}`,
  }),
  eventId: ShortIdentifier,
  userId: UserIdSchema.optional(),
  anonymousId: AnonymousIdSchema.optional(),
  sessionId: Identifier.optional(),
  occurredAt: UtcTimestamp,
  receivedAt: UtcTimestamp,
  context: EventContextSchema.optional(),
};

export const PageViewEventSchema = z.object({
  ...commonFields,
  type: z.literal('page_view'),
  category: Label.optional(),
  pageName: Label.optional(),
});

export const ProductViewEventSchema = z.object({
  ...commonFields,
  type: z.literal('product_view'),
  itemId: ItemId,
  category: Label.optional(),
  price: Price.optional(),
  currency: CurrencyCode.optional(),
  /** The product's name (Segment `properties.name`); fills the catalogue's title when it has none. */
  title: ProductTitle.optional(),
});

const cartFields = {
  itemId: ItemId,
  quantity: Quantity,
  category: Label.optional(),
  price: Price.optional(),
  currency: CurrencyCode.optional(),
  title: ProductTitle.optional(),
};

export const AddToCartEventSchema = z.object({
  ...commonFields,
  type: z.literal('add_to_cart'),
  ...cartFields,
});

export const RemoveFromCartEventSchema = z.object({
  ...commonFields,
  type: z.literal('remove_from_cart'),
  ...cartFields,
});

export const PurchaseLineItemSchema = z.object({
  itemId: ItemId,
  quantity: Quantity,
  price: Price,
  category: Label.optional(),
});

export const PurchaseEventSchema = z.object({
  ...commonFields,
  type: z.literal('purchase'),
  orderId: ShortIdentifier,
  currency: CurrencyCode,
  lineItems: z.array(PurchaseLineItemSchema).min(1).max(500),
  revenue: Price.optional(),
});

export const SearchEventSchema = z.object({
  ...commonFields,
  type: z.literal('search'),
  query: boundedString(1024),
  resultItemIds: z.array(ItemId).max(100).optional(),
});

export const RecommendationImpressionEventSchema = z.object({
  ...commonFields,
  type: z.literal('recommendation_impression'),
  recommendationId: ShortIdentifier,
  itemIds: z.array(ItemId).min(1).max(100),
  variant: Label,
  /** The list shown (for-you, buy-again, continue-shopping, discover); absent on older impressions. */
  placement: Label.optional(),
});

export const RecommendationClickEventSchema = z.object({
  ...commonFields,
  type: z.literal('recommendation_click'),
  recommendationId: ShortIdentifier,
  itemId: ItemId,
  position: z.int().min(0).optional(),
  variant: Label.optional(),
});

export const CustomEventSchema = z.object({
  ...commonFields,
  type: z.literal('custom'),
  name: Label,
  properties: z.record(z.string(), z.unknown()),
});

export const IDENTITY_REQUIRED_MESSAGE = 'either userId or anonymousId is required';

/** Every event must be attributable to someone, signed in or not; an empty string or null counts as absent. */
export function hasIdentity(event: { userId?: unknown; anonymousId?: unknown }): boolean {
  return isPresent(event.userId) || isPresent(event.anonymousId);
}

function isPresent(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}

export const CanonicalEventSchema = z
  .discriminatedUnion('type', [
    PageViewEventSchema,
    ProductViewEventSchema,
    AddToCartEventSchema,
    RemoveFromCartEventSchema,
    PurchaseEventSchema,
    SearchEventSchema,
    RecommendationImpressionEventSchema,
    RecommendationClickEventSchema,
    CustomEventSchema,
  ])
  .refine(hasIdentity, { error: IDENTITY_REQUIRED_MESSAGE, path: ['userId'] });

export type CanonicalEvent = z.infer<typeof CanonicalEventSchema>;
export type EventOfType<T extends EventType> = Extract<CanonicalEvent, { type: T }>;
export type PageViewEvent = EventOfType<'page_view'>;
export type ProductViewEvent = EventOfType<'product_view'>;
export type AddToCartEvent = EventOfType<'add_to_cart'>;
export type RemoveFromCartEvent = EventOfType<'remove_from_cart'>;
export type PurchaseEvent = EventOfType<'purchase'>;
export type PurchaseLineItem = z.infer<typeof PurchaseLineItemSchema>;
export type SearchEvent = EventOfType<'search'>;
export type RecommendationImpressionEvent = EventOfType<'recommendation_impression'>;
export type RecommendationClickEvent = EventOfType<'recommendation_click'>;
/** Not named `CustomEvent`: that is a global DOM/Node class and the shadowing would confuse readers. */
export type CustomNamedEvent = EventOfType<'custom'>;
