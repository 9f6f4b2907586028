/**
 * A small data lake on disk, laid out like the lake bucket, for the query and replay tests:
 *
 *   <lakeDir>/events/event_type=…/dt=…/hour=…/*.parquet   simulator traffic on several days (some
 *                                                          outside the named queries' windows), each
 *                                                          event received 2 s after it happened, plus a
 *                                                          few hand-made edge cases (a late arrival,
 *                                                          history imported today), normalised by the
 *                                                          API's own normalizeEvent; some delivered twice
 *                                                          (client resends, later receipts) as the lake
 *                                                          keeps them
 *   <lakeDir>/quarantine/dt=…/reason=…/*.jsonl            rejections produced by the API's own request
 *                                                          parsing and written by its ObjectStoreQuarantine
 *
 * Days are relative to `now` (default: the real clock) because the named queries filter on
 * current_date. The Parquet files are written by the local Firehose delivery's own writer
 * (writeEventsParquet in local/lake-writer.ts), with the delivery stream's partitioned prefix.
 */
import { mkdir } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { parseIngestRequest } from '../../lambdas/ingest/ingest-request';
import {
  bodyQuarantineRecord,
  eventQuarantineRecords,
  ObjectStoreQuarantine,
  type QuarantineContext,
  type QuarantineObject,
  type QuarantineRecord,
} from '../../lambdas/ingest/quarantine';
import { type CanonicalEvent, normalizeEvent } from '../../lambdas/shared/events';
import { EVENT_PARTITION_KEYS } from '../../lambdas/shared/events/lake-columns';
import type { ObjectStore } from '../../lambdas/shared/object-store';
import { DirectoryObjectStore } from '../../local/emulators/s3-directory-store';
import type { BucketLocation } from '../../local/lake/bucket-storage';
import { writeEventsParquet } from '../../local/lake/writer';
import { TrafficSimulator } from '../../local/traffic/simulator';

export const DAY_MS = 24 * 60 * 60 * 1000;

/** The UTC date `offsetDays` from `now`, as `YYYY-MM-DD` (a `dt` partition value). */
export function utcDay(now: Date, offsetDays: number): string {
  return new Date(now.getTime() + offsetDays * DAY_MS).toISOString().slice(0, 10);
}

/** `hh:mm` UTC on the day `offsetDays` from `now`. */
function at(now: Date, offsetDays: number, time: string): Date {
  return new Date(`${utcDay(now, offsetDays)}T${time}:00.000Z`);
}

// ---------------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------------

/** Simulator batches: [days from now, events, seed]. -60 is outside every window, -10 outside the 7-day one. */
const SIMULATED_DAYS: ReadonlyArray<readonly [number, number, number]> = [
  [-60, 150, 11],
  [-10, 300, 12],
  [-4, 500, 13],
  [-2, 500, 14],
  [-1, 500, 15],
];

