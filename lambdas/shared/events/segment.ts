import type { EventRejection } from './normalize';

/**
 * Segment HTTP Tracking API compatibility: maps Segment messages to input objects for `normalizeEvent`, so
 * `@segment/analytics-node` (or any Segment library) with `host` pointed at the ingest API just works.
 * Spec: https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/ and the e-commerce
 * spec v2, https://segment.com/docs/connections/spec/ecommerce/v2/.
 *
 * Values are mapped, not validated: a wrong type (a string price, say) is passed through for `normalizeEvent`
 * to reject with its usual message. Only fields whose Segment names differ from ours are checked here, so
 * the client hears about `properties.product_id` rather than our `itemId`.
 */

/** The Segment calls, each also an ingest route (`POST /v1/<call>`, lambdas/ingest/ingest-routes.ts). */
export const SEGMENT_CALLS = ['track', 'page', 'identify', 'screen', 'group', 'alias'] as const;
export type SegmentCall = (typeof SEGMENT_CALLS)[number];

export type SegmentBatchResult = { ok: true; messages: unknown[] } | { ok: false; rejection: EventRejection };
export type SegmentMappingResult =
  | { ok: true; input: Record<string, unknown> }
  | { ok: false; rejection: EventRejection };

type JsonObject = Record<string, unknown>;

const SEGMENT_CALL_SET: ReadonlySet<string> = new Set<SegmentCall>(SEGMENT_CALLS);

/**
 * Unpacks the body of POST /v1/batch (`{ batch: [...], context?, sentAt? }`). A batch-level `context` is
 * merged under each message's own context (the message wins). Messages are returned unchecked so that one
 * bad message is rejected on its own, not with the whole batch.
 */
export function segmentBatchMessages(body: unknown): SegmentBatchResult {
  if (!isObject(body) || !Array.isArray(body.batch)) {
    return reject('batch', 'batch: expected an array of Segment messages');
  }
  const batchContext = body.context;
  if (!isObject(batchContext)) return { ok: true, messages: body.batch };
  return {
    ok: true,
    messages: body.batch.map((message) =>
      isObject(message) ? { ...message, context: mergeUnder(batchContext, message.context) } : message,
    ),
  };
}

/** `call` comes from the endpoint (/v1/track, /v1/page, ...); inside a batch the message's `type` is used. */
export function segmentToEventInput(message: unknown, call?: SegmentCall): SegmentMappingResult {
  if (!isObject(message)) return reject('', 'Segment message must be a JSON object');
  const kind = call ?? message.type;
  if (!isSegmentCall(kind)) {
    return reject('type', `type: expected one of ${SEGMENT_CALLS.join(', ')}`);
  }

  const properties = isObject(message.properties) ? message.properties : {};
  const common = commonFields(message, properties, kind === 'page' || kind === 'screen');
  switch (kind) {
    case 'track':
      return mapTrack(message, properties, common);
    case 'page':
    case 'screen':
      return accept({
        ...common,
        type: 'page_view',
        pageName: message.name,
        category: message.category ?? properties.category,
      });
    case 'identify':
      return accept({ ...common, type: 'custom', name: 'identify', properties: message.traits ?? {} });
    case 'group':
      return accept({
        ...common,
        type: 'custom',
        name: 'group',
        properties: compact({ groupId: message.groupId, traits: message.traits }),
      });
    case 'alias':
      return accept({
        ...common,
        type: 'custom',
        name: 'alias',
        properties: compact({ previousId: message.previousId }),
      });
  }
}

function mapTrack(message: JsonObject, properties: JsonObject, common: JsonObject): SegmentMappingResult {
  if (typeof message.event !== 'string' || message.event.trim() === '') {
    return reject('event', 'event: required for track calls');
  }
  // Segment event names are free text; 'product viewed ' and 'Product Viewed' mean the same thing.
  switch (message.event.trim().toLowerCase()) {
    case 'product viewed':
      return mapProductEvent('product_view', message.event, properties, common);
    case 'product added':
      return mapProductEvent('add_to_cart', message.event, properties, common);
    case 'product removed':
      return mapProductEvent('remove_from_cart', message.event, properties, common);
    case 'order completed':
      return mapOrderCompleted(properties, common);
    case 'product clicked':
      // A click on a recommended product carries the recommendation's id; any other click stays custom.
      if (properties.recommendation_id === undefined || properties.recommendation_id === null) {
        return accept({ ...common, type: 'custom', name: message.event, properties });
      }
      return mapRecommendationClick(message.event, properties, common);
    case 'products searched':
      if (properties.query === undefined || properties.query === null) {
        return reject('properties.query', `properties.query: required for '${message.event}'`);
      }
      return accept({ ...common, type: 'search', query: properties.query });
    default:
      // Anything we do not model is kept whole as a custom event, never dropped.
      return accept({ ...common, type: 'custom', name: message.event, properties });
  }
}

function mapProductEvent(
  type: 'product_view' | 'add_to_cart' | 'remove_from_cart',
  eventName: string,
  properties: JsonObject,
  common: JsonObject,
): SegmentMappingResult {
  const itemId = productId(properties);
  if (itemId === undefined) return missingProductId(eventName);
  const cart = type === 'product_view' ? {} : { quantity: properties.quantity ?? 1 };
  return accept({
    ...common,
    type,
    itemId,
    ...cart,
    category: properties.category,
    price: properties.price,
    currency: properties.currency,
    // The catalogue's title when it has none. Only a usable name is mapped: before it was mapped at all,
    // an empty or overlong name never refused a product event, and it still does not.
    title: productName(properties.name),
  });
}

