/**
 * The job SQL contract: steps, parameter validation (nothing unchecked reaches the SQL), the Athena
 * UNLOAD statement, every sql/jobs/*.sql file rendering and running unchanged on DuckDB, and a small
 * guard against DuckDB-only syntax that Athena (Trino) rejects.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { attributionSqlValues } from '../../../lambdas/attribution/attribution-sql';
import {
  athenaUnload,
  CF_STATE_COLUMNS,
  type CfRunParams,
  cfQuerySteps,
  cfSqlValues,
  DEFAULT_CF_SETTINGS,
  DEFAULT_TRENDING_SETTINGS,
  renderJobSql,
  SQL_BUNDLE_DIR,
  trendingQuerySteps,
  trendingSqlValues,
} from '../../../lambdas/jobs/job-sql';
import { jobSqlDir, listJobSql } from '../../../lambdas/jobs/sql-files';
import { renderSql, SqlParameterError, sqlPlaceholders } from '../../../lambdas/jobs/sql-params';
import { CF_STATE_PREFIX } from '../../../lambdas/shared/lake-layout';
import { openLocalLake } from '../../../local/lake/query';
import { deniedFunctionCalls } from '../../../scripts/verify-cloud/athena-denylist';
import { runCf, tempLake } from '../../support/job-lake';
import { buildLakeFixture } from '../../support/lake-fixtures';
import { trinoSyntaxErrors } from '../../support/trino-grammar';

const CF: CfRunParams = {
  ...DEFAULT_CF_SETTINGS,
  model: 'rp3beta',
  runId: '2026-11-26T02-00-00Z-k3x9',
  windowTo: '2026-11-26T02:00:00Z',
};
const INCREMENTAL: CfRunParams = {
  ...CF,
  windowFrom: '2026-11-25T00:30:00.000Z',
  previousStateRunId: '2026-11-25T02-00-00Z-abcd',
};
const TRENDING = { ...DEFAULT_TRENDING_SETTINGS, runId: 't-1', windowTo: '2026-11-26T02:15:00Z' };

describe('query steps', () => {
  it('cf: state (Parquet, the cf_state partition of the run), similarity and stats (JSON)', () => {
    const steps = cfQuerySteps(INCREMENTAL);
    expect(steps.map((s) => [s.name, s.format, s.targetPrefix])).toEqual([
      ['cf-state', 'PARQUET', `${CF_STATE_PREFIX}run=2026-11-26T02-00-00Z-k3x9/`],
      ['cf-similarity', 'JSON', 'jobs/cf/results/run=2026-11-26T02-00-00Z-k3x9/'],
      ['cf-stats', 'JSON', 'jobs/cf/stats/run=2026-11-26T02-00-00Z-k3x9/'],
    ]);
    for (const step of steps) expect(step.select).not.toMatch(/\{\{|\}\}/);
    const state = steps[0]?.select ?? '';
    // The window on the receipt clock, and exactly the receipt-time partitions it was received in (the
    // hours of windowFrom and windowTo), from the retry horizon (24 h) before windowFrom: earlier copies
    // of events a client resent into this window.
    expect(state).toContain('CASE WHEN FALSE THEN occurred_at ELSE received_at END AS window_at');
    expect(state).toContain("window_at > TIMESTAMP '2026-11-25 00:30:00.000'");
    expect(state).toContain("window_at <= TIMESTAMP '2026-11-26 02:00:00.000'");
    expect(state).toContain("received_at <= TIMESTAMP '2026-11-26 02:00:00.000'");
    expect(state).toContain("(dt > '2026-11-24' OR (dt = '2026-11-24' AND hour >= '00'))");
    expect(state).toContain("(dt < '2026-11-26' OR (dt = '2026-11-26' AND hour <= '02'))");
    expect(state).toContain("WHERE run = '2026-11-25T02-00-00Z-abcd'");
  });

  it('cf without a window start is a full recompute: every partition, no previous state', () => {
    const state = cfQuerySteps(CF)[0]?.select ?? '';
    expect(state).toContain("window_at > TIMESTAMP '1970-01-01 00:00:00.000'");
    expect(state).toContain("(dt > '1970-01-01' OR (dt = '1970-01-01' AND hour >= '00'))");
    expect(state).toContain("(dt < '2026-11-26' OR (dt = '2026-11-26' AND hour <= '02'))");
    expect(state).toContain("WHERE run = '_none_'");
  });

  it('cf as of a past instant: the window on event time, over everything received by the real time', () => {
    const state =
      cfQuerySteps({ ...CF, windowTo: '2010-12-23T17:00:00Z', replayReceivedBy: '2026-11-26T02:00:00Z' })[0]
        ?.select ?? '';
    expect(state).toContain('CASE WHEN TRUE THEN occurred_at ELSE received_at END AS window_at');
    expect(state).toContain("window_at <= TIMESTAMP '2010-12-23 17:00:00.000'");
    expect(state).toContain("received_at <= TIMESTAMP '2026-11-26 02:00:00.000'");
    expect(state).toContain("(dt > '1970-01-01' OR (dt = '1970-01-01' AND hour >= '00'))");
    expect(state).toContain("(dt < '2026-11-26' OR (dt = '2026-11-26' AND hour <= '02'))");
  });

  it('trending: results and stats, window from windowTo - hours', () => {
    const steps = trendingQuerySteps(TRENDING);
    expect(steps.map((s) => [s.name, s.format, s.targetPrefix])).toEqual([
      ['trending', 'JSON', 'jobs/trending/results/run=t-1/'],
      ['trending-stats', 'JSON', 'jobs/trending/stats/run=t-1/'],
    ]);
    expect(steps[0]?.select).toContain("occurred_at > TIMESTAMP '2026-11-25 02:15:00.000'");
    expect(steps[0]?.select).toContain("received_at <= TIMESTAMP '2026-11-26 02:15:00.000'");
    // Receipt-time partitions from the hour of windowStart - 5 min (an event may be received up to the
    // allowed clock skew before it happened) to the hour of windowTo.
    expect(steps[0]?.select).toContain("(dt > '2026-11-25' OR (dt = '2026-11-25' AND hour >= '02'))");
    expect(steps[0]?.select).toContain("(dt < '2026-11-26' OR (dt = '2026-11-26' AND hour <= '02'))");
    const early = trendingQuerySteps({ ...TRENDING, windowTo: '2026-11-26T02:03:00Z' })[0]?.select;
    expect(early).toContain("(dt > '2026-11-25' OR (dt = '2026-11-25' AND hour >= '01'))");
  });

  it('renders the Athena UNLOAD statement', () => {
    const step = cfQuerySteps(CF)[1];
    if (!step) throw new Error('no step');
    const sql = athenaUnload(step, 'recostream-lake-123');
    expect(sql.startsWith(`UNLOAD (\n${step.select}\n) TO `)).toBe(true);
    expect(
      sql.endsWith(
        ") TO 's3://recostream-lake-123/jobs/cf/results/run=2026-11-26T02-00-00Z-k3x9/' WITH (format = 'JSON')",
      ),
    ).toBe(true);
    expect(() => athenaUnload(step, "bucket' --")).toThrow(/invalid bucket name/);
    expect(() => athenaUnload({ ...step, targetPrefix: 'jobs/../x/' }, 'bucket-a')).toThrow(
      /invalid target prefix/,
    );
    expect(() => athenaUnload({ ...step, targetPrefix: 'jobs/x' }, 'bucket-a')).toThrow(
      /invalid target prefix/,
    );
  });

  it('exports the state columns and the bundle folder name', () => {
    expect(CF_STATE_COLUMNS.map((c) => `${c.name}:${c.type}`)).toEqual([
      'user_key:string',
      'item_id:string',
      'views:bigint',
      'carts:bigint',
      'purchases:bigint',
      'category:string',
      'last_event_at:timestamp',
    ]);
    expect(jobSqlDir()).toBe(join(__dirname, '..', '..', '..', SQL_BUNDLE_DIR, 'jobs'));
  });
});

describe('parameter validation', () => {
  const cases: Array<[string, Partial<CfRunParams>, RegExp]> = [
    [
      'a windowTo that is not ISO UTC',
      { windowTo: '2026-11-26 02:00:00' },
      /'windowTo'.*not an ISO-8601 UTC instant/,
    ],
    [
      'a windowTo that is not a date',
      { windowTo: '2026-02-30T00:00:00Z' },
      /'windowTo'.*not a valid calendar instant/,
    ],
    ['an injection in the run id', { runId: "x' OR 1=1 --" }, /'runId'.*does not match/],
    ['a run id with ..', { runId: 'a..b' }, /'runId'.*contains '\.\.'/],
    [
      'windowFrom without previous state',
      { windowFrom: '2026-11-25T00:00:00Z' },
      /'previousStateRunId'.*go together/,
    ],
    ['previous state without windowFrom', { previousStateRunId: 'r0' }, /'windowFrom'.*go together/],
    [
      'windowFrom after windowTo',
      { windowFrom: '2026-11-27T00:00:00Z', previousStateRunId: 'r0' },
      /not before windowTo/,
    ],
    ['topK 0', { topK: 0 }, /'topK': expected an integer in \[1, 1000\], got 0/],
    ['a fractional min support', { minSupport: 1.5 }, /'minSupport'/],
    ['a weight above 1', { cartWeight: 2 }, /'cartWeight': expected a number in \(0, 1\]/],
    ['a NaN shrinkage', { shrinkage: Number.NaN }, /'shrinkage'/],
    ['a string where a number goes', { topK: '1; DROP' as unknown as number }, /'topK'/],
    [
      'a replay that reads less than its window',
      { replayReceivedBy: '2026-11-25T00:00:00Z' },
      /'replayReceivedBy'.*before windowTo/,
    ],
    ['a replay instant that is no instant', { replayReceivedBy: "now'" }, /'replayReceivedBy'/],
  ];
  it.each(cases)('rejects %s', (_name, change, message) => {
    expect(() => cfSqlValues({ ...CF, ...change })).toThrow(SqlParameterError);
    expect(() => cfSqlValues({ ...CF, ...change })).toThrow(message);
  });

  it('rejects bad trending parameters', () => {
    expect(() => trendingSqlValues({ ...TRENDING, halfLifeHours: 0 })).toThrow(/'halfLifeHours'/);
    expect(() => trendingSqlValues({ ...TRENDING, hours: -1 })).toThrow(/'hours'/);
  });

  it('renders numbers as doubles, and refuses placeholders without a value', () => {
    expect(cfSqlValues(CF).cartWeight?.sql).toBe('CAST(0.5 AS DOUBLE)');
    expect(() => renderSql('SELECT {{missing}}', {})).toThrow(
      /'missing': used in the SQL but no value was given/,
    );
  });
});

describe('sql/jobs/*.sql', () => {
  const files = listJobSql();
  const values = {
    ...attributionSqlValues({
      hourFromMs: Date.parse('2026-11-25T00:00:00Z'),
      hourToMs: Date.parse('2026-11-25T02:00:00Z'),
      latenessMs: 3_600_000,
    }),
    ...trendingSqlValues(TRENDING),
    ...cfSqlValues(CF),
  };
  /** The SQL text without comments and string literals. */
  const code = (name: string) =>
    readFileSync(join(jobSqlDir(), `${name}.sql`), 'utf8')
      .replace(/--[^\n]*/g, '')
      .replace(/'[^']*'/g, "''");

  it('has the job queries', () => {
    expect(files).toEqual([
      'attribution_hourly',
      'cf_ease',
      'cf_ease_fallback',
      'cf_ranked_signals',
      'cf_similarity',
      'cf_state',
      'cf_stats',
      'cf_vectors',
      'cf_vectors_pairs',
      'cf_window_interactions',
      'trending',
      'trending_interactions',
      'trending_stats',
    ]);
  });

  it('renders to SQL that parses with the Trino grammar (Athena engine 3)', () => {
    for (const name of files)
      expect([name, trinoSyntaxErrors(renderJobSql(name, values))]).toEqual([name, []]);
  });

  it('uses no DuckDB-only syntax that Athena rejects', () => {
    const forbidden: Array<[RegExp, string]> = [
      [/::/, ':: casts (Trino: CAST)'],
      [/\bQUALIFY\b/i, 'QUALIFY'],
      [/\bEXCLUDE\b|\*\s*REPLACE\b/i, 'SELECT * EXCLUDE / REPLACE'],
      [/\bGROUP\s+BY\s+ALL\b|\bORDER\s+BY\s+ALL\b/i, 'GROUP/ORDER BY ALL'],
      [/\bILIKE\b/i, 'ILIKE'],
      [/"/, 'double quotes (identifiers need none; DuckDB also reads them as strings)'],
      [/\{'|\[\s*\d/, 'struct or list literals'],
      [/\bUNNEST\s*\(/i, 'UNNEST (arrays of structs unnest differently: read lines by position)'],
      [
        /\bgreatest\s*\(|\bleast\s*\([^)]*NULL/i,
        'greatest() with NULLs (Trino returns NULL, DuckDB skips them)',
      ],
      [/\/\/|\*\*/, '// and ** operators'],
    ];
    for (const name of files) {
      const text = code(name);
      for (const [pattern, what] of forbidden) {
        if (pattern.test(text)) throw new Error(`sql/jobs/${name}.sql uses ${what}`);
      }
      // DuckDB-only functions: the one list, shared with `npm run verify:cloud`.
      expect([name, deniedFunctionCalls(text)]).toEqual([name, []]);
    }
  });

  it('every parameter a file uses has a value', () => {
    for (const name of files)
      for (const placeholder of sqlPlaceholders(readFileSync(join(jobSqlDir(), `${name}.sql`), 'utf8')))
        expect([name, Object.hasOwn(values, placeholder)]).toEqual([name, true]);
  });

  describe('on DuckDB over a lake', () => {
    const { lakeDir, remove } = tempLake();
    afterAll(remove);
    let windowTo = '';

    beforeAll(async () => {
      const fixture = await buildLakeFixture(lakeDir);
      windowTo = new Date(fixture.now.getTime() + 1000).toISOString();
      // The state the similarity and stats files read.
      await runCf(lakeDir, { runId: 'state-run', windowTo });
    });

    it('renders and runs every file unchanged', async () => {
      const hourToMs = Math.ceil(Date.parse(windowTo) / 3_600_000) * 3_600_000;
      const params = {
        // Its partition bounds and receipt bound are the cf run's below: the same lake, read in full.
        ...attributionSqlValues({ hourFromMs: hourToMs - 240 * 3_600_000, hourToMs, latenessMs: 0 }),
        ...trendingSqlValues({ ...TRENDING, windowTo, hours: 24 * 30 }),
        // A head of 3 items: the EASE fallback (RP3beta's lists of the other items) has rows.
        ...cfSqlValues({ ...CF, runId: 'state-run', windowTo, easeItems: 3 }),
      };
      const lake = await openLocalLake(lakeDir);
      try {
        for (const name of files) {
          const sql = renderJobSql(name, params);
          const result = await lake.runQuery(`SELECT count(*) AS n FROM (\n${sql}\n) AS q`);
          expect([name, Number(result.rows[0]?.[0]) > 0]).toEqual([name, true]);
        }
      } finally {
        await lake.close();
      }
    });
  });
});