export function fixtureEvents(now: Date): CanonicalEvent[] {
  const inputs: unknown[] = [];
  for (const [offset, count, seed] of SIMULATED_DAYS) {
    const simulator = new TrafficSimulator({
      seed,
      users: 40,
      items: 120,
      categories: 6,
      startTime: at(now, offset, '09:00'),
      addToCartRate: 0.3,
      purchaseRate: 0.5,
    });
    simulator.generate(count).forEach((event, i) => {
      // Every 7th event without a session: the funnel then falls back to the person.
      if (i % 7 === 3) {
        const { sessionId: _dropped, ...rest } = event;
        inputs.push(rest);
      } else inputs.push(event);
    });
  }
  inputs.push(...attributionEvents(inputs));
  const day1 = at(now, -1, '12:00').toISOString();
  const day2 = at(now, -2, '12:00').toISOString();
  const day3 = at(now, -3, '12:00').toISOString();
  const old = at(now, -60, '10:00').toISOString();
  inputs.push(
    // No category: top items file it under '(none)'.
    { type: 'product_view', eventId: 'edge-1', userId: 'edge-user', itemId: 'edge-item', occurredAt: day1 },
    { type: 'add_to_cart', eventId: 'edge-2', userId: 'edge-user', itemId: 'edge-item', occurredAt: day1 },
    // Several lines, one without category, one with quantity 3.
    {
      type: 'purchase',
      eventId: 'edge-3',
      anonymousId: 'edge-anon',
      orderId: 'edge-order',
      currency: 'EUR',
      occurredAt: day2,
      lineItems: [
        { itemId: 'edge-item', quantity: 3, price: 5 },
        { itemId: 'edge-item-2', quantity: 1, price: 7, category: 'edge-category' },
        { itemId: 'edge-item-3', quantity: 2, price: 1, category: 'edge-category' },
      ],
    },
    // Anonymous, no session, and a signed-in event of someone else in the same minute.
    { type: 'page_view', eventId: 'edge-4', anonymousId: 'edge-anon', occurredAt: day2 },
    { type: 'custom', eventId: 'edge-5', userId: 'edge-user', name: 'newsletter', occurredAt: day2 },
    ...recommendationEvents(now),
    ...canaryEvents(now),
    // Happened three days ago, arrived yesterday: it counts on its event day, from yesterday's partition.
    {
      type: 'product_view',
      eventId: LATE_ARRIVAL,
      userId: 'late-user',
      itemId: 'late-item',
      occurredAt: day3,
    },
    // History imported today (`recostream import`): received now, happened 60 days ago, so it sits in
    // today's partition but inside no query's window.
    {
      type: 'product_view',
      eventId: 'imported-1',
      userId: 'importer',
      itemId: 'imported-item',
      occurredAt: old,
    },
    {
      type: 'purchase',
      eventId: 'imported-2',
      userId: 'importer',
      orderId: 'imported-order',
      currency: 'EUR',
      occurredAt: old,
      lineItems: [{ itemId: 'imported-item', quantity: 1, price: 2, category: 'imported' }],
    },
  );
  const events = inputs.map((input) => {
    const fields = input as { eventId?: string; occurredAt?: string };
    const imported = fields.eventId?.startsWith('imported-') ?? false;
    const receivedAt = imported
      ? now
      : fields.eventId === LATE_ARRIVAL
        ? at(now, -1, '08:00')
        : new Date(Date.parse(fields.occurredAt as string) + 2000);
    const result = normalizeEvent(input, {
      receivedAt,
      // The importer writes history straight to the lake, past the API's occurredAt bound.
      ...(imported ? { maxEventAgeMs: 365 * DAY_MS } : {}),
      allowCanaryUserIds: true,
    });
    if (!result.ok) throw new Error(`fixture event rejected: ${JSON.stringify(result.rejection)}`);
    return result.event;
  });
  return [...events, ...clientResends(events)];
}

const LATE_ARRIVAL = 'late-arrival';

/**
 * Copies a client resent (Segment after a 503 or its own timeout): the same event with a later receipt, as a
 * new stream record that Firehose delivers too. Every 9th event once, 3 s later; every 40th again, 40
 * minutes later (often the next hour). Copies that would fall on another receipt day are left out: the named
 * queries read events_unique, which removes the copies of one receipt day (sql/views/events_unique.sql).
 */
function clientResends(events: readonly CanonicalEvent[]): CanonicalEvent[] {
  const resent: CanonicalEvent[] = [];
  const copy = (event: CanonicalEvent, afterMs: number) => {
    const receivedAt = new Date(Date.parse(event.receivedAt) + afterMs).toISOString();
    if (receivedAt.slice(0, 10) === event.receivedAt.slice(0, 10)) resent.push({ ...event, receivedAt });
  };
  events.forEach((event, i) => {
    if (i % 9 === 4) copy(event, 3000);
    if (i % 40 === 7) copy(event, 40 * 60 * 1000);
  });
  return resent;
}

/**
 * Freshness-canary traffic (userId `canary#…`, lambdas/shared/canary.ts): every named query must leave it
 * out, so the expectations are computed without it.
 */
