/**
 * Attribution computed in TypeScript, independently of the SQL, for the named-query tests: a purchase line
 * (user, item) goes to the latest impression that showed the item to the user in the 7 days before the
 * purchase (ties: the larger recommendation id), in the impression's placement and variant. `events` are
 * unique and canary-free; `fromDay` (YYYY-MM-DD) bounds impressions, clicks and purchases by event day.
 */
import type { CanonicalEvent } from '../../lambdas/shared/events';

type Row = Record<string, unknown>;
const WINDOW_MS = 7 * 86_400_000;

const person = (e: CanonicalEvent) => e.userId ?? `anon#${e.anonymousId}`;
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

interface Shown {
  readonly recommendationId: string;
  readonly placement: string;
  readonly variant: string;
  readonly user: string;
  readonly at: number;
  readonly itemIds: readonly string[];
}

interface AttributedLine {
  readonly orderEventId: string;
  readonly user: string;
  readonly quantity: number;
  readonly revenue: number;
  readonly placement: string;
  readonly variant: string;
}

function inWindow(events: readonly CanonicalEvent[], fromDay: string): CanonicalEvent[] {
  return events.filter((e) => e.occurredAt.slice(0, 10) >= fromDay);
}

function impressions(events: readonly CanonicalEvent[]): Shown[] {
  return events.flatMap((e) =>
    e.type === 'recommendation_impression'
      ? [
          {
            recommendationId: e.recommendationId,
            placement: e.placement ?? 'for-you',
            variant: e.variant,
            user: person(e),
            at: Date.parse(e.occurredAt),
            itemIds: e.itemIds,
          },
        ]
      : [],
  );
}

function attributedLines(events: readonly CanonicalEvent[]): AttributedLine[] {
  const shown = impressions(events);
  const lines: AttributedLine[] = [];
  for (const e of events) {
    if (e.type !== 'purchase') continue;
    const at = Date.parse(e.occurredAt);
    for (const line of e.lineItems ?? []) {
      let best: Shown | undefined;
      for (const s of shown) {
        if (s.user !== person(e) || !s.itemIds.includes(line.itemId)) continue;
        if (s.at > at || s.at <= at - WINDOW_MS) continue;
        if (!best || s.at > best.at || (s.at === best.at && s.recommendationId > best.recommendationId))
          best = s;
      }
      if (!best) continue;
      const quantity = line.quantity ?? 1;
      lines.push({
        orderEventId: e.eventId,
        user: person(e),
        quantity,
        revenue: quantity * (line.price ?? 0),
        placement: best.placement,
        variant: best.variant,
      });
    }
  }
  return lines;
}

export function attributedConversionsByVariant(all: readonly CanonicalEvent[], fromDay: string): Row[] {
  const events = inWindow(all, fromDay);
  const groups = new Map<
    string,
    {
      recs: Set<string>;
      exposed: Set<string>;
      converting: Set<string>;
      orders: Set<string>;
      units: number;
      revenue: number;
    }
  >();
  const group = (placement: string, variant: string) => {
    const key = JSON.stringify([placement, variant]);
    const g = groups.get(key) ?? {
      recs: new Set(),
      exposed: new Set(),
      converting: new Set(),
      orders: new Set(),
      units: 0,
      revenue: 0,
    };
    groups.set(key, g);
    return g;
  };
  for (const s of impressions(events)) {
    const g = group(s.placement, s.variant);
    g.recs.add(s.recommendationId);
    g.exposed.add(s.user);
  }
  for (const line of attributedLines(events)) {
    const g = group(line.placement, line.variant);
    g.converting.add(line.user);
    g.orders.add(line.orderEventId);
    g.units += line.quantity;
    g.revenue += line.revenue;
  }
  return [...groups]
    .sort(([a], [b]) => cmp(a, b))
    .map(([key, g]) => {
      const [placement, variant] = JSON.parse(key) as [string, string];
      return {
        placement,
        variant,
        impressions: g.recs.size,
        exposed_users: g.exposed.size,
        converting_users: g.converting.size,
        attributed_orders: g.orders.size,
        attributed_units: g.units,
        attributed_revenue: g.revenue,
        conversion_rate: g.converting.size / g.exposed.size,
      };
    });
}

