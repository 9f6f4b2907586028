/**
 * Every SQL text the app sends to Athena, rendered with real parameters: the batch jobs' UNLOAD statements for
 * each job mode (through `planRun`, as the plan step renders them), the attribution metrics query, the lake
 * purge's three statements, and the
 * named queries and the events_unique view as they stand in the synthesised template. Each is parsed with the
 * Trino grammar (Athena engine 3 is Trino) and checked against the DuckDB-only function list.
 */

import { attributionQuery, HOUR_MS } from '../../lambdas/attribution/attribution-sql';
import {
  findEventObjectsSql,
  findQuarantineObjectsSql,
  type PurgeSubject,
  unloadWithoutSubjectSql,
} from '../../lambdas/deletion/purge-sql';
import { planRun } from '../../lambdas/jobs/job-plan';
import type { StoredRunRecord } from '../../lambdas/jobs/versioning';
import { EVENT_COLUMNS } from '../../lambdas/shared/events/lake-columns';
import { decodePrestoView } from '../../lib/data-lake/athena-view';
// The one loader of the Trino grammar (dt-sql-parser bundled for CommonJS), shared with the tests.
import { trinoSyntaxErrors } from '../../test/support/trino-grammar';
import { deniedFunctionCalls } from './athena-denylist';
import type { CfnTemplate } from './template';

export interface AthenaSqlText {
  /** What sends it and in which mode, e.g. `cf job, incremental: cf-state`. */
  readonly source: string;
  readonly sql: string;
}

export interface AthenaSqlFinding {
  readonly source: string;
  readonly problem: string;
}

const LAKE_BUCKET = 'recostream-lake-123456789012-eu-west-1';
const DATABASE = 'recostream_lake';
const NOW = new Date('2026-11-26T02:00:00.000Z');

/** The job runs a schedule or an operator can start: full and incremental cf, trending, and as-of replays. */
function jobTexts(): AthenaSqlText[] {
  const active: StoredRunRecord = {
    job: 'cf',
    runId: '2026-11-25T02-00-00Z-abcd',
    status: 'published',
    startedAt: '2026-11-25T02:00:00.000Z',
    window: { to: '2026-11-25T02:00:00.000Z' },
    fullRecomputeAt: '2026-11-24T02:00:00.000Z',
  };
  const base = { now: NOW, runIdSuffix: 'k3x9', lakeBucket: LAKE_BUCKET };
  const asOf = '2010-12-24T00:00:00.000Z';
  const modes = [
    { mode: 'cf job, full recompute', plan: planRun({ ...base, job: 'cf' }) },
    { mode: 'cf job, incremental', plan: planRun({ ...base, job: 'cf', active }) },
    { mode: 'cf job, as-of replay', plan: planRun({ ...base, job: 'cf', active, asOf }) },
    { mode: 'trending job', plan: planRun({ ...base, job: 'trending' }) },
    { mode: 'trending job, as-of replay', plan: planRun({ ...base, job: 'trending', asOf }) },
  ];
  return modes.flatMap(({ mode, plan }) =>
    plan.steps.map((step) => ({ source: `${mode}: ${step.name}`, sql: step.athenaQuery })),
  );
}

/** The attribution metrics job: one hour, and a run catching up on its 48-hour look-back. */
function attributionTexts(): AthenaSqlText[] {
  const hour = Math.floor(NOW.getTime() / HOUR_MS) * HOUR_MS - 2 * HOUR_MS;
  return [
    { what: 'one hour', from: hour, to: hour + HOUR_MS },
    { what: '48 hours', from: hour - 47 * HOUR_MS, to: hour + HOUR_MS },
  ].map(({ what, from, to }) => ({
    source: `attribution metrics (${what})`,
    sql: attributionQuery({ hourFromMs: from, hourToMs: to, latenessMs: HOUR_MS }),
  }));
}

/** The lake purge for a user alone, with anonymous ids, and on a pseudonymised lake. */
function purgeTexts(): AthenaSqlText[] {
  const subjects: Array<[string, PurgeSubject]> = [
    ['user', { userId: "user-42'o" }],
    ['user and anonymous ids', { userId: 'user-42', anonymousIds: ['anon-1', 'anon-2'] }],
    ['pseudonymised lake', { userId: 'user-42', lakeUserIds: ['p1_abc'], lakeAnonymousIds: ['p1_def'] }],
  ];
  return subjects.flatMap(([what, subject]) => [
    { source: `lake purge (${what}): find event objects`, sql: findEventObjectsSql(DATABASE, subject) },
    {
      source: `lake purge (${what}): find quarantine objects`,
      sql: findQuarantineObjectsSql(DATABASE, subject),
    },
    {
      source: `lake purge (${what}): rewrite an events object`,
      sql: unloadWithoutSubjectSql({
        database: DATABASE,
        columns: EVENT_COLUMNS.map((c) => c.name),
        objectUri: `s3://${LAKE_BUCKET}/events/event_type=purchase/dt=2026-11-25/hour=02/part-1.parquet`,
        subject,
        stagingUri: `s3://${LAKE_BUCKET}/purge-staging/req-1/0123456789abcdef/`,
      }),
    },
  ]);
}

/** Named queries (`AWS::Athena::NamedQuery`) and Athena views (Glue `VIRTUAL_VIEW` tables) of the template. */
export function templateTexts(template: CfnTemplate): AthenaSqlText[] {
  const texts: AthenaSqlText[] = [];
  for (const [id, resource] of Object.entries(template.Resources ?? {})) {
    const props = resource.Properties ?? {};
    if (resource.Type === 'AWS::Athena::NamedQuery' && typeof props.QueryString === 'string')
      texts.push({ source: `named query ${String(props.Name ?? id)}`, sql: props.QueryString });
    const input = props.TableInput as
      | { TableType?: string; ViewOriginalText?: unknown; Name?: string }
      | undefined;
    if (resource.Type === 'AWS::Glue::Table' && input?.TableType === 'VIRTUAL_VIEW') {
      if (typeof input.ViewOriginalText !== 'string')
        throw new Error(`${id}: a view whose ViewOriginalText is not a literal string`);
      texts.push({
        source: `view ${input.Name ?? id}`,
        sql: decodePrestoView(input.ViewOriginalText).originalSql,
      });
    }
  }
  return texts;
}

/** Every SQL text the app sends to Athena: the code's, rendered for each mode, and the template's. */
export function athenaSqlTexts(template: CfnTemplate): AthenaSqlText[] {
  return [...jobTexts(), ...attributionTexts(), ...purgeTexts(), ...templateTexts(template)];
}

const UNLOAD = /^\s*UNLOAD\s*\(([\s\S]*)\)\s*TO\s+'(?:[^']|'')*'\s+WITH\s*\([^()]*\)\s*$/i;

/**
 * The statement the Trino grammar can read: UNLOAD is Athena's own statement (no Trino grammar has it), so
 * its inner query is parsed; anything else as is.
 */
export function trinoStatement(sql: string): string {
  const unload = UNLOAD.exec(sql);
  return unload ? (unload[1] as string) : sql;
}

/** Syntax errors (Trino grammar) and DuckDB-only function calls in `text`; [] when Athena can run it. */
export function checkAthenaSql(text: AthenaSqlText): AthenaSqlFinding[] {
  const syntax = trinoSyntaxErrors(trinoStatement(text.sql)).map((e) => `Trino syntax: ${e}`);
  const functions = deniedFunctionCalls(text.sql).map(
    (c) => `${c.name}() is DuckDB-only; on Athena use ${c.trino}`,
  );
  return [...syntax, ...functions].map((problem) => ({ source: text.source, problem }));
}
