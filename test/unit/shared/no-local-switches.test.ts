/**
 * The Lambda code runs the same in AWS and locally: the local runtime changes only what any deployment
 * changes (endpoints such as AWS_ENDPOINT_URL_S3, names, credentials), never a RECOSTREAM_* switch that a
 * handler or adapter would branch on. This scans every source file under lambdas/ for such a name.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
const LAMBDAS = join(ROOT, 'lambdas');

/** `path:line: text` of every line that names a RECOSTREAM_* variable. */
function localSwitches(files: ReadonlyArray<{ path: string; text: string }>): string[] {
  return files.flatMap(({ path, text }) =>
    text
      .split('\n')
      .map((line, index) => ({ line, number: index + 1 }))
      .filter(({ line }) => /RECOSTREAM_/.test(line))
      .map(({ line, number }) => `${path}:${number}: ${line.trim()}`),
  );
}

function lambdaSources(): Array<{ path: string; text: string }> {
  return readdirSync(LAMBDAS, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.(ts|js|mjs|cjs)$/.test(entry.name))
    .map((entry) => {
      const path = join(entry.parentPath, entry.name);
      return { path: relative(ROOT, path), text: readFileSync(path, 'utf8') };
    });
}

describe('lambdas/ has no local-only switches', () => {
  it('finds a RECOSTREAM_* variable wherever it is read', () => {
    const found = localSwitches([
      { path: 'lambdas/x.ts', text: 'const a = 1;\nconst dir = process.env.RECOSTREAM_LOCAL_S3_DIR;\n' },
      { path: 'lambdas/y.ts', text: "const b = process.env['RECOSTREAM_KINESIS'];" },
      { path: 'lambdas/z.ts', text: 'const c = process.env.AWS_ENDPOINT_URL_S3;' },
    ]);
    expect(found).toEqual([
      'lambdas/x.ts:2: const dir = process.env.RECOSTREAM_LOCAL_S3_DIR;',
      "lambdas/y.ts:1: const b = process.env['RECOSTREAM_KINESIS'];",
    ]);
  });

  it('no file under lambdas/ names a RECOSTREAM_* variable', () => {
    const sources = lambdaSources();
    // The scan must see the handlers, or it proves nothing.
    expect(sources.map((s) => s.path)).toEqual(
      expect.arrayContaining([join('lambdas', 'ingest', 'handler.ts')]),
    );
    expect(localSwitches(sources)).toEqual([]);
  });
});
