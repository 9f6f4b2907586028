/**
 * How `recostream query` and the console print a lake query's result (local/lake/result-format.ts): an
 * aligned table, RFC 4180 CSV, JSON objects, and `rowObjects` for code that reads rows by column name.
 */
import type { QueryResult } from '../../../../local/lake/query';
import {
  formatCsv,
  formatJson,
  formatResult,
  formatTable,
  OUTPUT_FORMATS,
  rowObjects,
} from '../../../../local/lake/result-format';

describe('output formats', () => {
  const result: QueryResult = {
    columns: ['name', 'count', 'note'],
    types: ['VARCHAR', 'BIGINT', 'VARCHAR'],
    rows: [
      ['plain', 7, null],
      ['with, comma', 1234, 'say "hi"'],
      ['multi\nline', null, { a: [1, 2] }],
    ],
  };

  it('table: aligned columns, numbers right-aligned, NULL spelled out, one line per row', () => {
    expect(formatTable(result)).toBe(
      [
        'name         count  note',
        '-----------  -----  -----------',
        'plain            7  NULL',
        'with, comma   1234  say "hi"',
        'multi\\nline   NULL  {"a":[1,2]}',
        '(3 rows)',
      ].join('\n'),
    );
    expect(formatTable({ columns: ['x'], types: ['INTEGER'], rows: [[1]] })).toMatch(/\(1 row\)$/);
  });

  it('csv: RFC 4180 (header, CRLF, quotes doubled, fields with comma/quote/newline quoted, NULL empty)', () => {
    expect(formatCsv(result)).toBe(
      [
        'name,count,note',
        'plain,7,',
        '"with, comma",1234,"say ""hi"""',
        '"multi\nline",,"{""a"":[1,2]}"',
      ].join('\r\n'),
    );
  });

  it('json: an array of objects keyed by column', () => {
    expect(JSON.parse(formatJson(result))).toEqual([
      { name: 'plain', count: 7, note: null },
      { name: 'with, comma', count: 1234, note: 'say "hi"' },
      { name: 'multi\nline', count: null, note: { a: [1, 2] } },
    ]);
  });
});

describe('formatResult', () => {
  const result: QueryResult = { columns: ['a', 'b'], types: ['INTEGER', 'VARCHAR'], rows: [[1, 'x']] };

  it('prints each of the output formats the CLI accepts with its formatter', () => {
    expect(OUTPUT_FORMATS).toEqual(['table', 'csv', 'json']);
    expect(formatResult(result, 'table')).toBe(formatTable(result));
    expect(formatResult(result, 'csv')).toBe('a,b\r\n1,x');
    expect(formatResult(result, 'json')).toBe(formatJson(result));
  });

  it('rowObjects: a missing cell is null, so every row has every column', () => {
    expect(rowObjects({ columns: ['a', 'b'], types: ['INTEGER', 'INTEGER'], rows: [[1]] })).toEqual([
      { a: 1, b: null },
    ]);
  });
});
