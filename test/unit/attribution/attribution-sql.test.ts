/**
 * The attribution metrics job's SQL (sql/jobs/attribution_hourly.sql) on DuckDB over a lake of simulated
 * traffic with resent copies and canary events (test/support/lake-fixtures.ts), against the same numbers
 * computed independently in TypeScript from the same events (test/support/attribution-model.ts, the
 * model the named queries are checked against): per hour, placement and variant, impressions, clicks,
 * attributed purchases, units and revenue. Also: the lateness allowance (events received after it do not
 * count), parameter validation, and the fixture actually attributing purchases (a test that cannot fail
 * on an empty result is no test).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  attributionQuery,
  HOUR_MS,
  parseAttributionRows,
} from '../../../lambdas/attribution/attribution-sql';
import { SqlParameterError } from '../../../lambdas/jobs/sql-params';
import { isCanaryEvent } from '../../../lambdas/shared/canary';
import { type CanonicalEvent, normalizeEvent } from '../../../lambdas/shared/events';
import { EngineLakeSelect } from '../../../local/jobs/attribution';
import { type LocalLake, openLocalLake } from '../../../local/lake/query';
import { attributionByHour } from '../../support/attribution-model';
import { buildLakeFixture, type LakeFixture, writeFixtureEvents } from '../../support/lake-fixtures';

const NOW = new Date('2026-11-20T15:27:00.000Z');
let dir: string;
let fixture: LakeFixture;
let lake: LocalLake;

const HOUR = 3_600_000;
const hoursAgo = (h: number, minutes = 0) => new Date(NOW.getTime() - h * HOUR + minutes * 60_000);

/**
 * Hand-made cases the simulator rarely produces: a purchase 3 days after the impression (inside the 7-day
 * window), one 8 days after (outside), a purchase and a click received 5 hours after they happened (late),
 * the same item shown twice (the later impression wins), a click clicked twice, a second variant and
 * placement, and an impression received 5 hours after it happened that is the later touch of a purchase.
 */
function edgeEvents(): CanonicalEvent[] {
  const inputs: Array<[Record<string, unknown>, Date]> = [];
  const add = (input: Record<string, unknown>, occurred: Date, receivedLaterMs = 2000) =>
    inputs.push([
      { ...input, occurredAt: occurred.toISOString() },
      new Date(occurred.getTime() + receivedLaterMs),
    ]);
  const shown = (
    id: string,
    user: string,
    items: string[],
    at: Date,
    variant = 'treatment',
    placement = 'discover',
    late = 2000,
  ) =>
    add(
      {
        type: 'recommendation_impression',
        eventId: `attr-imp-${id}`,
        userId: user,
        recommendationId: id,
        itemIds: items,
        variant,
        placement,
      },
      at,
      late,
    );
  const bought = (id: string, user: string, itemId: string, at: Date, late = 2000) =>
    add(
      {
        type: 'purchase',
        eventId: `attr-buy-${id}`,
        userId: user,
        orderId: id,
        currency: 'EUR',
        lineItems: [{ itemId, quantity: 2, price: 4.5 }],
      },
      at,
      late,
    );
  shown('e-r1', 'edge-a', ['x1', 'x2'], hoursAgo(80));
  bought('e-o1', 'edge-a', 'x1', hoursAgo(8));
  shown('e-r2', 'edge-b', ['x3'], hoursAgo(8 * 24 + 6));
  bought('e-o2', 'edge-b', 'x3', hoursAgo(6));
  shown('e-r3', 'edge-c', ['x4'], hoursAgo(10), 'control', 'for-you');
  shown('e-r4', 'edge-c', ['x4'], hoursAgo(9), 'treatment', 'similar-items');
  bought('e-o3', 'edge-c', 'x4', hoursAgo(7), 5 * HOUR);
  shown('e-r5', 'edge-d', ['x5'], hoursAgo(30), 'treatment', 'new-arrivals');
  shown('e-r6', 'edge-d', ['x5'], hoursAgo(29), 'treatment', 'trending', 5 * HOUR + 10 * 60_000);
  bought('e-o4', 'edge-d', 'x5', hoursAgo(28));
  add(
    {
      type: 'recommendation_click',
      eventId: 'attr-clk-1',
      userId: 'edge-c',
      recommendationId: 'e-r3',
      itemId: 'x4',
    },
    hoursAgo(9, 40),
  );
  add(
    {
      type: 'recommendation_click',
      eventId: 'attr-clk-2',
      userId: 'edge-c',
      recommendationId: 'e-r3',
      itemId: 'x4',
    },
    hoursAgo(9, 50),
  );
  add(
    {
      type: 'recommendation_click',
      eventId: 'attr-clk-3',
      userId: 'edge-a',
      recommendationId: 'e-r1',
      itemId: 'x2',
    },
    hoursAgo(12),
    5 * HOUR,
  );
  return inputs.map(([input, receivedAt]) => {
    const result = normalizeEvent(input, { receivedAt });
    if (!result.ok) throw new Error(`edge event rejected: ${JSON.stringify(result.rejection)}`);
    return result.event;
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'attribution-sql-'));
  const built = await buildLakeFixture(join(dir, 'lake'), NOW);
  const edges = edgeEvents();
  await writeFixtureEvents(edges, built.lakeDir);
  fixture = { ...built, events: [...built.events, ...edges] };
  lake = await openLocalLake(fixture.lakeDir);
});

