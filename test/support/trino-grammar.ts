/**
 * The Trino grammar (Athena engine 3 is Trino), from dt-sql-parser, for tests that check SQL meant for Athena
 * and types meant for an Athena view. The package ships only an ES module build with directory imports, which
 * neither Node's require nor jest's loader accept: it is bundled once per test process with esbuild into a
 * CommonJS file in a temporary folder, and required from there.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';

interface ParseError {
  readonly message: string;
  readonly startLine: number;
  readonly startColumn: number;
}

interface TrinoParser {
  validate(sql: string): ParseError[];
}

let parser: TrinoParser | undefined;

function trino(): TrinoParser {
  if (!parser) {
    const bundle = buildSync({
      stdin: { contents: "export { TrinoSQL } from 'dt-sql-parser';", resolveDir: process.cwd() },
      bundle: true,
      platform: 'node',
      format: 'cjs',
      write: false,
      logLevel: 'silent',
    });
    const dir = mkdtempSync(join(tmpdir(), 'trino-grammar-'));
    try {
      const file = join(dir, 'dt-sql-parser.cjs');
      writeFileSync(file, bundle.outputFiles[0]?.text ?? '');
      const { TrinoSQL } = require(file) as { TrinoSQL: new () => TrinoParser };
      parser = new TrinoSQL();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return parser;
}

/** The syntax errors the Trino grammar finds in `sql` (one statement), as `line:column message`; [] when it parses. */
export function trinoSyntaxErrors(sql: string): string[] {
  return trino()
    .validate(sql)
    .map((e) => `${e.startLine}:${e.startColumn} ${e.message}`);
}
