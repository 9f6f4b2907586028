/**
 * Functions DuckDB has and Athena engine 3 (Trino) lacks. The local runtime runs the app's SQL on DuckDB, so a
 * query using one of these passes every local test and fails only in AWS, at run time. The Trino grammar
 * cannot catch them: a function call parses whatever its name. Each entry names what Trino offers instead.
 */
export interface DeniedFunction {
  /** Lower-case function name, or a prefix ending in `_` for a family (`list_`). */
  readonly name: string;
  readonly trino: string;
}

export const DUCKDB_ONLY_FUNCTIONS: readonly DeniedFunction[] = [
  { name: 'list_', trino: 'array functions (cardinality, contains, transform, array_join, ...)' },
  { name: 'array_length', trino: 'cardinality(array)' },
  { name: 'array_to_string', trino: 'array_join(array, sep)' },
  { name: 'list', trino: 'array_agg(x)' },
  { name: 'struct_pack', trino: 'CAST(ROW(...) AS ROW(name type, ...))' },
  { name: 'struct_extract', trino: 'row.field' },
  {
    name: 'string_agg',
    trino: 'listagg(x, sep) WITHIN GROUP (ORDER BY ...) or array_join(array_agg(x), sep)',
  },
  { name: 'group_concat', trino: 'listagg or array_join(array_agg(x), sep)' },
  { name: 'string_split', trino: 'split(string, sep)' },
  { name: 'str_split', trino: 'split(string, sep)' },
  { name: 'regexp_matches', trino: 'regexp_like(string, pattern)' },
  { name: 'regexp_full_match', trino: "regexp_like(string, '^...$')" },
  { name: 'strftime', trino: 'date_format(ts, format) or format_datetime(ts, format)' },
  { name: 'strptime', trino: 'date_parse(string, format) or parse_datetime(string, format)' },
  { name: 'epoch', trino: 'to_unixtime(ts)' },
  { name: 'epoch_ms', trino: 'from_unixtime(ms / 1000.0) or to_unixtime(ts) * 1000' },
  { name: 'epoch_us', trino: 'from_unixtime / to_unixtime' },
  { name: 'epoch_ns', trino: 'from_unixtime / to_unixtime' },
  { name: 'to_timestamp', trino: 'from_unixtime(seconds)' },
  { name: 'make_date', trino: "date(format('%04d-%02d-%02d', y, m, d))" },
  { name: 'make_timestamp', trino: 'from_iso8601_timestamp or date_parse' },
  { name: 'datediff', trino: "date_diff('unit', a, b)" },
  { name: 'datepart', trino: 'extract(field FROM ts) or date_part-free functions (year(), hour(), ...)' },
  { name: 'time_bucket', trino: "date_trunc('unit', ts)" },
  { name: 'today', trino: 'current_date' },
  { name: 'generate_series', trino: 'sequence(start, stop)' },
  { name: 'range', trino: 'sequence(start, stop)' },
  { name: 'arg_max', trino: 'max_by(x, y)' },
  { name: 'arg_min', trino: 'min_by(x, y)' },
  { name: 'argmax', trino: 'max_by(x, y)' },
  { name: 'argmin', trino: 'min_by(x, y)' },
  { name: 'first', trino: 'arbitrary(x), or min_by/max_by for a defined order' },
  { name: 'last', trino: 'max_by(x, order)' },
  { name: 'approx_count_distinct', trino: 'approx_distinct(x)' },
  { name: 'quantile_cont', trino: 'approx_percentile(x, p)' },
  { name: 'quantile_disc', trino: 'approx_percentile(x, p)' },
  { name: 'median', trino: 'approx_percentile(x, 0.5)' },
  { name: 'mode', trino: 'a GROUP BY with count(*) and max_by' },
  { name: 'ifnull', trino: 'coalesce(a, b)' },
  { name: 'printf', trino: 'format(fmt, ...)' },
  { name: 'hash', trino: 'xxhash64(to_utf8(x)) or murmur3' },
  { name: 'isnan', trino: 'is_nan(x)' },
  { name: 'isinf', trino: 'is_infinite(x)' },
  { name: 'read_parquet', trino: 'a table of the Glue catalog' },
  { name: 'read_json', trino: 'a table of the Glue catalog' },
  { name: 'read_json_auto', trino: 'a table of the Glue catalog' },
  { name: 'read_csv', trino: 'a table of the Glue catalog' },
  { name: 'read_csv_auto', trino: 'a table of the Glue catalog' },
];

export interface DeniedCall {
  readonly name: string;
  readonly trino: string;
}

/**
 * The denied function calls in `sql`: a name followed by `(`, outside string literals, quoted identifiers and
 * comments (`'first('` or `"range"` are no calls).
 */
export function deniedFunctionCalls(
  sql: string,
  denylist: readonly DeniedFunction[] = DUCKDB_ONLY_FUNCTIONS,
): DeniedCall[] {
  const code = sql
    .replace(/--[^\n]*/g, ' ')
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/'(?:[^']|'')*'/g, "''")
    .replace(/"(?:[^"]|"")*"/g, '""');
  const calls: DeniedCall[] = [];
  for (const match of code.matchAll(/(?<![\w.$])([A-Za-z_][A-Za-z0-9_]*)\s*\(/g)) {
    const name = (match[1] as string).toLowerCase();
    const entry = denylist.find((d) => (d.name.endsWith('_') ? name.startsWith(d.name) : name === d.name));
    if (entry) calls.push({ name, trino: entry.trino });
  }
  return calls;
}
