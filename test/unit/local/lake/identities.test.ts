/**
 * `identities` on DuckDB (local/lake/query.ts, created from sql/views/identities.sql like the Glue view): one
 * row per anonymous id and user stated together by an event (identify, any call with both ids, alias with its
 * previousId), so an analyst can join a visitor's events before login to the user's after it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IDENTITIES_COLUMNS } from '../../../../lambdas/shared/events/lake-views';
import { type LocalLake, openLocalLake, rowObjects } from '../../../../local/lake/query';
import { canonical } from '../../../support/job-lake';
import { writeFixtureEvents } from '../../../support/lake-fixtures';

const at = (time: string) => `2026-11-20T${time}Z`;

describe('identities (DuckDB)', () => {
  let dir: string;
  let lake: LocalLake;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'identities-'));
    await writeFixtureEvents(
      [
        canonical(
          { type: 'product_view', eventId: 'e1', anonymousId: 'v1', itemId: 'lamp' },
          at('10:00:00.000'),
        ),
        canonical(
          {
            type: 'custom',
            name: 'identify',
            eventId: 'e2',
            userId: 'u1',
            anonymousId: 'v1',
            properties: {},
          },
          at('10:01:00.000'),
        ),
        // The same identify resent (a new copy of e2), and a later call carrying both ids.
        canonical(
          {
            type: 'custom',
            name: 'identify',
            eventId: 'e2',
            userId: 'u1',
            anonymousId: 'v1',
            properties: {},
          },
          at('10:01:05.000'),
        ),
        canonical(
          { type: 'product_view', eventId: 'e3', userId: 'u1', anonymousId: 'v1', itemId: 'desk' },
          at('10:02:00.000'),
        ),
        // A Segment alias without anonymousId: previousId is the visitor.
        canonical(
          { type: 'custom', name: 'alias', eventId: 'e4', userId: 'u2', properties: { previousId: 'v2' } },
          at('10:03:00.000'),
        ),
        // Not links: one id alone, and a custom event that only mentions previousId.
        canonical({ type: 'product_view', eventId: 'e5', userId: 'u3', itemId: 'lamp' }, at('10:04:00.000')),
        canonical(
          { type: 'custom', name: 'note', eventId: 'e6', userId: 'u3', properties: { previousId: 'v9' } },
          at('10:05:00.000'),
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

  it('lists each link once, with when it was first and last stated and by how many events', async () => {
    const rows = await query(
      'SELECT anonymous_id, user_id, CAST(first_seen_at AS VARCHAR) AS f, CAST(last_seen_at AS VARCHAR) AS l, events FROM identities ORDER BY anonymous_id',
    );
    expect(rows).toEqual([
      { anonymous_id: 'v1', user_id: 'u1', f: '2026-11-20 10:01:00', l: '2026-11-20 10:02:00', events: 2 },
      { anonymous_id: 'v2', user_id: 'u2', f: '2026-11-20 10:03:00', l: '2026-11-20 10:03:00', events: 1 },
    ]);
  });

  it('joins a visitor’s events before login to the user', async () => {
    const rows = await query(
      `SELECT e.event_id FROM events_unique e JOIN identities i
         ON e.anonymous_id = i.anonymous_id OR e.user_id = i.user_id
       WHERE i.user_id = 'u1' ORDER BY e.event_id`,
    );
    expect(rows.map((r) => r.event_id)).toEqual(['e1', 'e2', 'e3']);
  });

  it('has the declared columns, and exists empty on a fresh lake', async () => {
    const columns = await query('DESCRIBE identities');
    expect(columns.map((c) => c.column_name)).toEqual(IDENTITIES_COLUMNS.map((c) => c.name));
    const empty = await openLocalLake(join(dir, 'no-such-lake'));
    try {
      expect((await empty.runQuery('SELECT count(*) FROM identities')).rows).toEqual([[0]]);
    } finally {
      await empty.close();
    }
  });
});
