/**
 * The analyst queries in sql/named (also deployed as Athena named queries) run on DuckDB over a lake
 * built from simulator traffic and API rejections, and every one must return exactly what is computed
 * independently here in TypeScript from the same events and quarantine records: the SQL is the only
 * way analysts see these numbers, and Athena cannot run in CI. The lake holds copies of events that
 * clients resent (as Firehose delivers them), and every count is per unique event. A query file without an expectation
 * fails the test, as does a file that uses syntax only one of the two engines accepts.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { QuarantineRecord } from '../../../../lambdas/ingest/quarantine';
import { isCanaryEvent } from '../../../../lambdas/shared/canary';
import { type CanonicalEvent, eventPartition } from '../../../../lambdas/shared/events';
import {
  type LocalLake,
  listNamedQueries,
  loadNamedQuery,
  NAMED_QUERY_DIR,
  openLocalLake,
  rowObjects,
} from '../../../../local/lake/query';
import { attributedConversionsByVariant, experimentUsers } from '../../../support/attribution-model';
import { buildLakeFixture, type LakeFixture, utcDay } from '../../../support/lake-fixtures';
import { trinoSyntaxErrors } from '../../../support/trino-grammar';

let dir: string;
let fixture: LakeFixture;
let lake: LocalLake;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'named-queries-'));
  fixture = await buildLakeFixture(join(dir, 'lake'));
  lake = await openLocalLake(fixture.lakeDir);
});

afterAll(async () => {
  await lake?.close();
  rmSync(dir, { recursive: true, force: true });
});

type Row = Record<string, unknown>;

async function run(name: string): Promise<Row[]> {
  return rowObjects(await lake.runQuery(loadNamedQuery(name).sql));
}

/** `day >= today - days`, as the queries compute it from current_date (UTC). */
const since = (days: number) => utcDay(new Date(), -days);
/** The UTC date the event happened on: the queries' day (the lake's dt is the receipt date). */
const eventDay = (e: CanonicalEvent) => e.occurredAt.slice(0, 10);
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const person = (e: CanonicalEvent) => e.userId ?? `anon#${e.anonymousId}`;
const ratio = (a: number, b: number) => (b === 0 ? null : a / b);

function dailyActiveUsers(events: readonly CanonicalEvent[]): Row[] {
  const days = new Map<
    string,
    { people: Set<string>; users: Set<string>; anon: Set<string>; events: number }
  >();
  for (const e of events) {
    const dt = eventDay(e);
    if (dt < since(30)) continue;
    const day = days.get(dt) ?? { people: new Set(), users: new Set(), anon: new Set(), events: 0 };
    day.people.add(person(e));
    if (e.userId) day.users.add(e.userId);
    else if (e.anonymousId) day.anon.add(e.anonymousId);
    day.events++;
    days.set(dt, day);
  }
  return [...days]
    .sort(([a], [b]) => cmp(b, a))
    .map(([day, d]) => ({
      day,
      active_users: d.people.size,
      signed_in_users: d.users.size,
      anonymous_visitors: d.anon.size,
      events: d.events,
    }));
}

function funnelByDay(events: readonly CanonicalEvent[]): Row[] {
  const sessions = new Map<string, Map<string, Set<string>>>();
  for (const e of events) {
    const dt = eventDay(e);
    if (dt < since(30)) continue;
    const key = e.sessionId ?? `user#${person(e)}`;
    const day = sessions.get(dt) ?? new Map<string, Set<string>>();
    const types = day.get(key) ?? new Set<string>();
    types.add(e.type);
    day.set(key, types);
    sessions.set(dt, day);
  }
  return [...sessions]
    .sort(([a], [b]) => cmp(b, a))
    .map(([dt, day]) => {
      const all = [...day.values()];
      const viewed = all.filter((t) => t.has('product_view'));
      const carted = viewed.filter((t) => t.has('add_to_cart'));
      const purchased = carted.filter((t) => t.has('purchase'));
      return {
        day: dt,
        sessions: all.length,
        viewed: viewed.length,
        carted: carted.length,
        purchased: purchased.length,
        view_to_cart: ratio(carted.length, viewed.length),
        cart_to_purchase: ratio(purchased.length, carted.length),
        view_to_purchase: ratio(purchased.length, viewed.length),
      };
    });
}

interface ItemTotal {
  category: string;
  item_id: string;
  views: number;
  carts: number;
  purchases: number;
  units: number;
}