function missingProductId(eventName: string): SegmentMappingResult {
  return reject('properties.product_id', `properties.product_id (or sku, id): required for '${eventName}'`);
}

function productName(name: unknown): string | undefined {
  return typeof name === 'string' && name.trim() !== '' && name.length <= 1000 ? name : undefined;
}

/**
 * 'Product Clicked' with `recommendation_id` (the recommendationId of the API answer). Segment's own
 * `variant` and `position` mean the product variant and a position of unspecified base, so the A/B
 * variant and the 0-based list index travel as `recommendation_variant` and `recommendation_position`.
 */
function mapRecommendationClick(
  eventName: string,
  properties: JsonObject,
  common: JsonObject,
): SegmentMappingResult {
  const itemId = productId(properties);
  if (itemId === undefined) return missingProductId(eventName);
  return accept({
    ...common,
    type: 'recommendation_click',
    recommendationId: idString(properties.recommendation_id),
    itemId,
    position: properties.recommendation_position,
    variant: properties.recommendation_variant,
  });
}

function mapOrderCompleted(properties: JsonObject, common: JsonObject): SegmentMappingResult {
  const orderId = idString(properties.order_id ?? properties.checkout_id);
  if (orderId === undefined) {
    return reject(
      'properties.order_id',
      "properties.order_id (or checkout_id): required for 'Order Completed'",
    );
  }
  if (!Array.isArray(properties.products) || properties.products.length === 0) {
    return reject(
      'properties.products',
      "properties.products: a non-empty array is required for 'Order Completed'",
    );
  }
  return accept({
    ...common,
    type: 'purchase',
    orderId,
    // The e-commerce spec makes currency optional and Segment's destinations read a missing one as USD;
    // we default the same way so revenue from such clients is not rejected or misread.
    currency: properties.currency ?? 'USD',
    revenue: properties.revenue ?? properties.total,
    lineItems: properties.products.map((product) =>
      isObject(product)
        ? compact({
            itemId: productId(product),
            quantity: product.quantity ?? 1,
            price: product.price,
            category: product.category,
          })
        : product,
    ),
  });
}

/**
 * Fields every call shares. The session id has no place in the Segment spec, so we look where clients put
 * it in practice: properties.session_id, properties.sessionId, context.sessionId, context.session_id (first
 * wins). `timestamp` is the client's event time; analytics.js sends `originalTimestamp` instead.
 */
function commonFields(message: JsonObject, properties: JsonObject, isPage: boolean): JsonObject {
  const context = isObject(message.context) ? message.context : {};
  return {
    eventId: idString(message.messageId),
    userId: idString(message.userId),
    anonymousId: idString(message.anonymousId),
    sessionId: idString(
      properties.session_id ?? properties.sessionId ?? context.sessionId ?? context.session_id,
    ),
    occurredAt: message.timestamp ?? message.originalTimestamp,
    context: mapContext(context, isPage ? properties : undefined),
  };
}

/** Page calls carry url/path/title/referrer in properties; they fill in when context.page is absent. */
function mapContext(context: JsonObject, pageProperties: JsonObject | undefined): JsonObject | undefined {
  const pageSource = isObject(context.page) ? context.page : pageProperties;
  const page = pageSource
    ? compact({
        url: pageSource.url,
        path: pageSource.path,
        title: pageSource.title,
        referrer: pageSource.referrer,
      })
    : undefined;
  const mapped = compact({
    userAgent: context.userAgent,
    locale: context.locale,
    page: page && Object.keys(page).length > 0 ? page : undefined,
  });
  return Object.keys(mapped).length > 0 ? mapped : undefined;
}

function productId(product: JsonObject): unknown {
  return idString(product.product_id ?? product.sku ?? product.id);
}

/**
 * Segment allows numbers for ids (and shops use numeric SKUs); ours are strings. Empty means absent; other
 * types pass through so the normalizer reports them.
 */
function idString(value: unknown): unknown {
  if (value === undefined || value === null || value === '') return undefined;
  return typeof value === 'number' ? String(value) : value;
}

/**
 * Segment merges a batch-level object under each message's; nested objects (context.page) merge too. The
 * result has no prototype, so a client's `"__proto__"` key stays a plain (ignored) key instead of
 * becoming the object's prototype.
 */
function mergeUnder(base: JsonObject, override: unknown): JsonObject {
  if (!isObject(override)) return base;
  const merged: JsonObject = Object.assign(Object.create(null), base);
  for (const [key, value] of Object.entries(override)) {
    const below = merged[key];
    merged[key] = isObject(below) && isObject(value) ? mergeUnder(below, value) : value;
  }
  return merged;
}

/** Drops undefined and null, so absent Segment fields stay absent rather than becoming explicit nulls. */
function compact(fields: JsonObject): JsonObject {
  const result: JsonObject = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined && value !== null) result[key] = value;
  }
  return result;
}

function isSegmentCall(value: unknown): value is SegmentCall {
  return typeof value === 'string' && SEGMENT_CALL_SET.has(value);
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function accept(input: JsonObject): SegmentMappingResult {
  return { ok: true, input: compact(input) };
}

function reject(field: string, message: string): { ok: false; rejection: EventRejection } {
  return { ok: false, rejection: { code: 'invalid_event', field, message } };
}
