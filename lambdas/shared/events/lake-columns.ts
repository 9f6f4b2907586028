/**
 * The lake's table layouts, in one place: the Glue tables (CDK), Firehose's JSON-to-Parquet
 * mapping (CDK), the local delivery loop's Parquet writer and the local DuckDB views all read these
 * lists, so the columns written locally and the Glue columns cannot drift apart.
 *
 * Types are Hive/Glue type strings. Nested struct fields are lower-case without separators because
 * Firehose's OpenX JSON SerDe matches nested JSON keys case-insensitively but cannot rename them
 * (only top-level columns have a JSON key mapping).
 */
import type { CanonicalEvent } from './schema';

export interface LakeColumn {
  readonly name: string;
  readonly type: string;
  /** Top-level key in the JSON record when it differs from `name`. */
  readonly jsonKey?: string;
  readonly comment: string;
}

const LINE_ITEM = 'struct<itemid:string,quantity:int,price:double,category:string>';
const PAGE = 'struct<url:string,path:string,title:string,referrer:string>';

export const EVENT_COLUMNS: readonly LakeColumn[] = [
  { name: 'schema_version', type: 'int', jsonKey: 'schemaVersion', comment: 'event schema version' },
  { name: 'event_id', type: 'string', jsonKey: 'eventId', comment: 'client event id (dedupe key)' },
  { name: 'user_id', type: 'string', jsonKey: 'userId', comment: 'known user id' },
  { name: 'anonymous_id', type: 'string', jsonKey: 'anonymousId', comment: 'anonymous visitor id' },
  { name: 'session_id', type: 'string', jsonKey: 'sessionId', comment: 'client session id' },
  { name: 'occurred_at', type: 'timestamp', jsonKey: 'occurredAt', comment: 'event time (UTC)' },
  {
    name: 'received_at',
    type: 'timestamp',
    jsonKey: 'receivedAt',
    comment: 'arrival time at the ingest API (UTC)',
  },
  { name: 'item_id', type: 'string', jsonKey: 'itemId', comment: 'product_view, cart and click events' },
  { name: 'category', type: 'string', comment: 'item or page category' },
  { name: 'price', type: 'double', comment: 'unit price' },
  { name: 'currency', type: 'string', comment: 'ISO 4217 code' },
  { name: 'title', type: 'string', comment: 'product name (product_view and cart events)' },
  { name: 'quantity', type: 'int', comment: 'cart events' },
  { name: 'order_id', type: 'string', jsonKey: 'orderId', comment: 'purchase' },
  { name: 'revenue', type: 'double', comment: 'purchase total' },
  { name: 'line_items', type: `array<${LINE_ITEM}>`, jsonKey: 'lineItems', comment: 'purchase line items' },
  { name: 'query', type: 'string', comment: 'search text' },
  { name: 'result_item_ids', type: 'array<string>', jsonKey: 'resultItemIds', comment: 'search results' },
  { name: 'recommendation_id', type: 'string', jsonKey: 'recommendationId', comment: 'impression and click' },
  {
    name: 'item_ids',
    type: 'array<string>',
    jsonKey: 'itemIds',
    comment: 'impression: items shown, in order',
  },
  { name: 'variant', type: 'string', comment: 'recommendation variant' },
  { name: 'position', type: 'int', comment: 'click: position in the list' },
  { name: 'name', type: 'string', comment: 'custom event name' },
  { name: 'page_name', type: 'string', jsonKey: 'pageName', comment: 'page_view' },
  { name: 'properties', type: 'string', comment: 'custom event properties as JSON text' },
  {
    name: 'context',
    type: `struct<useragent:string,locale:string,page:${PAGE}>`,
    comment: 'client context',
  },
  // Added after the first release: new columns go last, so files written before read it as NULL.
  { name: 'placement', type: 'string', comment: 'impression: the list shown (for-you, buy-again, …)' },
];

/**
 * Partition keys of `events`, in prefix order: `events/event_type=…/dt=…/hour=…/`. `dt` and `hour` are the
 * server's receipt time (`receivedAt`), never the client's `occurredAt`: a client cannot choose partitions,
 * so one request touches at most one hour per event type, Firehose's active partitions stay few, and every
 * partition lies inside the Glue projection range. Event time stays a column (`occurred_at`).
 */
