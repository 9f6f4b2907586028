import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

/** Limits of `AWS::Athena::NamedQuery` (Name 1-128, Description up to 1024, QueryString up to 262144 bytes). */
const MAX_NAME_LENGTH = 128;
const MAX_DESCRIPTION_LENGTH = 1024;
const MAX_QUERY_BYTES = 262_144;
const DESCRIPTION_MARKER = '-- ';

/** One `.sql` file, as it becomes an Athena named query. */
export interface NamedQueryFile {
  /** File name without `.sql`, e.g. `daily_active_users`. */
  readonly name: string;
  /** The first line without its `-- ` marker, when the file opens with one. */
  readonly description?: string;
  /** The whole file, trailing whitespace removed. */
  readonly queryString: string;
  /** Absolute path of the file. */
  readonly path: string;
}

/**
 * Reads every `*.sql` file directly under `dir`, sorted by name. A missing directory yields no queries (the
 * SQL lives beside the app and may not exist yet). Throws, naming the file, when a file is empty or a name,
 * description or query exceeds what Athena accepts.
 */
export function readNamedQueryFiles(dir: string): NamedQueryFile[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.sql'))
    .map((entry) => entry.name)
    .sort()
    .map((fileName) => parseNamedQueryFile(join(dir, fileName), readFileSync(join(dir, fileName), 'utf8')));
}

/** Turns one file's text into a named query definition (see `readNamedQueryFiles`). */
export function parseNamedQueryFile(path: string, text: string): NamedQueryFile {
  const name = basename(path, '.sql');
  const queryString = text.replace(/^\uFEFF/, '').trimEnd();
  if (name.length < 1 || name.length > MAX_NAME_LENGTH) {
    throw new Error(
      `Named query file '${path}': name must be 1 to ${MAX_NAME_LENGTH} characters, got '${name}'`,
    );
  }
  if (queryString.trim() === '') throw new Error(`Named query file '${path}' is empty`);
  const bytes = Buffer.byteLength(queryString, 'utf8');
  if (bytes > MAX_QUERY_BYTES) {
    throw new Error(
      `Named query file '${path}' is ${bytes} bytes; Athena accepts at most ${MAX_QUERY_BYTES}`,
    );
  }
  const firstLine = queryString.split(/\r?\n/, 1)[0] ?? '';
  const description = firstLine.startsWith(DESCRIPTION_MARKER)
    ? firstLine.slice(DESCRIPTION_MARKER.length).trim()
    : undefined;
  if (description !== undefined && description.length > MAX_DESCRIPTION_LENGTH) {
    throw new Error(
      `Named query file '${path}': the description line has ${description.length} characters; Athena accepts ` +
        `at most ${MAX_DESCRIPTION_LENGTH}`,
    );
  }
  return { name, queryString, path, ...(description ? { description } : {}) };
}
