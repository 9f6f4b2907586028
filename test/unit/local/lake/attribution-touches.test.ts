/**
 * `attribution_touches` on DuckDB (local/lake/query.ts, created from sql/views/attribution_touches.sql like the
 * Glue view): the attribution rule the two named queries and the hourly metrics job select from. A purchase
 * line is touched by each impression that showed its item to the same user at or before the purchase and less
 * than 7 days before it; nothing else is. Hand-made events, one per case the rule decides, so a change to the
 * rule (a wider window, another user's impression, an item not shown) changes the rows here.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ATTRIBUTION_TOUCHES_COLUMNS } from '../../../../lambdas/shared/events/lake-views';
import { type LocalLake, openLocalLake, rowObjects } from '../../../../local/lake/query';
import { hiveTypeToDuckDb } from '../../../../local/lake/writer';
import { canonical } from '../../../support/job-lake';
import { writeFixtureEvents } from '../../../support/lake-fixtures';

const DAY = 86_400_000;
const T0 = Date.parse('2026-11-10T10:00:00.000Z');
const at = (offsetMs: number) => new Date(T0 + offsetMs).toISOString();

function shown(id: string, who: Record<string, string>, itemIds: string[], offsetMs: number, extra = {}) {
  return canonical(
    {
      type: 'recommendation_impression',
      eventId: `imp-${id}`,
      recommendationId: id,
      itemIds,
      variant: 'treatment',
      ...who,
      ...extra,
      occurredAt: at(offsetMs),
    },
    at(offsetMs + 2000),
  );
}

function bought(
  id: string,
  who: Record<string, string>,
  itemIds: string[],
  offsetMs: number,
  receivedMs = 2000,
) {
  return canonical(
    {
      type: 'purchase',
      eventId: `buy-${id}`,
      orderId: id,
      currency: 'EUR',
      lineItems: itemIds.map((itemId) => ({ itemId, quantity: 2, price: 4.5 })),
      ...who,
      occurredAt: at(offsetMs),
    },
    at(offsetMs + receivedMs),
  );
}

const u1 = { userId: 'u1' };
const u2 = { userId: 'u2' };
const u3 = { userId: 'u3' };

describe('attribution_touches (DuckDB)', () => {
  let dir: string;
  let lake: LocalLake;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'attribution-touches-'));
    await writeFixtureEvents(
      [
        // u1 is shown a and b (no placement: for-you).
        shown('r1', u1, ['a', 'b'], 0, { placement: undefined }),
        // Bought before it was shown: no touch.
        bought('o0', u1, ['a'], -60_000),
        // 3 days later: a is touched, c was never shown to u1.
        bought('o1', u1, ['a', 'c'], 3 * DAY),
        // Exactly 7 days later: outside the window.
        bought('o2', u1, ['b'], 7 * DAY),
        // Another user buys a: u1's impression does not count for u2.
        bought('o3', u2, ['a'], 3 * DAY),
        // An anonymous visitor, in a placement.
        shown('r2', { anonymousId: 'v1' }, ['d'], 0, { placement: 'similar-items', variant: 'control' }),
        bought('o4', { anonymousId: 'v1' }, ['d'], DAY),
        // Two impressions touch one line; the resent purchase (a second copy, received later) repeats its rows.
        shown('r3', u3, ['e'], 0),
        shown('r4', u3, ['e'], 3_600_000, { placement: 'discover' }),
        bought('o5', u3, ['e'], 2 * 3_600_000),
        bought('o5', u3, ['e'], 2 * 3_600_000, 60_000),
        // Canary traffic on both sides: never a touch.
        shown('r5', { userId: 'canary#probe' }, ['a'], 0),
        bought('o6', { userId: 'canary#probe' }, ['a'], DAY),
      ],
      dir,
    );
    lake = await openLocalLake(dir);
  });

  afterAll(async () => {
    await lake?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const query = async (sql: string) => rowObjects(await lake.runQuery(sql));

  it('pairs a purchase line only with impressions of its item, to its buyer, in the 7 days before it', async () => {
    const rows = await query(
      `SELECT purchase_id, line_pos, user_key, item_id, quantity, price, recommendation_id, placement, variant,
              CAST(purchase_received_at AS VARCHAR) AS received
       FROM attribution_touches ORDER BY purchase_id, line_pos, recommendation_id, received`,
    );
    const touch = (purchase: string, user: string, item: string, rec: string, placement: string) => ({
      purchase_id: purchase,
      line_pos: 1,
      user_key: user,
      item_id: item,
      quantity: 2,
      price: 4.5,
      recommendation_id: rec,
      placement,
      variant: placement === 'similar-items' ? 'control' : 'treatment',
    });
    expect(rows.map(({ received: _, ...row }) => row)).toEqual([
      touch('buy-o1', 'u1', 'a', 'r1', 'for-you'),
      touch('buy-o4', 'anon#v1', 'd', 'r2', 'similar-items'),
      touch('buy-o5', 'u3', 'e', 'r3', 'for-you'),
      touch('buy-o5', 'u3', 'e', 'r3', 'for-you'),
      touch('buy-o5', 'u3', 'e', 'r4', 'discover'),
      touch('buy-o5', 'u3', 'e', 'r4', 'discover'),
    ]);
  });

  it('carries event time, receipt time and receipt partitions of both sides for the consumers’ filters', async () => {
    const rows = await query(
      `SELECT CAST(purchased_at AS VARCHAR) AS purchased, CAST(purchase_received_at AS VARCHAR) AS p_received,
              purchase_dt, purchase_hour, CAST(shown_at AS VARCHAR) AS shown,
              CAST(shown_received_at AS VARCHAR) AS s_received, shown_dt, shown_hour
       FROM attribution_touches WHERE purchase_id = 'buy-o1'`,
    );
    expect(rows).toEqual([
      {
        purchased: '2026-11-13 10:00:00',
        p_received: '2026-11-13 10:00:02',
        purchase_dt: '2026-11-13',
        purchase_hour: '10',
        shown: '2026-11-10 10:00:00',
        s_received: '2026-11-10 10:00:02',
        shown_dt: '2026-11-10',
        shown_hour: '10',
      },
    ]);
  });

  it('leaves the last touch to the consumer’s ranking: the later impression of a line wins', async () => {
    const rows = await query(
      `SELECT purchase_id, recommendation_id, placement FROM (
         SELECT *, row_number() OVER (
           PARTITION BY purchase_id, line_pos ORDER BY shown_at DESC, recommendation_id DESC
         ) AS touch_rank
         FROM attribution_touches
       ) WHERE touch_rank = 1 ORDER BY purchase_id`,
    );
    expect(rows).toEqual([
      { purchase_id: 'buy-o1', recommendation_id: 'r1', placement: 'for-you' },
      { purchase_id: 'buy-o4', recommendation_id: 'r2', placement: 'similar-items' },
      { purchase_id: 'buy-o5', recommendation_id: 'r4', placement: 'discover' },
    ]);
  });

  it('has the declared columns in the declared types, and exists empty on a fresh lake', async () => {
    const columns = await query('DESCRIBE attribution_touches');
    expect(columns.map((c) => [c.column_name, c.column_type])).toEqual(
      ATTRIBUTION_TOUCHES_COLUMNS.map((c) => [c.name, hiveTypeToDuckDb(c.type)]),
    );
    const empty = await openLocalLake(join(dir, 'no-such-lake'));
    try {
      expect((await empty.runQuery('SELECT count(*) FROM attribution_touches')).rows).toEqual([[0]]);
    } finally {
      await empty.close();
    }
  });
});
