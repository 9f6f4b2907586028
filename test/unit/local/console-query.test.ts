/**
 * The console's query box runs user-typed SQL on the local lake: only one read-only statement, at most
 * `rowLimit` rows, interrupted after `timeoutMs`, one at a time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { normalizeEvent } from '../../../lambdas/shared/events';
import {
  ConsoleQueryRunner,
  QueryBusyError,
  QueryRefusedError,
  QueryTimeoutError,
  readOnlyQuery,
  sqlSkeleton,
} from '../../../local/console-query';
import { writeFixtureEvents } from '../../support/lake-fixtures';

describe('readOnlyQuery', () => {
  it.each([
    ['SELECT 1', 'SELECT 1'],
    ['  select 1;  ', '  select 1'],
    ['WITH a AS (SELECT 1 AS x) SELECT x FROM a;;', 'WITH a AS (SELECT 1 AS x) SELECT x FROM a'],
    ['-- a comment; with a semicolon\nSELECT 1 -- trailing', '-- a comment; with a semicolon\nSELECT 1'],
    ["SELECT 'a;b' AS s", "SELECT 'a;b' AS s"],
    ['/* DROP TABLE x; */ SELECT 2', '/* DROP TABLE x; */ SELECT 2'],
    ['(SELECT 1)', '(SELECT 1)'],
    ['SELECT 1; -- done', 'SELECT 1'],
  ])('accepts %j', (sql, expected) => {
    expect(readOnlyQuery(sql)).toBe(expected);
  });

  it.each([
    ['', 'the query is empty'],
    ['-- only a comment', 'the query is empty'],
    ['DROP TABLE events', 'only SELECT and WITH queries run here (read-only); this one starts with DROP'],
    [
      "COPY events TO '/tmp/x.csv'",
      'only SELECT and WITH queries run here (read-only); this one starts with COPY',
    ],
    ['SELECT 1; DROP VIEW events', 'only one statement at a time'],
    ["SELECT 1; ATTACH 'x.db'", 'only one statement at a time'],
    ["SELECT 'unterminated", 'unterminated string'],
    ['SELECT 1 /* open', 'unterminated /* comment'],
    [
      '/* hidden */ INSTALL httpfs',
      'only SELECT and WITH queries run here (read-only); this one starts with INSTALL',
    ],
  ])('refuses %j', (sql, message) => {
    expect(() => readOnlyQuery(sql)).toThrow(new QueryRefusedError(message));
  });

  it('skips literals and comments, keeping doubled quotes inside literals', () => {
    expect(sqlSkeleton(`SELECT 'it''s;' , "a""b" -- x;\n/* y; */ FROM t`)).toBe(`SELECT '' , ""    FROM t`);
  });
});

describe('ConsoleQueryRunner', () => {
  let lakeDir: string;
  const now = new Date();

  beforeAll(async () => {
    lakeDir = mkdtempSync(join(tmpdir(), 'console-query-'));
    const events = [1, 2, 3, 4, 5].map((i) => {
      const r = normalizeEvent(
        {
          type: 'product_view',
          eventId: `e-${i}`,
          userId: `u-${i % 2}`,
          itemId: `item-${i}`,
          category: 'books',
        },
        { receivedAt: now },
      );
      if (!r.ok) throw new Error('fixture event rejected');
      return r.event;
    });
    await writeFixtureEvents(events, lakeDir);
  });
  afterAll(() => rmSync(lakeDir, { recursive: true, force: true }));

  it('runs a query on the events view and reports the rows', async () => {
    const runner = new ConsoleQueryRunner({ lakeDir });
    try {
      const result = await runner.run(
        'SELECT user_id, count(*) AS views FROM events GROUP BY user_id ORDER BY user_id -- per user',
      );
      expect(result.columns).toEqual(['user_id', 'views']);
      expect(result.rows).toEqual([
        ['u-0', 2],
        ['u-1', 3],
      ]);
      expect(result.truncated).toBe(false);
      expect(result.limit).toBe(500);
    } finally {
      await runner.close();
    }
  });

  it('returns at most rowLimit rows and says it truncated', async () => {
    const runner = new ConsoleQueryRunner({ lakeDir, rowLimit: 3 });
    try {
      const result = await runner.run('SELECT item_id FROM events ORDER BY item_id');
      expect(result.rows).toEqual([['item-1'], ['item-2'], ['item-3']]);
      expect(result.truncated).toBe(true);
      const exact = await runner.run('SELECT item_id FROM events ORDER BY item_id LIMIT 3');
      expect(exact.truncated).toBe(false);
    } finally {
      await runner.close();
    }
  });

  it('interrupts a query that runs past the time limit, and stays usable', async () => {
    const runner = new ConsoleQueryRunner({ lakeDir, timeoutMs: 300 });
    try {
      const started = Date.now();
      await expect(runner.run('SELECT count(*) FROM range(1000000000000) a')).rejects.toThrow(
        new QueryTimeoutError(300),
      );
      expect(Date.now() - started).toBeLessThan(5000);
      // Busy until DuckDB has stopped the interrupted query, then usable again.
      let answer: unknown;
      for (let attempt = 0; answer === undefined; attempt++) {
        try {
          answer = (await runner.run('SELECT 42 AS answer')).rows;
        } catch (error) {
          if (!(error instanceof QueryBusyError) || attempt > 50) throw error;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
      expect(answer).toEqual([[42]]);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await runner.close();
    }
  });

  it('runs one query at a time', async () => {
    const runner = new ConsoleQueryRunner({ lakeDir, timeoutMs: 500 });
    try {
      const slow = runner.run('SELECT count(*) FROM range(1000000000000) a');
      await expect(runner.run('SELECT 1')).rejects.toThrow(QueryBusyError);
      await expect(slow).rejects.toThrow(QueryTimeoutError);
    } finally {
      await runner.close();
    }
  });

  it('refuses writes before touching DuckDB', async () => {
    const runner = new ConsoleQueryRunner({ lakeDir });
    await expect(runner.run('CREATE TABLE x AS SELECT 1')).rejects.toThrow(QueryRefusedError);
    await runner.close();
  });
});