function topItemsByCategory(events: readonly CanonicalEvent[]): Row[] {
  const totals = new Map<string, ItemTotal>();
  const row = (category: string | undefined, itemId: string) => {
    const c = category ?? '(none)';
    const key = JSON.stringify([c, itemId]);
    let t = totals.get(key);
    if (!t) {
      t = { category: c, item_id: itemId, views: 0, carts: 0, purchases: 0, units: 0 };
      totals.set(key, t);
    }
    return t;
  };
  for (const e of events) {
    if (eventDay(e) < since(7)) continue;
    if (e.type === 'product_view') row(e.category, e.itemId).views++;
    if (e.type === 'add_to_cart') row(e.category, e.itemId).carts++;
    if (e.type === 'purchase') {
      for (const line of e.lineItems) {
        const t = row(line.category, line.itemId);
        t.purchases++;
        t.units += line.quantity;
      }
    }
  }
  const byCategory = new Map<string, ItemTotal[]>();
  for (const t of totals.values()) byCategory.set(t.category, [...(byCategory.get(t.category) ?? []), t]);
  return [...byCategory]
    .sort(([a], [b]) => cmp(a, b))
    .flatMap(([, items]) =>
      items
        .sort(
          (a, b) =>
            b.purchases - a.purchases || b.carts - a.carts || b.views - a.views || cmp(a.item_id, b.item_id),
        )
        .slice(0, 10)
        .map((t, i) => ({
          category: t.category,
          item_rank: i + 1,
          item_id: t.item_id,
          views: t.views,
          carts: t.carts,
          purchases: t.purchases,
          units: t.units,
        })),
    );
}

function rejectedByReason(records: readonly QuarantineRecord[]): Row[] {
  const groups = new Map<string, { dt: string; reason: string; rejected: number; requests: Set<string> }>();
  for (const r of records) {
    const dt = r.receivedAt.slice(0, 10);
    if (dt < since(30)) continue;
    const key = `${dt}/${r.reason}`;
    const g = groups.get(key) ?? { dt, reason: r.reason, rejected: 0, requests: new Set<string>() };
    g.rejected++;
    g.requests.add(r.requestId);
    groups.set(key, g);
  }
  return [...groups.values()]
    .sort((a, b) => cmp(b.dt, a.dt) || b.rejected - a.rejected || cmp(a.reason, b.reason))
    .map((g) => ({ dt: g.dt, reason: g.reason, rejected: g.rejected, requests: g.requests.size }));
}

/** Impression slots and clicks of the last 30 days, each counted once, as the CTR queries define them. */
function recommendationSlots(events: readonly CanonicalEvent[]) {
  const slots = new Map<
    string,
    { recommendationId: string; placement: string; variant: string; itemId: string; position: number }
  >();
  const clicks = new Set<string>();
  for (const e of events) {
    if (eventDay(e) < since(30)) continue;
    if (e.type === 'recommendation_impression') {
      e.itemIds.forEach((itemId, position) => {
        const key = JSON.stringify([e.recommendationId, itemId]);
        slots.set(key, {
          recommendationId: e.recommendationId,
          placement: e.placement ?? 'for-you',
          variant: e.variant,
          itemId,
          position,
        });
      });
    }
    if (e.type === 'recommendation_click') clicks.add(JSON.stringify([e.recommendationId, e.itemId]));
  }
  return [...slots].map(([key, slot]) => ({ ...slot, clicked: clicks.has(key) }));
}

function ctrByVariant(events: readonly CanonicalEvent[]): Row[] {
  const groups = new Map<string, Map<string, { shown: number; clicks: number }>>();
  for (const slot of recommendationSlots(events)) {
    const key = JSON.stringify([slot.placement, slot.variant]);
    const recs = groups.get(key) ?? new Map<string, { shown: number; clicks: number }>();
    const rec = recs.get(slot.recommendationId) ?? { shown: 0, clicks: 0 };
    rec.shown++;
    if (slot.clicked) rec.clicks++;
    recs.set(slot.recommendationId, rec);
    groups.set(key, recs);
  }
  return [...groups]
    .sort(([a], [b]) => cmp(a, b))
    .map(([key, recs]) => {
      const [placement, variant] = JSON.parse(key) as [string, string];
      const all = [...recs.values()];
      const shown = all.reduce((n, r) => n + r.shown, 0);
      const clicks = all.reduce((n, r) => n + r.clicks, 0);
      const clicked = all.filter((r) => r.clicks > 0).length;
      return {
        placement,
        variant,
        impressions: all.length,
        items_shown: shown,
        clicks,
        clicked_recommendations: clicked,
        ctr: ratio(clicks, shown),
        recommendation_ctr: ratio(clicked, all.length),
      };
    });
}