function canaryEvents(now: Date): object[] {
  const d1 = at(now, -1, '14:00').toISOString();
  const userId = 'canary#probe-1';
  return [
    {
      type: 'product_view',
      eventId: 'canary-1',
      userId,
      sessionId: 'canary-s',
      itemId: 'i1',
      category: 'books',
      occurredAt: d1,
    },
    {
      type: 'add_to_cart',
      eventId: 'canary-2',
      userId,
      sessionId: 'canary-s',
      itemId: 'i1',
      quantity: 1,
      category: 'books',
      occurredAt: d1,
    },
    {
      type: 'purchase',
      eventId: 'canary-3',
      userId,
      sessionId: 'canary-s',
      orderId: 'canary-order',
      currency: 'EUR',
      occurredAt: d1,
      lineItems: [{ itemId: 'i1', quantity: 1, price: 1, category: 'books' }],
    },
    {
      type: 'recommendation_impression',
      eventId: 'canary-4',
      userId,
      recommendationId: 'rec-canary',
      variant: 'control',
      itemIds: ['i1', 'i2'],
      occurredAt: d1,
    },
    {
      type: 'recommendation_click',
      eventId: 'canary-5',
      userId,
      recommendationId: 'rec-canary',
      itemId: 'i1',
      position: 0,
      occurredAt: d1,
    },
  ];
}

/**
 * Impressions and clicks for the CTR queries: two variants, three placements (and an impression from before
 * placements, which counts as for-you), a click at position 1 and one at position 0,
 * an impression and a click delivered twice, a click on an item that was not shown, a click without
 * impression, and a clicked impression outside the 30-day window.
 */
function recommendationEvents(now: Date): object[] {
  const d1 = at(now, -1, '13:00').toISOString();
  const d2 = at(now, -2, '13:00').toISOString();
  const old = at(now, -60, '13:00').toISOString();
  const impression = (
    eventId: string,
    recommendationId: string,
    variant: string,
    itemIds: string[],
    occurredAt: string,
    placement?: string,
  ) => ({
    type: 'recommendation_impression',
    eventId,
    userId: 'edge-user',
    recommendationId,
    variant,
    itemIds,
    occurredAt,
    ...(placement === undefined ? {} : { placement }),
  });
  const click = (
    eventId: string,
    recommendationId: string,
    itemId: string,
    occurredAt: string,
    position?: number,
  ) => ({
    type: 'recommendation_click',
    eventId,
    userId: 'edge-user',
    recommendationId,
    itemId,
    occurredAt,
    ...(position === undefined ? {} : { position }),
  });
  return [
    impression('imp-1', 'rec-1', 'control', ['i1', 'i2', 'i3'], d1, 'for-you'),
    impression('imp-1', 'rec-1', 'control', ['i1', 'i2', 'i3'], d1, 'for-you'),
    click('clk-1', 'rec-1', 'i2', d1, 1),
    click('clk-1', 'rec-1', 'i2', d1, 1),
    impression('imp-2', 'rec-2', 'recent-heavy', ['i4', 'i1'], d2, 'buy-again'),
    click('clk-2', 'rec-2', 'i4', d2),
    click('clk-3', 'rec-2', 'i9', d2),
    // Recorded before placements existed: counted as for-you.
    impression('imp-3', 'rec-3', 'control', ['i5'], d1),
    impression('imp-4', 'rec-4', 'control', ['i6', 'i7'], d2, 'discover'),
    click('clk-5', 'rec-4', 'i7', d2, 1),
    click('clk-4', 'rec-none', 'i1', d1, 0),
    impression('imp-old', 'rec-old', 'control', ['i1', 'i2'], old),
    click('clk-old', 'rec-old', 'i1', old, 0),
  ];
}

/**
 * Recommendations shown before (and after) the simulated purchases, for the attribution queries: for every
 * simulated purchase, by its index, an impression of a bought item 1 hour before (attributed); one of
 * control 2 hours before and one of recent-heavy 30 minutes before (the later one is attributed); or one
 * 8 days before and one 10 minutes after (neither is). Some impressions are clicked.
 */
