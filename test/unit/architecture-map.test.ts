/**
 * docs/architecture.md maps each capability to its construct (`lib/`) and its Lambda code (`lambdas/`); the
 * local stand-ins are checked by test/unit/local/capabilities.test.ts. A folder of lambdas/ or lib/, or a
 * construct file at the top of lib/, that the map does not name fails here, and so does a folder the map names
 * that is gone.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const map = readFileSync(join(ROOT, 'docs', 'architecture.md'), 'utf8');

/** The cells of one column of the capability table, as one text. */
function column(index: number): string {
  const table = map.slice(map.indexOf('| capability |'), map.indexOf('\n\n', map.indexOf('| capability |')));
  return table
    .split('\n')
    .slice(2)
    .map((row) => row.split('|')[index + 1] ?? '')
    .join('\n');
}

function entries(dir: string, kind: 'folders' | 'files'): string[] {
  return readdirSync(join(ROOT, dir)).filter(
    (name) => statSync(join(ROOT, dir, name)).isDirectory() === (kind === 'folders'),
  );
}

/** The folders a column names at its top level: `jobs/`, `jobs/{plan,...}/` and `shared/catalogue.ts` name `jobs` and `shared`. */
function namedFolders(text: string): Set<string> {
  return new Set([...text.matchAll(/`([a-z][\w-]*)\//g)].map((m) => m[1] as string));
}

describe('docs/architecture.md, the capability map', () => {
  const lib = column(1);
  const lambdas = column(2);

  it.each(entries('lambdas', 'folders'))('names lambdas/%s/', (folder) => {
    expect(namedFolders(lambdas)).toContain(folder);
  });

  it.each(entries('lib', 'folders'))('names lib/%s/', (folder) => {
    expect(namedFolders(lib)).toContain(folder);
  });

  it.each(entries('lib', 'files'))('names lib/%s', (file) => {
    expect(lib).toContain(`\`${file}\``);
  });

  it('names no folder that is gone', () => {
    // A cell may also point at the SQL a construct or function uses (`sql/views/`), a folder of the repository.
    const exists = (dir: string) => (f: string) =>
      existsSync(join(ROOT, dir, f)) || existsSync(join(ROOT, f));
    const gone = [
      ...[...namedFolders(lambdas)].filter((f) => !exists('lambdas')(f)),
      ...[...namedFolders(lib)].filter((f) => !exists('lib')(f)),
    ];
    expect(gone).toEqual([]);
  });
});
