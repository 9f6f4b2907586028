/**
 * `local/` by capability: every folder has an index whose header is one paragraph saying what it stands in
 * for on AWS, the index loads, and it exports what the folder offers. A folder without an index, a header
 * that is missing or not one paragraph, or an index that fails to load fails here.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const LOCAL = join(__dirname, '..', '..', '..', 'local');
const folders = readdirSync(LOCAL).filter((name) => statSync(join(LOCAL, name)).isDirectory());

it('has the capability folders the architecture map names', () => {
  expect(folders).toEqual(
    expect.arrayContaining([
      'cli',
      'console',
      'cost',
      'emulators',
      'faults',
      'functions',
      'gateway',
      'jobs',
      'lake',
      'runtime',
      'stream',
      'tools',
      'topology',
      'traffic',
    ]),
  );
  const map = readFileSync(join(LOCAL, '..', 'docs', 'architecture.md'), 'utf8');
  for (const folder of folders) expect(map).toContain(`\`local/${folder}/\``);
});

it('has no file left at the top of local/', () => {
  expect(readdirSync(LOCAL).filter((name) => statSync(join(LOCAL, name)).isFile())).toEqual([]);
});

describe.each(folders)('local/%s/index.ts', (folder) => {
  const source = readFileSync(join(LOCAL, folder, 'index.ts'), 'utf8');

  it('opens with one paragraph saying what it stands in for', () => {
    const header = /^\/\*\*\n((?: \*.*\n)+?) \*\//.exec(source);
    expect(header).not.toBeNull();
    const lines = (header?.[1] ?? '').split('\n').map((l) => l.replace(/^ \* ?/, ''));
    const paragraphs = lines
      .join('\n')
      .trim()
      .split(/\n\s*\n/);
    expect(paragraphs[0]?.length ?? 0).toBeGreaterThan(100);
  });

  it('loads and exports something', async () => {
    const module = (await import(join(LOCAL, folder))) as Record<string, unknown>;
    expect(Object.keys(module).length).toBeGreaterThan(0);
  });
});