function ctrByPosition(events: readonly CanonicalEvent[]): Row[] {
  const groups = new Map<
    string,
    { placement: string; variant: string; position: number; shown: number; clicks: number }
  >();
  for (const slot of recommendationSlots(events)) {
    const key = JSON.stringify([slot.placement, slot.variant, slot.position]);
    const g = groups.get(key) ?? {
      placement: slot.placement,
      variant: slot.variant,
      position: slot.position,
      shown: 0,
      clicks: 0,
    };
    g.shown++;
    if (slot.clicked) g.clicks++;
    groups.set(key, g);
  }
  return [...groups.values()]
    .sort((a, b) => cmp(a.placement, b.placement) || cmp(a.variant, b.variant) || a.position - b.position)
    .map((g) => ({
      placement: g.placement,
      variant: g.variant,
      position: g.position,
      items_shown: g.shown,
      clicks: g.clicks,
      ctr: ratio(g.clicks, g.shown),
    }));
}

/** Ratio columns are rounded to 4 decimals by the SQL and compared to that precision. */
const RATIO_COLUMNS = new Set([
  'view_to_cart',
  'cart_to_purchase',
  'view_to_purchase',
  'ctr',
  'recommendation_ctr',
  // Sums of prices: the engines add doubles in their own order.
  'attributed_revenue',
  'conversion_rate',
]);

/**
 * Each event once (the earliest received copy: the lake keeps every copy a client resent), and never the
 * freshness canary's: the events every analysis counts.
 */
function real(f: LakeFixture): CanonicalEvent[] {
  const first = new Map<string, CanonicalEvent>();
  for (const e of f.events) {
    const seen = first.get(e.eventId);
    if (!seen || e.receivedAt < seen.receivedAt) first.set(e.eventId, e);
  }
  return [...first.values()].filter((e) => !isCanaryEvent(e));
}

const EXPECTED: Readonly<Record<string, (f: LakeFixture) => Row[]>> = {
  daily_active_users: (f) => dailyActiveUsers(real(f)),
  funnel_by_day: (f) => funnelByDay(real(f)),
  top_items_by_category: (f) => topItemsByCategory(real(f)),
  rejected_by_reason: (f) => rejectedByReason(f.records),
  ctr_by_variant: (f) => ctrByVariant(real(f)),
  ctr_by_position: (f) => ctrByPosition(real(f)),
  attributed_conversions_by_variant: (f) => attributedConversionsByVariant(real(f), since(30)),
  experiment_users: (f) => experimentUsers(real(f), since(30)),
};

