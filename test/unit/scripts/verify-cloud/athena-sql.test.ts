/**
 * Athena SQL step of `npm run verify:cloud`: the DuckDB-only function list rejects a query using one (and
 * only real calls, not words in strings or quoted names), and every SQL text the app sends to Athena passes
 * both the Trino grammar and the list.
 */
import { DUCKDB_ONLY_FUNCTIONS, deniedFunctionCalls } from '../../../../scripts/verify-cloud/athena-denylist';
import { athenaSqlTexts, checkAthenaSql, trinoStatement } from '../../../../scripts/verify-cloud/athena-sql';
import type { CfnTemplate } from '../../../../scripts/verify-cloud/template';
import { synthApp } from '../../lib/helpers';

describe('DuckDB-only functions', () => {
  it.each([
    ['SELECT epoch_ms(occurred_at) FROM events', 'epoch_ms'],
    ["SELECT string_agg(item_id, ',') FROM events", 'string_agg'],
    ['SELECT LIST_SORT(item_ids) FROM events', 'list_sort'],
    ['SELECT arg_max(item_id, n) FROM t', 'arg_max'],
    ["SELECT strftime(occurred_at, '%Y') FROM events", 'strftime'],
    ['SELECT ifnull(category, a) FROM t', 'ifnull'],
  ])('rejects %s (the Trino grammar alone lets it through)', (sql, name) => {
    expect(deniedFunctionCalls(sql).map((c) => c.name)).toEqual([name]);
    expect(checkAthenaSql({ source: 'test', sql }).map((f) => f.problem)).toEqual([
      expect.stringMatching(new RegExp(`^${name}\\(\\) is DuckDB-only; on Athena use `)),
    ]);
  });

  it('ignores the names in strings, quoted identifiers, comments, and Trino calls that merely end alike', () => {
    const sql = [
      'SELECT \'epoch_ms(\' AS a, "range" AS b, max_by(item_id, n), approx_distinct(user_id),',
      '  t.first AS c -- median(x)',
      'FROM t /* list_sort(y) */',
    ].join('\n');
    expect(deniedFunctionCalls(sql)).toEqual([]);
  });

  it('names what Trino offers instead for every entry', () => {
    for (const entry of DUCKDB_ONLY_FUNCTIONS) expect(entry.trino.length).toBeGreaterThan(5);
    expect(new Set(DUCKDB_ONLY_FUNCTIONS.map((e) => e.name)).size).toBe(DUCKDB_ONLY_FUNCTIONS.length);
  });
});

describe('the SQL the app sends to Athena', () => {
  const texts = athenaSqlTexts(synthApp().template.toJSON() as CfnTemplate);

  it('covers every job mode, the lake purge, the named queries and the view', () => {
    const sources = texts.map((t) => t.source);
    for (const prefix of [
      'cf job, full recompute: ',
      'cf job, incremental: ',
      'cf job, as-of replay: ',
      'trending job: ',
      'trending job, as-of replay: ',
      'lake purge (user): ',
      'named query ',
      'view events_unique',
      'view identities',
      'view attribution_touches',
    ])
      expect([prefix, sources.some((s) => s.startsWith(prefix))]).toEqual([prefix, true]);
    expect(texts.filter((t) => t.source.startsWith('named query'))).toHaveLength(8);
    // The incremental run really is one: it merges the previous run's state.
    const state = texts.find((t) => t.source === 'cf job, incremental: cf-state')?.sql ?? '';
    expect(state).toContain("WHERE run = '2026-11-25T02-00-00Z-abcd'");
  });

  it('parses with the Trino grammar and calls no DuckDB-only function', () => {
    expect(texts.flatMap(checkAthenaSql)).toEqual([]);
  });

  it('reads the inner query of an UNLOAD, which no Trino grammar has', () => {
    const unload = texts.find((t) => t.source === 'lake purge (user): rewrite an events object')?.sql ?? '';
    expect(unload).toMatch(/^UNLOAD \(/);
    expect(trinoStatement(unload)).toMatch(/^SELECT "schema_version", /);
    expect(trinoStatement('SELECT 1')).toBe('SELECT 1');
    // And a syntax error in it is found.
    expect(
      checkAthenaSql({ source: 'test', sql: "UNLOAD (SELECT FROM t) TO 's3://b/p/' WITH (format = 'JSON')" }),
    ).not.toEqual([]);
  });
});