export function experimentUsers(all: readonly CanonicalEvent[], fromDay: string): Row[] {
  const events = inWindow(all, fromDay);
  const clicks = new Set<string>();
  for (const e of events) {
    if (e.type === 'recommendation_click') clicks.add(JSON.stringify([e.recommendationId, e.itemId]));
  }
  const rows = new Map<
    string,
    {
      recs: Set<string>;
      slots: Set<string>;
      clicks: number;
      orders: Set<string>;
      units: number;
      revenue: number;
    }
  >();
  const row = (variant: string, user: string) => {
    const key = JSON.stringify([variant, user]);
    const r = rows.get(key) ?? {
      recs: new Set(),
      slots: new Set(),
      clicks: 0,
      orders: new Set(),
      units: 0,
      revenue: 0,
    };
    rows.set(key, r);
    return r;
  };
  for (const s of impressions(events)) {
    const r = row(s.variant, s.user);
    r.recs.add(s.recommendationId);
    for (const itemId of s.itemIds) {
      const slot = JSON.stringify([s.recommendationId, itemId]);
      if (r.slots.has(slot)) continue;
      r.slots.add(slot);
      if (clicks.has(slot)) r.clicks++;
    }
  }
  for (const line of attributedLines(events)) {
    const r = row(line.variant, line.user);
    r.orders.add(line.orderEventId);
    r.units += line.quantity;
    r.revenue += line.revenue;
  }
  return [...rows]
    .sort(([a], [b]) => cmp(a, b))
    .map(([key, r]) => {
      const [variant, user_key] = JSON.parse(key) as [string, string];
      return {
        variant,
        user_key,
        impressions: r.recs.size,
        items_shown: r.slots.size,
        clicks: r.clicks,
        attributed_orders: r.orders.size,
        attributed_units: r.units,
        attributed_revenue: r.revenue,
      };
    });
}

/** A row of the attribution metrics job, in the query's column names. */
export interface HourlyAttributionRow {
  readonly hour_ms: number;
  readonly placement: string;
  readonly variant: string;
  readonly impressions: number;
  readonly clicks: number;
  readonly attributed_purchases: number;
  readonly attributed_units: number;
  readonly attributed_revenue: number;
}

export interface HourlyWindow {
  readonly hourFromMs: number;
  readonly hourToMs: number;
  /** Only events (their earliest copy) received by this instant count. */
  readonly receivedByMs: number;
}

/**
 * The attribution metrics job's rows, computed here: per hour of event time in [hourFrom, hourTo),
 * placement and variant ('none' when absent): impressions, clicks (distinct recommendation and item,
 * in the hour of the pair's first click in the range, for the clicked recommendation's placement and
 * variant), attributed purchases, units and revenue (purchases in the hour, by the rule above, over the
 * impressions of the 7 days before). `all` are unique, canary-free events with their first receipt time.
 */
export function attributionByHour(
  all: ReadonlyArray<CanonicalEvent & { readonly receivedAt: string }>,
  w: HourlyWindow,
): HourlyAttributionRow[] {
  const HOUR = 3_600_000;
  const shownFrom = w.hourFromMs - WINDOW_MS;
  const events = all.filter((e) => {
    const at = Date.parse(e.occurredAt);
    return Date.parse(e.receivedAt) <= w.receivedByMs && at > shownFrom && at < w.hourToMs;
  });
  const inRange = (at: number) => at >= w.hourFromMs && at < w.hourToMs;
  const hourOf = (at: number) => Math.floor(at / HOUR) * HOUR;
  const groups = new Map<
    string,
    { recs: Set<string>; clicks: Set<string>; orders: Set<string>; units: number; revenue: number }
  >();
  const group = (hour: number, placement: string, variant: string | undefined) => {
    const key = JSON.stringify([hour, placement, variant ?? 'none']);
    const g = groups.get(key) ?? {
      recs: new Set(),
      clicks: new Set(),
      orders: new Set(),
      units: 0,
      revenue: 0,
    };
    groups.set(key, g);
    return g;
  };
  const shown = impressions(events);
  const byRecommendation = new Map(shown.map((s) => [s.recommendationId, s]));
  for (const s of shown)
    if (inRange(s.at)) group(hourOf(s.at), s.placement, s.variant).recs.add(s.recommendationId);
  const firstClick = new Map<string, { at: number; recommendationId: string }>();
  for (const e of events) {
    if (e.type !== 'recommendation_click') continue;
    const at = Date.parse(e.occurredAt);
    if (!inRange(at)) continue;
    const key = JSON.stringify([e.recommendationId, e.itemId]);
    const seen = firstClick.get(key);
    if (!seen || at < seen.at) firstClick.set(key, { at, recommendationId: e.recommendationId });
  }
  for (const [key, click] of firstClick) {
    const s = byRecommendation.get(click.recommendationId);
    if (s) group(hourOf(click.at), s.placement, s.variant).clicks.add(key);
  }
  const purchaseTimes = new Map(
    events.filter((e) => e.type === 'purchase').map((e) => [e.eventId, Date.parse(e.occurredAt)]),
  );
  for (const line of attributedLines(events)) {
    const at = purchaseTimes.get(line.orderEventId) as number;
    if (!inRange(at)) continue;
    const g = group(hourOf(at), line.placement, line.variant);
    g.orders.add(line.orderEventId);
    g.units += line.quantity;
    g.revenue += line.revenue;
  }
  return [...groups]
    .map(([key, g]) => {
      const [hour, placement, variant] = JSON.parse(key) as [number, string, string];
      return {
        hour_ms: hour,
        placement,
        variant,
        impressions: g.recs.size,
        clicks: g.clicks.size,
        attributed_purchases: g.orders.size,
        attributed_units: g.units,
        attributed_revenue: Math.round(g.revenue * 1e6) / 1e6,
      };
    })
    .sort((a, b) => a.hour_ms - b.hour_ms || cmp(a.placement, b.placement) || cmp(a.variant, b.variant));
}
