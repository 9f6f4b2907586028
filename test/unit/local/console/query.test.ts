/**
 * The console's query box runs user-typed SQL on the local lake: exactly one statement that DuckDB prepares
 * as a SELECT, on a DuckDB confined to the lake directory with its configuration locked; at most `rowLimit`
 * rows, interrupted after `timeoutMs`, one at a time. The attacks of issue 13 are replayed here.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { normalizeEvent } from '../../../../lambdas/shared/events';
import {
  ConsoleQueryRunner,
  QueryBusyError,
  QueryRefusedError,
  QueryTimeoutError,
} from '../../../../local/console/query';
import { writeFixtureEvents } from '../../../support/lake-fixtures';

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
    const runner = new ConsoleQueryRunner({ lake: lakeDir });
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
    const runner = new ConsoleQueryRunner({ lake: lakeDir, rowLimit: 3 });
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
    const runner = new ConsoleQueryRunner({ lake: lakeDir, timeoutMs: 300 });
    try {
      // Days of work uninterrupted: it ends only because the runner interrupts it.
      await expect(runner.run('SELECT count(*) FROM range(1000000000000) a')).rejects.toThrow(
        new QueryTimeoutError(300),
      );
      // Busy until DuckDB has stopped the interrupted query (a second query meanwhile gets QueryBusyError,
      // see below), then usable again.
      await runner.whenIdle();
      expect((await runner.run('SELECT 42 AS answer')).rows).toEqual([[42]]);
    } finally {
      await runner.close();
    }
  });

  it('runs one query at a time', async () => {
    const runner = new ConsoleQueryRunner({ lake: lakeDir, timeoutMs: 500 });
    try {
      const slow = runner.run('SELECT count(*) FROM range(1000000000000) a');
      await expect(runner.run('SELECT 1')).rejects.toThrow(QueryBusyError);
      await expect(slow).rejects.toThrow(QueryTimeoutError);
    } finally {
      await runner.close();
    }
  });

  describe('the attacks of issue 13, refused by DuckDB itself', () => {
    let outDir: string;
    beforeEach(() => {
      outDir = mkdtempSync(join(tmpdir(), 'console-attack-'));
    });
    afterEach(() => rmSync(outDir, { recursive: true, force: true }));

    it("refuses a COPY smuggled past a quote check with DuckDB's E'\\'' escape, and writes nothing", async () => {
      const target = join(outDir, 'out.csv');
      const runner = new ConsoleQueryRunner({ lake: lakeDir });
      try {
        const smuggled = `SELECT E'\\'' ) t; COPY (SELECT 1 AS a) TO '${target}'; SELECT * FROM (SELECT 1 --'`;
        const outcome = await runner.run(smuggled).catch((error: unknown) => error);
        expect(existsSync(target)).toBe(false);
        expect(outcome).toBeInstanceOf(QueryRefusedError);
      } finally {
        await runner.close();
      }
    });

    it('refuses a COPY into the lake itself, which DuckDB would allow, and writes nothing', async () => {
      const runner = new ConsoleQueryRunner({ lake: lakeDir });
      try {
        const target = join(lakeDir, 'copied.csv');
        await expect(runner.run(`COPY (SELECT 1 AS a) TO '${target}'`)).rejects.toThrow(
          'only SELECT queries run here (read-only), not COPY',
        );
        expect(existsSync(target)).toBe(false);
      } finally {
        await runner.close();
      }
    });

    it('cannot undo its confinement or load extensions', async () => {
      const runner = new ConsoleQueryRunner({ lake: lakeDir });
      try {
        const settings = await runner.run(
          "SELECT current_setting('enable_external_access') AS external, current_setting('lock_configuration') AS locked, " +
            "current_setting('autoinstall_known_extensions') AS autoinstall, current_setting('autoload_known_extensions') AS autoload",
        );
        expect(settings.rows).toEqual([[false, true, false, false]]);
        await expect(
          runner.run("SELECT * FROM read_parquet('https://example.com/x.parquet')"),
        ).rejects.toThrow(/Permission Error/);
      } finally {
        await runner.close();
      }
    });

    it('cannot read files outside the lake', async () => {
      const runner = new ConsoleQueryRunner({ lake: lakeDir });
      try {
        await expect(runner.run("SELECT * FROM read_text('/etc/passwd')")).rejects.toThrow(
          /Permission Error: Cannot access file "\/etc\/passwd"/,
        );
        await expect(runner.run(`SELECT * FROM read_text('${lakeDir}/../../etc/passwd')`)).rejects.toThrow(
          /Permission Error/,
        );
      } finally {
        await runner.close();
      }
    });
  });

  it.each([
    ['SELECT 1 AS one -- a comment; with a semicolon', [[1]]],
    ['  select 1 AS one;  ', [[1]]],
    ["SELECT 'a;b' AS s", [['a;b']]],
    ['/* DROP TABLE x; */ SELECT 2 AS two', [[2]]],
    ['WITH a AS (SELECT 3 AS x) SELECT x FROM a', [[3]]],
    ["SELECT E'\\'' AS quote", [["'"]]],
  ])('runs the one SELECT in %j', async (sql, rows) => {
    const runner = new ConsoleQueryRunner({ lake: lakeDir });
    try {
      expect((await runner.run(sql)).rows).toEqual(rows);
    } finally {
      await runner.close();
    }
  });

  it.each([
    ['', 'the query is empty'],
    ['-- only a comment', 'the query is empty'],
    ['SELECT 1; DROP VIEW events', 'only one statement at a time; this text holds 2'],
    ["SELECT 1; ATTACH 'x.db'", 'only one statement at a time; this text holds 2'],
    ['CREATE TABLE x AS SELECT 1', 'only SELECT queries run here (read-only), not CREATE'],
    ['INSTALL httpfs', 'only SELECT queries run here (read-only), not LOAD'],
    ['SET enable_external_access = true', 'only SELECT queries run here (read-only), not SET'],
    ["SELECT 'unterminated", /^Parser Error: unterminated quoted string/],
  ])('refuses %j', async (sql, message) => {
    const runner = new ConsoleQueryRunner({ lake: lakeDir });
    try {
      const refusal = runner.run(sql);
      await expect(refusal).rejects.toThrow(QueryRefusedError);
      await expect(refusal).rejects.toThrow(message);
    } finally {
      await runner.close();
    }
  });
});
