/**
 * Where the replays read what to replay and keep their ledgers: the lake bucket or the failed-batches bucket
 * on AWS (s3-replay-store.ts), or its folder under the local runtime's data directory (`FileReplayStore`),
 * with the same keys.
 */
import type { Dirent } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { ObjectStore } from '../../lambdas/shared/object-store';

/** Where quarantine objects and replay ledgers live: the lake bucket, or its folder locally. */
export interface ReplayStore {
  /** For messages, e.g. `s3://bucket`. */
  readonly description: string;
  /** Keys under the prefix, in any order. */
  list(prefix: string): Promise<string[]>;
  /** The object's text, or undefined when there is none. */
  get(key: string): Promise<string | undefined>;
  put(key: string, body: string): Promise<void>;
}

/**
 * The store as the handlers' ObjectStore, for writers that take one (the catalogue replay appends to the lake's
 * `items/` with the API's change log): every put goes to this store's bucket, whatever bucket it names.
 */
export function objectStoreOf(store: ReplayStore): ObjectStore {
  return { put: (_bucket, key, body) => store.put(key, body) };
}

/** Objects as files under a root folder, with the S3 key layout (the local lake: `<dataDir>/lake`). */
export class FileReplayStore implements ReplayStore {
  readonly description: string;

  constructor(private readonly rootDir: string) {
    this.description = rootDir;
  }

  async list(prefix: string): Promise<string[]> {
    // List from the deepest folder the prefix names, then filter on the full prefix.
    const slash = prefix.lastIndexOf('/');
    const base = slash >= 0 ? prefix.slice(0, slash) : '';
    const keys: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries: Dirent[];
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw error;
      }
      for (const entry of entries) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) await walk(path);
        else if (entry.isFile()) keys.push(relative(this.rootDir, path).split(sep).join('/'));
      }
    };
    await walk(join(this.rootDir, ...base.split('/').filter(Boolean)));
    return keys.filter((key) => key.startsWith(prefix));
  }

  async get(key: string): Promise<string | undefined> {
    try {
      return await readFile(this.path(key), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async put(key: string, body: string): Promise<void> {
    const path = this.path(key);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, body);
  }

  private path(key: string): string {
    return join(this.rootDir, ...key.split('/'));
  }
}
