/**
 * The attribution metrics job's query (sql/jobs/attribution_hourly.sql) for a range of closed hours, with
 * validated parameters, and its rows parsed. Domain code: no AWS. The same text runs on Athena (the
 * scheduled Lambda, through the LakeSql port) and on DuckDB over the local lake.
 */

import { renderJobSql } from '../jobs/job-sql';
import { type SqlLiteral, SqlParameterError, stringLiteral, timestampLiteral } from '../jobs/sql-params';
import { ATTRIBUTION_WINDOW_DAYS } from '../shared/attribution-window';
import { MAX_FUTURE_SKEW_MS } from '../shared/events/schema';

export const ATTRIBUTION_SQL = 'attribution_hourly';
export const HOUR_MS = 3_600_000;
/** A purchase counts for an impression shown in the window before it (the rule of sql/views/attribution_touches.sql). */
export const ATTRIBUTION_WINDOW_MS = ATTRIBUTION_WINDOW_DAYS * 24 * HOUR_MS;

export interface AttributionQueryParams {
  /** Start of the first hour (epoch ms, on the hour). */
  readonly hourFromMs: number;
  /** End of the last hour (exclusive; epoch ms, on the hour). */
  readonly hourToMs: number;
  /** Events received after hourTo + this are left out (the job's lateness allowance). */
  readonly latenessMs: number;
}

const PARTITION_VALUE = /^[0-9-]+$/;

function partitionOf(name: string, epochMs: number) {
  const iso = new Date(Math.floor(epochMs / HOUR_MS) * HOUR_MS).toISOString();
  return {
    dt: stringLiteral(`${name}Dt`, iso.slice(0, 10), PARTITION_VALUE),
    hour: stringLiteral(`${name}Hour`, iso.slice(11, 13), PARTITION_VALUE),
  };
}

/** The query text for the hours [hourFrom, hourTo); throws SqlParameterError naming a bad parameter. */
export function attributionQuery(p: AttributionQueryParams): string {
  return renderJobSql(ATTRIBUTION_SQL, attributionSqlValues(p));
}

/** Validated SQL literals of the query's parameters. */
export function attributionSqlValues(p: AttributionQueryParams): Record<string, SqlLiteral> {
  for (const name of ['hourFromMs', 'hourToMs'] as const) {
    const value = p[name];
    if (!Number.isSafeInteger(value) || value < 0 || value % HOUR_MS !== 0)
      throw new SqlParameterError(name, `expected an epoch millisecond on the hour, got ${value}`);
  }
  if (p.hourToMs <= p.hourFromMs)
    throw new SqlParameterError('hourToMs', `${p.hourToMs} is not after hourFromMs ${p.hourFromMs}`);
  if (!Number.isSafeInteger(p.latenessMs) || p.latenessMs < 0)
    throw new SqlParameterError('latenessMs', `expected a non-negative integer, got ${p.latenessMs}`);
  const shownFrom = p.hourFromMs - ATTRIBUTION_WINDOW_MS;
  const receivedBy = p.hourToMs + p.latenessMs;
  // An impression that happened after shownFrom was received at most the API's clock skew before it.
  const from = partitionOf('pruneFrom', shownFrom - MAX_FUTURE_SKEW_MS);
  const to = partitionOf('pruneTo', receivedBy);
  return {
    hourFrom: timestampLiteral(p.hourFromMs),
    hourTo: timestampLiteral(p.hourToMs),
    shownFrom: timestampLiteral(shownFrom),
    receivedBy: timestampLiteral(receivedBy),
    pruneFromDt: from.dt,
    pruneFromHour: from.hour,
    pruneToDt: to.dt,
    pruneToHour: to.hour,
  };
}

/** One row of the query: what one placement and variant earned in one hour. */
export interface AttributionRow {
  readonly hourStartMs: number;
  readonly placement: string;
  readonly variant: string;
  readonly impressions: number;
  readonly clicks: number;
  readonly attributedPurchases: number;
  readonly attributedUnits: number;
  readonly attributedRevenue: number;
}

/** The query's columns, in order (hour_ms, placement, variant, impressions, clicks, purchases, units, revenue). */
export const ATTRIBUTION_COLUMNS = [
  'hour_ms',
  'placement',
  'variant',
  'impressions',
  'clicks',
  'attributed_purchases',
  'attributed_units',
  'attributed_revenue',
] as const;

/** Parses the query's rows (strings, as Athena returns them); a malformed row is an error, not a zero. */
export function parseAttributionRows(
  rows: ReadonlyArray<ReadonlyArray<string | undefined>>,
): AttributionRow[] {
  return rows.map((row, index) => {
    const number = (column: number) => {
      const text = row[column];
      const value = text === undefined || text === '' ? Number.NaN : Number(text);
      if (!Number.isFinite(value))
        throw new Error(
          `attribution row ${index}: ${ATTRIBUTION_COLUMNS[column]} is '${String(text)}', not a number`,
        );
      return value;
    };
    const text = (column: number) => {
      const value = row[column];
      if (value === undefined || value === '')
        throw new Error(`attribution row ${index}: ${ATTRIBUTION_COLUMNS[column]} is empty`);
      return value;
    };
    return {
      hourStartMs: number(0),
      placement: text(1),
      variant: text(2),
      impressions: number(3),
      clicks: number(4),
      attributedPurchases: number(5),
      attributedUnits: number(6),
      attributedRevenue: number(7),
    };
  });
}
