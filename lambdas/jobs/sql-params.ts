/**
 * Renders `{{name}}` placeholders of the job SQL with values that were validated and turned into SQL
 * literals here, never raw strings: the SQL runs on Athena with the job's IAM role, so every value is
 * checked against a strict pattern or range first and rendered in the syntax both Trino and DuckDB
 * accept. A placeholder without a value, or a value that fails its check, throws with the name.
 */

/** A value ready to be put in SQL; build it with the functions below only. */
export interface SqlLiteral {
  readonly sql: string;
}

export class SqlParameterError extends Error {
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(`SQL parameter '${parameter}': ${message}`);
    this.name = 'SqlParameterError';
  }
}

const ISO_UTC = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?Z$/;

/** Parses a strict ISO-8601 UTC instant (`2026-11-26T03:00:00Z`, up to milliseconds); returns epoch ms. */
export function parseIsoInstant(name: string, value: unknown): number {
  if (typeof value !== 'string')
    throw new SqlParameterError(name, `expected an ISO-8601 UTC string, got ${typeof value}`);
  const match = ISO_UTC.exec(value);
  if (!match)
    throw new SqlParameterError(name, `'${value}' is not an ISO-8601 UTC instant like 2026-11-26T03:00:00Z`);
  const ms = Date.parse(value);
  // Date.parse rolls 2026-02-30 over to March: the fields must survive the round trip.
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 19) !== value.slice(0, 19))
    throw new SqlParameterError(name, `'${value}' is not a valid calendar instant`);
  return ms;
}

/** `TIMESTAMP 'yyyy-mm-dd hh:mm:ss.sss'` (UTC; both engines run the session in UTC). */
export function timestampLiteral(epochMs: number): SqlLiteral {
  const iso = new Date(epochMs).toISOString();
  return { sql: `TIMESTAMP '${iso.slice(0, 10)} ${iso.slice(11, 23)}'` };
}

/** A string literal whose value matches `pattern` (which must exclude quotes and backslashes). */
export function stringLiteral(name: string, value: unknown, pattern: RegExp): SqlLiteral {
  if (typeof value !== 'string' || !pattern.test(value) || /['\\]/.test(value))
    throw new SqlParameterError(name, `'${String(value)}' does not match ${pattern}`);
  return { sql: `'${value}'` };
}

/** `TRUE` or `FALSE`. */
export function booleanLiteral(value: boolean): SqlLiteral {
  return { sql: value ? 'TRUE' : 'FALSE' };
}

export function integerLiteral(name: string, value: unknown, min: number, max: number): SqlLiteral {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max)
    throw new SqlParameterError(name, `expected an integer in [${min}, ${max}], got ${String(value)}`);
  return { sql: String(value) };
}

/**
 * `CAST(<n> AS DOUBLE)`: a bare `0.5` is a DECIMAL in both engines, which would turn the arithmetic
 * around it into fixed-point.
 */
export function doubleLiteral(
  name: string,
  value: unknown,
  range: { min: number; max: number; minExclusive?: boolean },
): SqlLiteral {
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (range.minExclusive ? value > range.min : value >= range.min) &&
    value <= range.max;
  if (!ok)
    throw new SqlParameterError(
      name,
      `expected a number in ${range.minExclusive ? '(' : '['}${range.min}, ${range.max}], got ${String(value)}`,
    );
  return { sql: `CAST(${String(value)} AS DOUBLE)` };
}

export type SqlIncludeResolver = (name: string) => string;

const PLACEHOLDER = /\{\{\s*([A-Za-z][A-Za-z0-9_]*)(?::([a-z][a-z0-9_]*))?\s*\}\}/g;

/**
 * Replaces every `{{name}}` with its literal and every `{{include:file}}` with that SQL file's text
 * (rendered with the same values), so a shared query can be used as a subquery.
 */
export function renderSql(
  template: string,
  values: Readonly<Record<string, SqlLiteral>>,
  include?: SqlIncludeResolver,
  depth = 0,
): string {
  if (depth > 4) throw new Error('SQL includes nested more than 4 deep');
  return template.replace(PLACEHOLDER, (_match, name: string, file: string | undefined) => {
    if (file !== undefined) {
      if (name !== 'include') throw new Error(`unknown SQL directive {{${name}:${file}}}`);
      if (!include) throw new Error(`{{include:${file}}} found but no include resolver given`);
      return renderSql(include(file), values, include, depth + 1).trim();
    }
    const value = Object.hasOwn(values, name) ? values[name] : undefined;
    if (!value) throw new SqlParameterError(name, 'used in the SQL but no value was given');
    return value.sql;
  });
}

/** Names of the `{{…}}` parameters a template uses (includes not followed). */
export function sqlPlaceholders(template: string): string[] {
  const names = new Set<string>();
  for (const match of template.matchAll(PLACEHOLDER))
    if (match[2] === undefined) names.add(match[1] as string);
  return [...names].sort();
}
