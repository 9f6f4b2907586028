/**
 * The unit tests follow the source tree, so the test of a module is found where the module is:
 *
 * - `lambdas/<path>/m.ts` is tested under `test/unit/<path>/` (the one top-level folder dropped: handlers
 *   and their domain are what most tests are about);
 * - any other source folder keeps its name: `lib/<path>/` under `test/unit/lib/<path>/`, `local/<path>/`
 *   under `test/unit/local/<path>/`, and so `evaluation/`, `bin/`, `bench/`, `console/` and `scripts/`
 *   (`scripts/verify-cloud/` under `test/unit/scripts/verify-cloud/`);
 * - a test is named after the module it tests (`m.test.ts`), or after the behaviour it checks when it
 *   checks one across modules (`give-up-and-replay.test.ts`); either way its folder mirrors the folder of
 *   what it tests.
 *
 * Here: (a) every folder of `test/unit` mirrors a source folder, and (b) every `local/**` module is
 * imported by a test file (`test/**`, a `*.test.ts`), resolved as Node resolves the import (relative
 * to the test, `.ts`/`.js`/`index.ts`), not by the name appearing somewhere. A folder's `index.ts` counts
 * as imported by `test/unit/local/capabilities.test.ts`, which loads every one of them.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');
const UNIT = join(ROOT, 'test', 'unit');

/** Top-level source folders whose tests keep the folder's name; everything else is under `lambdas/`. */
const NAMED_SOURCE_FOLDERS = ['lib', 'local', 'evaluation', 'bin', 'bench', 'console', 'scripts'];

/** The source folder a folder under `test/unit` mirrors (`''` is `test/unit` itself: the repository). */
function mirroredSourceFolder(unitRelative: string): string {
  if (unitRelative === '') return '';
  const top = unitRelative.split('/')[0] ?? '';
  return NAMED_SOURCE_FOLDERS.includes(top) ? unitRelative : `lambdas/${unitRelative}`;
}

/** Every import specifier of a file: `from '…'`, `import '…'`, `import('…')`, `require('…')`, `jest.mock('…')`. */
function importSpecifiers(source: string): string[] {
  const pattern =
    /(?:\bfrom\s*|^\s*import\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|\bjest\.(?:mock|doMock|requireActual)\s*\(\s*)['"]([^'"]+)['"]/gm;
  return [...source.matchAll(pattern)].map((match) => match[1] ?? '');
}

/** The file a relative specifier names, as Node with TypeScript resolves it; undefined for a package. */
function resolveSpecifier(fromFile: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = resolve(dirname(fromFile), specifier);
  return [base, `${base}.ts`, `${base}.js`, join(base, 'index.ts')].find(
    (candidate) => existsSync(candidate) && statSync(candidate).isFile(),
  );
}

function filesUnder(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

function foldersUnder(folder: string): string[] {
  return readdirSync(folder)
    .map((name) => join(folder, name))
    .filter((path) => statSync(path).isDirectory())
    .flatMap((path) => [path, ...foldersUnder(path)]);
}

const posix = (path: string) => path.split(sep).join('/');

describe('the rules themselves', () => {
  it('maps lambdas/ folders without their top folder, and every other source folder by its name', () => {
    expect(mirroredSourceFolder('consumer')).toBe('lambdas/consumer');
    expect(mirroredSourceFolder('shared/events')).toBe('lambdas/shared/events');
    expect(mirroredSourceFolder('lib/data-lake')).toBe('lib/data-lake');
    expect(mirroredSourceFolder('local/stream')).toBe('local/stream');
    expect(mirroredSourceFolder('scripts/verify-cloud')).toBe('scripts/verify-cloud');
  });

  it('finds every form of import and resolves it to a file', () => {
    const source = [
      "import { a } from './a';",
      "import type { B } from '../b';",
      "import './side-effect';",
      "const c = await import('./c');",
      "const d = require('./d');",
      "jest.mock('./e', () => ({}));",
      "import { readFileSync } from 'node:fs';",
    ].join('\n');
    expect(importSpecifiers(source)).toEqual([
      './a',
      '../b',
      './side-effect',
      './c',
      './d',
      './e',
      'node:fs',
    ]);
    const self = join(UNIT, 'test-tree.test.ts');
    expect(resolveSpecifier(self, '../../local/stream')).toBe(join(ROOT, 'local', 'stream', 'index.ts'));
    expect(resolveSpecifier(self, '../../local/stream/esm-poller')).toBe(
      join(ROOT, 'local', 'stream', 'esm-poller.ts'),
    );
    expect(resolveSpecifier(self, '../../local/functions/lambda-worker')).toBe(
      join(ROOT, 'local', 'functions', 'lambda-worker.js'),
    );
    expect(resolveSpecifier(self, '../../local/no-such-module')).toBeUndefined();
    expect(resolveSpecifier(self, 'node:fs')).toBeUndefined();
  });
});

it('(a) has no folder under test/unit that mirrors no source folder', () => {
  const strays = foldersUnder(UNIT)
    .map((folder) => posix(relative(UNIT, folder)))
    .filter((folder) => !existsSync(join(ROOT, mirroredSourceFolder(folder))))
    .map((folder) => `test/unit/${folder} (mirrors ${mirroredSourceFolder(folder)}, which does not exist)`);
  expect(strays).toEqual([]);
});

it('(b) has a test file importing every module of local/', () => {
  const imported = new Set<string>();
  for (const test of filesUnder(join(ROOT, 'test')).filter((file) => file.endsWith('.test.ts'))) {
    for (const specifier of importSpecifiers(readFileSync(test, 'utf8'))) {
      const file = resolveSpecifier(test, specifier);
      if (file) imported.add(posix(relative(ROOT, file)));
    }
  }
  const untested = filesUnder(join(ROOT, 'local'))
    .map((file) => posix(relative(ROOT, file)))
    .filter((file) => file.endsWith('.ts') && !file.endsWith('/index.ts'))
    .filter((file) => !imported.has(file));
  expect(untested).toEqual([]);
});