afterAll(async () => {
  await lake?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Each event once (its earliest received copy), canary traffic left out. */
function unique(f: LakeFixture): Array<CanonicalEvent & { receivedAt: string }> {
  const first = new Map<string, CanonicalEvent & { receivedAt: string }>();
  for (const e of f.events as Array<CanonicalEvent & { receivedAt: string }>) {
    const seen = first.get(e.eventId);
    if (!seen || e.receivedAt < seen.receivedAt) first.set(e.eventId, e);
  }
  return [...first.values()].filter((e) => !isCanaryEvent(e));
}

async function sqlRows(hourFromMs: number, hourToMs: number, latenessMs: number) {
  const rows = await new EngineLakeSelect(lake).select(
    attributionQuery({ hourFromMs, hourToMs, latenessMs }),
  );
  return parseAttributionRows(rows).map((r) => ({
    hour_ms: r.hourStartMs,
    placement: r.placement,
    variant: r.variant,
    impressions: r.impressions,
    clicks: r.clicks,
    attributed_purchases: r.attributedPurchases,
    attributed_units: r.attributedUnits,
    attributed_revenue: r.attributedRevenue,
  }));
}

const lastHour = Math.floor(NOW.getTime() / HOUR_MS) * HOUR_MS;

describe('on DuckDB, against the independent count', () => {
  it('agrees hour by hour over the last 10 days, with every late copy received', async () => {
    const hourFromMs = lastHour - 240 * HOUR_MS;
    const latenessMs = 30 * 24 * HOUR_MS;
    const expected = attributionByHour(unique(fixture), {
      hourFromMs,
      hourToMs: lastHour,
      receivedByMs: lastHour + latenessMs,
    });
    // The fixture must give the comparison something to compare.
    expect(expected.reduce((n, r) => n + r.attributed_purchases, 0)).toBeGreaterThan(3);
    expect(expected.reduce((n, r) => n + r.clicks, 0)).toBeGreaterThan(3);
    expect(new Set(expected.map((r) => r.variant)).size).toBeGreaterThan(1);
    expect(new Set(expected.map((r) => r.placement)).size).toBeGreaterThan(1);
    expect(await sqlRows(hourFromMs, lastHour, latenessMs)).toEqual(expected);
  });

  it('agrees for a single hour, and each hour alone sums to the range', async () => {
    const all = unique(fixture);
    const busiest = attributionByHour(all, {
      hourFromMs: lastHour - 48 * HOUR_MS,
      hourToMs: lastHour,
      receivedByMs: lastHour + 48 * HOUR_MS,
    }).sort((a, b) => b.attributed_purchases - a.attributed_purchases || b.impressions - a.impressions)[0];
    expect(busiest).toBeDefined();
    const hour = busiest!.hour_ms;
    const expected = attributionByHour(all, {
      hourFromMs: hour,
      hourToMs: hour + HOUR_MS,
      receivedByMs: hour + 2 * HOUR_MS,
    });
    expect(expected.length).toBeGreaterThan(0);
    expect(await sqlRows(hour, hour + HOUR_MS, HOUR_MS)).toEqual(expected);
  });

  it('counts the edge cases by the rule: 3 days is inside the window, 8 days outside, the later impression wins', async () => {
    const rows = await sqlRows(lastHour - 240 * HOUR_MS, lastHour, 30 * 24 * HOUR_MS);
    const at = (hoursBack: number) => Math.floor(hoursAgo(hoursBack).getTime() / HOUR_MS) * HOUR_MS;
    const row = (hoursBack: number, placement: string, variant: string) =>
      rows.find((r) => r.hour_ms === at(hoursBack) && r.placement === placement && r.variant === variant);
    expect(row(8, 'discover', 'treatment')).toMatchObject({ attributed_purchases: 1, attributed_revenue: 9 });
    expect(row(6, 'discover', 'treatment')).toBeUndefined();
    expect(row(7, 'similar-items', 'treatment')).toMatchObject({
      attributed_purchases: 1,
      attributed_units: 2,
    });
    expect(row(7, 'for-you', 'control')).toBeUndefined();
    expect(row(10, 'for-you', 'control')).toMatchObject({ impressions: 1 });
    // Clicked twice, 07:07 and 07:17: one click, in the hour of the first, for the clicked list.
    expect(row(8, 'for-you', 'control')).toMatchObject({ clicks: 1, impressions: 0 });
  });

  it('leaves out events received after the lateness allowance', async () => {
    const all = unique(fixture);
    const hourFromMs = lastHour - 72 * HOUR_MS;
    // The range ends 4 hours ago: the purchase of 7 hours ago, received 5 hours after it, is late for it.
    const hourToMs = lastHour - 4 * HOUR_MS;
    const strict = attributionByHour(all, { hourFromMs, hourToMs, receivedByMs: hourToMs });
    const lenient = attributionByHour(all, { hourFromMs, hourToMs, receivedByMs: hourToMs + 3 * HOUR_MS });
    expect(strict).not.toEqual(lenient);
    expect(await sqlRows(hourFromMs, hourToMs, 0)).toEqual(strict);
    expect(await sqlRows(hourFromMs, hourToMs, 3 * HOUR_MS)).toEqual(lenient);
  });

  it('chooses the last touch among the impressions received in time: a late later one takes no credit', async () => {
    const all = unique(fixture);
    const hourFromMs = lastHour - 72 * HOUR_MS;
    // The range ends at 15:00 yesterday; the trending impression of 29 hours ago arrived at 15:37 yesterday,
    // in the last receipt hour the query reads, 37 minutes too late for a range without allowance.
    const hourToMs = lastHour - 24 * HOUR_MS;
    const hour = Math.floor(hoursAgo(28).getTime() / HOUR_MS) * HOUR_MS;
    const earned = (rows: readonly { hour_ms: number; placement: string; attributed_purchases: number }[]) =>
      rows
        .filter((r) => r.hour_ms === hour && r.attributed_purchases > 0)
        .map((r) => [r.placement, r.attributed_purchases]);
    const strict = await sqlRows(hourFromMs, hourToMs, 0);
    expect(strict).toEqual(attributionByHour(all, { hourFromMs, hourToMs, receivedByMs: hourToMs }));
    expect(earned(strict)).toEqual([['new-arrivals', 1]]);
    const lenient = await sqlRows(hourFromMs, hourToMs, HOUR_MS);
    expect(lenient).toEqual(
      attributionByHour(all, { hourFromMs, hourToMs, receivedByMs: hourToMs + HOUR_MS }),
    );
    expect(earned(lenient)).toEqual([['trending', 1]]);
  });
});

describe('parameters', () => {
  it.each([
    [
      'an hour start off the hour',
      { hourFromMs: lastHour + 1, hourToMs: lastHour + HOUR_MS, latenessMs: 0 },
      /'hourFromMs'/,
    ],
    ['an empty range', { hourFromMs: lastHour, hourToMs: lastHour, latenessMs: 0 }, /'hourToMs'.*not after/],
    [
      'a negative lateness',
      { hourFromMs: lastHour - HOUR_MS, hourToMs: lastHour, latenessMs: -1 },
      /'latenessMs'/,
    ],
    ['a NaN', { hourFromMs: Number.NaN, hourToMs: lastHour, latenessMs: 0 }, /'hourFromMs'/],
  ])('refuses %s', (_name, params, message) => {
    expect(() => attributionQuery(params)).toThrow(SqlParameterError);
    expect(() => attributionQuery(params)).toThrow(message);
  });

  it('reads the receipt-time partitions from 7 days and the clock skew before the range to its end plus the allowance', () => {
    const sql = attributionQuery({
      hourFromMs: Date.parse('2026-11-20T10:00:00Z'),
      hourToMs: Date.parse('2026-11-20T12:00:00Z'),
      latenessMs: HOUR_MS,
    });
    expect(sql).toContain("dt > '2026-11-13' OR (dt = '2026-11-13' AND hour >= '09')");
    expect(sql).toContain("dt < '2026-11-20' OR (dt = '2026-11-20' AND hour <= '13')");
    expect(sql).toContain("received_at <= TIMESTAMP '2026-11-20 13:00:00.000'");
  });

  it('refuses a row that is not a number where one belongs', () => {
    expect(() => parseAttributionRows([['1', 'for-you', 'a', 'x', '0', '0', '0', '0']])).toThrow(
      /impressions is 'x'/,
    );
  });
});
