/**
 * How `recostream query` and the console print a lake query's result: an aligned table, RFC 4180 CSV or
 * JSON objects; `rowObjects` for code that reads rows by column name.
 */
import type { QueryResult } from './query';

export const OUTPUT_FORMATS = ['table', 'csv', 'json'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export function formatResult(result: QueryResult, format: OutputFormat): string {
  switch (format) {
    case 'table':
      return formatTable(result);
    case 'csv':
      return formatCsv(result);
    case 'json':
      return formatJson(result);
  }
}

/** Columns padded to their widest value; numeric columns right-aligned; NULL spelled out. */
export function formatTable(result: QueryResult): string {
  const cells = result.rows.map((row) => row.map((value) => tableCell(value)));
  const numeric = result.columns.map(
    (_, i) =>
      result.rows.some((row) => typeof row[i] === 'number') &&
      result.rows.every((row) => row[i] === null || row[i] === undefined || typeof row[i] === 'number'),
  );
  const widths = result.columns.map((name, i) =>
    Math.max(name.length, ...cells.map((row) => (row[i] ?? '').length)),
  );
  const line = (values: readonly string[], header = false) =>
    values
      .map((value, i) => {
        const width = widths[i] ?? 0;
        return numeric[i] && !header ? value.padStart(width) : value.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  const count = result.rows.length;
  return [
    line(result.columns, true),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...cells.map((row) => line(row)),
    `(${count} row${count === 1 ? '' : 's'})`,
  ].join('\n');
}

function tableCell(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  // One line per row, whatever the data holds.
  return text.replace(/\r\n|\r|\n/g, '\\n').replace(/\t/g, '\\t');
}

/** RFC 4180: CRLF between records, a header record, fields with `"`, `,`, CR or LF quoted and `"` doubled. */
export function formatCsv(result: QueryResult): string {
  const record = (values: readonly unknown[]) => values.map(csvField).join(',');
  return [record(result.columns), ...result.rows.map(record)].join('\r\n');
}

function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** An array of objects keyed by column name. */
export function formatJson(result: QueryResult): string {
  return JSON.stringify(rowObjects(result), null, 2);
}

export function rowObjects(result: QueryResult): Array<Record<string, unknown>> {
  return result.rows.map((row) =>
    Object.fromEntries(result.columns.map((name, i) => [name, row[i] ?? null])),
  );
}