describe('sql/named', () => {
  it('has an independent expectation for every query file, and no expectation without a file', () => {
    expect(listNamedQueries()).toEqual(Object.keys(EXPECTED).sort());
  });

  it('the fixture holds canary traffic of every kind the queries count', () => {
    const types = new Set(fixture.events.filter(isCanaryEvent).map((e) => e.type));
    expect([...types].sort()).toEqual([
      'add_to_cart',
      'product_view',
      'purchase',
      'recommendation_click',
      'recommendation_impression',
    ]);
  });

  it('the fixture holds events delivered more than once, as the lake keeps them', async () => {
    const copies = fixture.events.length - new Set(fixture.events.map((e) => e.eventId)).size;
    expect(copies).toBeGreaterThan(100);
    // Resends received later than the first copy, some in another hour; and identical copies.
    const firstReceipt = new Map<string, string>();
    for (const e of fixture.events)
      if (!firstReceipt.has(e.eventId)) firstReceipt.set(e.eventId, e.receivedAt);
    const later = fixture.events.filter((e) => e.receivedAt > (firstReceipt.get(e.eventId) ?? e.receivedAt));
    expect(later.length).toBeGreaterThan(100);
    expect(later.some((e) => e.receivedAt.slice(11, 13) !== firstReceipt.get(e.eventId)?.slice(11, 13))).toBe(
      true,
    );
    const [raw] = rowObjects(await lake.runQuery('SELECT count(*) AS n FROM events'));
    expect(raw).toEqual({ n: fixture.events.length });
  });

  it('the fixture covers the windows: days inside and outside them, and every table', () => {
    const days = new Set(fixture.events.map(eventDay));
    expect([...days].some((d) => d < since(30))).toBe(true);
    // History imported today (receipt partition today, event day outside every window), and an event
    // that arrived days after it happened (its day is not its partition's).
    const today = since(0);
    expect(fixture.events.some((e) => eventPartition(e).dt === today && eventDay(e) < since(30))).toBe(true);
    expect(fixture.events.some((e) => eventPartition(e).dt !== eventDay(e) && eventDay(e) >= since(30))).toBe(
      true,
    );
    expect([...days].some((d) => d >= since(30) && d < since(7))).toBe(true);
    expect(fixture.records.some((r) => r.receivedAt.slice(0, 10) < since(30))).toBe(true);
    expect(lake.files.eventFiles).toBeGreaterThan(10);
    expect(lake.files.quarantineFiles).toBe(fixture.objects.length);
  });

  it('the fixture attributes purchases in both variants, and leaves out impressions after or long before', () => {
    const rows = attributedConversionsByVariant(real(fixture), since(30));
    const converted = rows.filter((r) => (r.converting_users as number) > 0).map((r) => r.variant);
    expect(new Set(converted)).toEqual(new Set(['control', 'recent-heavy']));
    // Fewer users convert than were shown recommendations: some impressions came after the purchase or 8 days before.
    for (const r of rows) expect(r.converting_users as number).toBeLessThanOrEqual(r.exposed_users as number);
    expect(rows.some((r) => (r.converting_users as number) < (r.exposed_users as number))).toBe(true);
  });

  it.each(Object.keys(EXPECTED))('%s returns exactly the independently computed rows', async (name) => {
    const actual = await run(name);
    const expected = (EXPECTED[name] as (f: LakeFixture) => Row[])(fixture);
    expect(expected.length).toBeGreaterThan(0);
    expect(actual).toHaveLength(expected.length);
    const exact = (row: Row) =>
      Object.fromEntries(Object.entries(row).filter(([k]) => !RATIO_COLUMNS.has(k)));
    expect(actual.map(exact)).toEqual(expected.map(exact));
    actual.forEach((row, i) => {
      for (const column of RATIO_COLUMNS) {
        if (!(column in row)) continue;
        const want = expected[i]?.[column] as number | null;
        if (want === null) expect(row[column]).toBeNull();
        else expect(row[column] as number).toBeCloseTo(want, 4);
      }
    });
  });

  describe.each(listNamedQueries())('%s.sql', (name) => {
    const text = readFileSync(join(NAMED_QUERY_DIR, `${name}.sql`), 'utf8');
    const code = text
      .split('\n')
      .map((line) => line.replace(/--.*$/, ''))
      .join('\n')
      // The one UNNEST both engines run alike: an array of strings with its 1-based ordinality (Trino's
      // syntax, which DuckDB accepts too); arrays of structs (line_items) unnest differently.
      .replace(/CROSS JOIN UNNEST\(\w+\.item_ids\) WITH ORDINALITY AS \w+ \(item_id, pos\)/g, '');

    it('starts with a one-line `-- description` (the Athena named query description)', () => {
      expect(text).toMatch(/^-- \S.{9,}\n/);
      expect(loadNamedQuery(name).description.length).toBeLessThanOrEqual(1024);
    });

    it('parses with the Trino grammar (Athena engine 3)', () => {
      expect(trinoSyntaxErrors(text)).toEqual([]);
    });

    it('counts unique events: reads events_unique, never the raw events table', () => {
      expect(code).not.toMatch(/\bFROM\s+events\b(?!_)/i);
    });

    it('keeps to the SQL that Athena (Trino) and DuckDB both accept', () => {
      // One statement, no terminator: StartQueryExecution takes a single statement.
      expect(code.trim()).not.toMatch(/;/);
      // Engine-specific syntax and functions, and literal dates that would freeze the window.
      const forbidden: Array<[RegExp, string]> = [
        [/::/, 'PostgreSQL/DuckDB cast (use CAST)'],
        [/\bQUALIFY\b/i, 'QUALIFY (DuckDB only)'],
        [/\bFILTER\s*\(\s*WHERE/i, 'aggregate FILTER (use CASE WHEN)'],
        [/\bILIKE\b/i, 'ILIKE (DuckDB only)'],
        [
          /\b(date_trunc|date_format|date_add|date_diff|strftime|strptime|format_datetime)\s*\(/i,
          'engine-specific date function',
        ],
        [
          /\b(list_\w+|array_length|len|cardinality|element_at|transform|sequence|generate_series|range)\s*\(/i,
          'engine-specific list function',
        ],
        [/\b(try_cast|try|regexp_matches|string_agg|listagg|group_concat)\s*\(/i, 'engine-specific function'],
        [/'\d{4}-\d{2}-\d{2}'/, 'literal date'],
        [/\bUNNEST\b/i, 'UNNEST (array-of-struct unnesting differs between the engines)'],
        [/\bINTERVAL\s+\d/i, "INTERVAL without quotes (write INTERVAL '7' DAY)"],
        [/"/, 'double-quoted identifiers (keep to plain lower-case names)'],
      ];
      for (const [pattern, what] of forbidden)
        expect({ what, found: pattern.test(code) }).toEqual({ what, found: false });
    });
  });
});
