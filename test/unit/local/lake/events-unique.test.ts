/**
 * `events_unique` on DuckDB (local/lake-query.ts, created from sql/views/events_unique.sql like the Glue view):
 * the raw `events` table keeps one row per delivered copy of an event (a client's resend after a 503 or a lost
 * answer is a new stream record with the same eventId and a later receivedAt; a Firehose retry an identical
 * one), and the view must give exactly one row per event, the earliest received copy, with every column of
 * events. A filter on dt or event_type must reach the Parquet scan below the deduplication, so partitions are
 * still pruned; the price of that, a resend received on a later UTC day staying a second row, is pinned here.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CanonicalEvent } from '../../../../lambdas/shared/events';
import { EVENT_COLUMNS, EVENT_PARTITION_KEYS } from '../../../../lambdas/shared/events';
import { type LocalLake, openLocalLake, rowObjects } from '../../../../local/lake/query';
import { canonical } from '../../../support/job-lake';
import { writeFixtureEvents } from '../../../support/lake-fixtures';

const DAY = '2026-11-20';
const at = (time: string, day = DAY) => `${day}T${time}Z`;

/** The same request body received at each of `times`: one copy per delivery, as the ingest API would store it. */
function copies(input: Record<string, unknown>, ...times: string[]): CanonicalEvent[] {
  return times.map((receivedAt) => canonical(input, receivedAt));
}

const view = (eventId: string, extra: Record<string, unknown> = {}) => ({
  type: 'product_view',
  eventId,
  userId: 'u1',
  itemId: 'i1',
  category: 'books',
  ...extra,
});

describe('events_unique (DuckDB)', () => {
  let dir: string;
  let lake: LocalLake;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'events-unique-'));
    await writeFixtureEvents(
      [
        // Delivered once.
        ...copies(view('once', { occurredAt: at('10:00:00.000') }), at('10:00:01.000')),
        // A Firehose retry: the identical record twice.
        ...copies(
          view('firehose', { occurredAt: at('10:00:00.000') }),
          at('10:00:02.000'),
          at('10:00:02.000'),
        ),
        // Segment resends after a 503 and after its own timeout: later receipts, same hour and the next hour.
        ...copies(
          view('resent', { occurredAt: at('10:59:50.000') }),
          at('10:59:58.000'),
          at('10:59:59.500'),
          at('11:00:09.000'),
        ),
        // No occurredAt: each copy's event time defaults to its receipt, so the earliest copy's values win.
        ...copies(
          { type: 'add_to_cart', eventId: 'no-time', userId: 'u2', itemId: 'i2', quantity: 1 },
          at('12:00:05.000'),
          at('12:00:00.000'),
        ),
        // A resend that crossed midnight UTC: two receipt days.
        ...copies(
          view('midnight', { occurredAt: at('23:59:59.000') }),
          at('23:59:59.500'),
          at('00:00:04.000', '2026-11-21'),
        ),
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

  it('has exactly the columns of events, in order', async () => {
    const columns = await query('DESCRIBE events_unique');
    const raw = await query('DESCRIBE events');
    expect(columns.map((c) => [c.column_name, c.column_type])).toEqual(
      raw.map((c) => [c.column_name, c.column_type]),
    );
    expect(columns.map((c) => c.column_name)).toEqual(
      [...EVENT_COLUMNS, ...EVENT_PARTITION_KEYS].map((c) => c.name),
    );
  });

  it('exists, empty, on a lake without files (a fresh npm start)', async () => {
    const empty = await openLocalLake(join(dir, 'no-such-lake'));
    try {
      expect((await empty.runQuery('SELECT count(*) FROM events_unique')).rows).toEqual([[0]]);
    } finally {
      await empty.close();
    }
  });

  it('gives one row per event and receipt day, the earliest received copy, where events has one per copy', async () => {
    const counts = async (table: string) =>
      Object.fromEntries(
        (await query(`SELECT event_id, count(*) AS n FROM ${table} GROUP BY event_id ORDER BY event_id`)).map(
          (r) => [r.event_id, r.n],
        ),
      );
    expect(await counts('events')).toEqual({ firehose: 2, midnight: 2, 'no-time': 2, once: 1, resent: 3 });
    expect(await counts('events_unique')).toEqual({
      firehose: 1,
      midnight: 2,
      'no-time': 1,
      once: 1,
      resent: 1,
    });
    const kept = await query(
      `SELECT event_id, strftime(received_at, '%H:%M:%S.%g') AS received, strftime(occurred_at, '%H:%M:%S.%g') AS occurred, hour
       FROM events_unique WHERE event_id IN ('resent', 'no-time') ORDER BY event_id`,
    );
    expect(kept).toEqual([
      { event_id: 'no-time', received: '12:00:00.000', occurred: '12:00:00.000', hour: '12' },
      { event_id: 'resent', received: '10:59:58.000', occurred: '10:59:50.000', hour: '10' },
    ]);
  });

  it('applies a filter on dt and event_type before the deduplication: only their files are scanned', async () => {
    const plan = (
      await lake.runQuery(
        `EXPLAIN SELECT count(*) FROM events_unique WHERE dt = '${DAY}' AND event_type = 'add_to_cart'`,
      )
    ).rows
      .map((row) => String(row[1]))
      .join('\n');
    // 5 Parquet files (one per event type, dt and hour: product_view 10, 11, 23 and 00 the next day,
    // add_to_cart 12); the add_to_cart files of that day: 1.
    expect(plan).toMatch(/Scanning Files: 1\/5/);
    expect(
      (
        await query(
          `SELECT count(*) AS n FROM events_unique WHERE dt = '${DAY}' AND event_type = 'add_to_cart'`,
        )
      )[0],
    ).toEqual({ n: 1 });
  });
});
