/**
 * Finds and reads the job SQL texts (`sql/jobs/<name>.sql`). In a Lambda bundle the CDK bundling copies
 * `sql/jobs` next to the handler (`<__dirname>/sql/jobs`); in the repository (tests, tsx, the local
 * runtime) the folder is found by walking up from this file to the repository root.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Folder name, relative to the bundle's output directory, that holds `jobs/*.sql`. */
export const SQL_BUNDLE_DIR = 'sql';
const JOBS_SUBDIR = 'jobs';

let resolved: string | undefined;

/** Absolute path of the `sql/jobs` folder. */
export function jobSqlDir(start: string = __dirname): string {
  if (start === __dirname && resolved) return resolved;
  let dir = start;
  for (;;) {
    const candidate = join(dir, SQL_BUNDLE_DIR, JOBS_SUBDIR);
    if (existsSync(candidate) && statSync(candidate).isDirectory()) {
      if (start === __dirname) resolved = candidate;
      return candidate;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no ${SQL_BUNDLE_DIR}/${JOBS_SUBDIR} folder at or above ${start}`);
    dir = parent;
  }
}

const NAME = /^[a-z][a-z0-9_]*$/;
const cache = new Map<string, string>();

/** The text of `sql/jobs/<name>.sql` (cached: the files do not change while a process runs). */
export function loadJobSql(name: string, dir: string = jobSqlDir()): string {
  if (!NAME.test(name)) throw new Error(`invalid job SQL name '${name}'`);
  const path = join(dir, `${name}.sql`);
  let text = cache.get(path);
  if (text === undefined) {
    if (!existsSync(path)) throw new Error(`job SQL '${name}' not found: ${path}`);
    text = readFileSync(path, 'utf8');
    cache.set(path, text);
  }
  return text;
}

/** Names of every `sql/jobs/*.sql` file. */
export function listJobSql(dir: string = jobSqlDir()): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .map((f) => f.slice(0, -4))
    .sort();
}