function attributionEvents(simulated: readonly unknown[]): object[] {
  type SimPurchase = {
    type: string;
    userId?: string;
    anonymousId?: string;
    occurredAt: string;
    lineItems: { itemId: string }[];
  };
  const purchases = simulated.filter((e): e is SimPurchase => (e as SimPurchase).type === 'purchase');
  const events: object[] = [];
  purchases.forEach((p, i) => {
    const who = p.userId !== undefined ? { userId: p.userId } : { anonymousId: p.anonymousId };
    const bought = p.lineItems.map((l) => l.itemId);
    const before = (minutes: number) => new Date(Date.parse(p.occurredAt) - minutes * 60_000).toISOString();
    const impression = (
      suffix: string,
      variant: string,
      placement: string,
      minutes: number,
      itemIds: string[],
    ) => {
      const recommendationId = `attr-rec-${i}-${suffix}`;
      events.push({
        type: 'recommendation_impression',
        eventId: `attr-imp-${i}-${suffix}`,
        ...who,
        recommendationId,
        variant,
        placement,
        itemIds,
        occurredAt: before(minutes),
      });
      if ((i + suffix.length) % 4 === 0) {
        events.push({
          type: 'recommendation_click',
          eventId: `attr-clk-${i}-${suffix}`,
          ...who,
          recommendationId,
          itemId: itemIds[0],
          position: 0,
          occurredAt: before(minutes - 1),
        });
      }
    };
    const first = bought[0] as string;
    const last = bought.at(-1) as string;
    if (i % 3 === 0) impression('a', 'control', 'for-you', 60, [`attr-filler-${i}`, first]);
    else if (i % 3 === 1) {
      impression('b', 'control', 'for-you', 120, [last, `attr-filler-${i}`]);
      impression('c', 'recent-heavy', 'discover', 30, [last]);
    } else {
      impression('d', 'recent-heavy', 'for-you', 8 * 24 * 60, [first]);
      impression('e', 'control', 'for-you', -10, [...new Set([first, last])]);
    }
  });
  return events;
}

/** The delivery stream's S3 prefix, as lib/data-lake.ts builds it from the partition keys. */
export const EVENTS_PREFIX_TEMPLATE = `events/${EVENT_PARTITION_KEYS.map((k) => `${k.name}=!{partitionKeyFromQuery:${k.name}}/`).join('')}`;

/** Writes the events as the local Firehose delivery does: `events/event_type=…/dt=…/hour=…/*.parquet`. */
export async function writeFixtureEvents(
  events: readonly CanonicalEvent[],
  lakeDir: BucketLocation,
): Promise<void> {
  const result = await writeEventsParquet(events, {
    bucket: lakeDir,
    prefixTemplate: EVENTS_PREFIX_TEMPLATE,
  });
  if (result.rows !== events.length)
    throw new Error(`wrote ${result.rows} of ${events.length} fixture events`);
}

// ---------------------------------------------------------------------------------------------
// Quarantine
// ---------------------------------------------------------------------------------------------

interface FixtureRequest {
  readonly requestId: string;
  readonly days: number;
  readonly time: string;
  readonly path: string;
  readonly contentType: string;
  /** Sent as is when a string, else JSON.stringify'd. */
  readonly body: unknown;
}

/**
 * Requests the API partly or wholly rejects. With a validator that also accepts `wishlist_add`
 * (as `add_to_cart`) the replayable ones are: wish-1, the id-less wishlist_add of u4, wish-2, ct-1,
 * ct-2 and wish-old (6); with normalizeEvent only ct-1.
 */