export const EVENT_PARTITION_KEYS: readonly LakeColumn[] = [
  { name: 'event_type', type: 'string', comment: 'canonical event type' },
  { name: 'dt', type: 'string', comment: 'receipt date (received_at), yyyy-MM-dd (UTC)' },
  { name: 'hour', type: 'string', comment: 'receipt hour (received_at), 00-23 (UTC)' },
];

export const QUARANTINE_COLUMNS: readonly LakeColumn[] = [
  { name: 'field', type: 'string', comment: 'offending field, e.g. events[3].userId' },
  { name: 'message', type: 'string', comment: 'why it was rejected' },
  { name: 'source', type: 'string', comment: 'ingest-api, catalogue-api or stream-consumer' },
  { name: 'route', type: 'string', comment: 'API route, for ingest-api' },
  { name: 'event_index', type: 'int', jsonKey: 'index', comment: 'position in the request' },
  { name: 'received_at', type: 'string', jsonKey: 'receivedAt', comment: 'arrival time (ISO-8601)' },
  { name: 'request_id', type: 'string', jsonKey: 'requestId', comment: 'API request id' },
  { name: 'write_key_name', type: 'string', jsonKey: 'writeKeyName', comment: 'client write key name' },
  { name: 'shard_id', type: 'string', jsonKey: 'shardId', comment: 'stream-consumer: shard' },
  { name: 'sequence_number', type: 'string', jsonKey: 'sequenceNumber', comment: 'stream-consumer: record' },
  { name: 'raw_payload', type: 'string', jsonKey: 'rawPayload', comment: 'the rejected payload as received' },
  { name: 'truncated', type: 'boolean', comment: 'raw_payload cut at 1 MiB' },
];

/** Partition keys of `quarantine`: `quarantine/dt=…/reason=…/`. */
export const QUARANTINE_PARTITION_KEYS: readonly LakeColumn[] = [
  { name: 'dt', type: 'string', comment: 'rejection date, yyyy-MM-dd (UTC)' },
  { name: 'reason', type: 'string', comment: 'rejection code' },
];

/** The record a canonical event becomes in the lake (Parquet row, before partition columns). */
export function toLakeRow(event: CanonicalEvent): Record<string, unknown> {
  const source: Readonly<Record<string, unknown>> = event;
  const row: Record<string, unknown> = {};
  for (const column of EVENT_COLUMNS) {
    const value = source[column.jsonKey ?? column.name];
    row[column.name] = value === undefined ? null : value;
  }
  if (event.type === 'purchase') {
    row.line_items = event.lineItems.map((l) => ({
      itemid: l.itemId,
      quantity: l.quantity,
      price: l.price,
      category: l.category ?? null,
    }));
  }
  if (event.type === 'custom') row.properties = JSON.stringify(event.properties ?? {});
  row.context = event.context
    ? {
        useragent: event.context.userAgent ?? null,
        locale: event.context.locale ?? null,
        page: event.context.page
          ? {
              url: event.context.page.url ?? null,
              path: event.context.page.path ?? null,
              title: event.context.page.title ?? null,
              referrer: event.context.page.referrer ?? null,
            }
          : null,
      }
    : null;
  return row;
}

/**
 * How each partition value derives from the canonical event's JSON: a field and, for the time keys, the
 * characters of its ISO-8601 UTC text. Firehose's JQ query (lib/data-lake.ts) and `eventPartition` (the
 * local delivery) are both built from this one table.
 */
export const EVENT_PARTITION_SOURCES: Readonly<
  Record<string, { readonly field: 'type' | 'receivedAt'; readonly slice?: readonly [number, number] }>
> = {
  event_type: { field: 'type' },
  dt: { field: 'receivedAt', slice: [0, 10] },
  hour: { field: 'receivedAt', slice: [11, 13] },
};

/** Partition values of an event: by receipt time, as Firehose's JQ query computes them. */
export function eventPartition(event: CanonicalEvent): { event_type: string; dt: string; hour: string } {
  const value = (key: string): string => {
    const source = EVENT_PARTITION_SOURCES[key];
    if (!source) throw new Error(`No source for events partition key '${key}'`);
    const text = event[source.field];
    return source.slice ? text.slice(source.slice[0], source.slice[1]) : text;
  };
  return { event_type: value('event_type'), dt: value('dt'), hour: value('hour') };
}