export function fixtureRequests(now: Date): FixtureRequest[] {
  const json = 'application/json';
  return [
    {
      requestId: 'req-a',
      days: -1,
      time: '10:00',
      path: '/v1/events',
      contentType: json,
      body: {
        events: [
          { type: 'page_view', userId: 'u1', eventId: 'ok-1' },
          { type: 'wishlist_add', userId: 'u1', itemId: 'item-1', category: 'books', eventId: 'wish-1' },
          { type: 'product_view', itemId: 'item-2', eventId: 'anon-less' },
          { type: 'product_view', userId: 'u2', eventId: 'no-item' },
          {
            type: 'page_view',
            userId: 'u3',
            eventId: 'future-1',
            occurredAt: new Date(at(now, -1, '10:00').getTime() + DAY_MS).toISOString(),
          },
          { type: 'wishlist_add', userId: 'u4', itemId: 'item-3', category: 'toys' },
        ],
      },
    },
    {
      requestId: 'req-b',
      days: -2,
      time: '11:30',
      path: '/v1/events',
      contentType: json,
      body: {
        events: [{ type: 'wishlist_add', anonymousId: 'anon-9', itemId: 'item-4', eventId: 'wish-2' }],
      },
    },
    {
      requestId: 'req-c',
      days: -3,
      time: '08:15',
      path: '/v1/events',
      contentType: json,
      body: '{"events": [{"type": "page_view", "userId": "u5"},]}',
    },
    {
      requestId: 'req-d',
      days: -3,
      time: '09:45',
      path: '/v1/events',
      contentType: 'text/plain',
      body: {
        events: [
          { type: 'page_view', userId: 'u6', eventId: 'ct-1' },
          { type: 'wishlist_add', userId: 'u6', itemId: 'item-5', eventId: 'ct-2' },
        ],
      },
    },
    {
      requestId: 'req-e',
      days: -2,
      time: '16:00',
      path: '/v1/track',
      contentType: json,
      body: { userId: 'u7', event: 'Product Viewed', properties: {}, writeKey: 'rs_secret' },
    },
    {
      requestId: 'req-g',
      days: -1,
      time: '17:20',
      path: '/v1/events',
      contentType: json,
      body: { events: { type: 'page_view', userId: 'u8' } },
    },
    {
      requestId: 'req-old',
      days: -45,
      time: '12:00',
      path: '/v1/events',
      contentType: json,
      body: { events: [{ type: 'wishlist_add', userId: 'u9', itemId: 'item-6', eventId: 'wish-old' }] },
    },
  ];
}

export interface QuarantineFixture {
  readonly records: readonly QuarantineRecord[];
  readonly objects: readonly QuarantineObject[];
}

/**
 * Runs each fixture request through the API's request parsing and writes its rejections with the
 * API's ObjectStoreQuarantine into the bucket folder lakeDir, stored as the local S3 endpoint stores it.
 */
export async function writeQuarantineFixture(lakeDir: string, now: Date): Promise<QuarantineFixture> {
  const files = new DirectoryObjectStore(dirname(lakeDir));
  await mkdir(lakeDir, { recursive: true });
  const store: ObjectStore = {
    put: async (bucket, key, body) => void (await files.put(bucket, key, Buffer.from(body))),
  };
  const writer = new ObjectStoreQuarantine(store, basename(lakeDir));
  const records: QuarantineRecord[] = [];
  const objects: QuarantineObject[] = [];
  for (const request of fixtureRequests(now)) {
    const receivedAt = at(now, request.days, request.time);
    const route = request.path.slice('/v1/'.length) as Parameters<typeof parseIngestRequest>[0]['route'];
    const body = typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
    const ctx: QuarantineContext = {
      route: request.path,
      receivedAt,
      requestId: request.requestId,
      writeKeyName: 'fixture',
    };
    const parsed = parseIngestRequest({
      route,
      headers: { 'Content-Type': request.contentType },
      body,
      receivedAt,
    });
    const rejected = parsed.ok
      ? eventQuarantineRecords(parsed.batch, ctx)
      : [bodyQuarantineRecord(parsed.rejection, parsed.rawBody, ctx)];
    const result = await writer.write(rejected, ctx);
    if (result.failed.length > 0)
      throw new Error(`fixture quarantine write failed: ${String(result.failed[0]?.error)}`);
    records.push(...rejected);
    objects.push(...result.written);
  }
  return { records, objects };
}

// ---------------------------------------------------------------------------------------------
// The whole lake
// ---------------------------------------------------------------------------------------------

export interface LakeFixture extends QuarantineFixture {
  readonly lakeDir: string;
  readonly now: Date;
  readonly events: readonly CanonicalEvent[];
}

export async function buildLakeFixture(lakeDir: string, now = new Date()): Promise<LakeFixture> {
  const events = fixtureEvents(now);
  await writeFixtureEvents(events, lakeDir);
  const quarantine = await writeQuarantineFixture(lakeDir, now);
  return { lakeDir, now, events, ...quarantine };
}
