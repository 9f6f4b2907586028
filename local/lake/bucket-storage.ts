/**
 * What the local stand-ins (the Firehose delivery, the Athena engine on DuckDB, the batch jobs, the console)
 * do with a bucket, in one port with two implementations:
 *
 * - DirectoryBucket (default emulators): the folder the local S3 endpoint (emulators/s3-directory.ts) serves
 *   the bucket from; writes land in it and `localCopy` is the folder itself;
 * - S3Bucket (s3-bucket.ts, moto): PutObject, DeleteObjects and ListObjectsV2 through the SDK, and
 *   `localCopy` a folder synced from the bucket before each query, because DuckDB reads local files only
 *   (its httpfs extension for s3:// cannot be installed offline).
 */
import { createHash, randomUUID } from 'node:crypto';
import { copyFile, mkdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { finishedKeysUnder } from '../emulators/s3-directory-store';

/** A staged file the caller no longer needs (the storage may move it), or the bytes themselves. */
export type ObjectBody = Buffer | string | { readonly file: string };

export interface ObjectSummary {
  readonly key: string;
  readonly size: number;
  /** S3's ETag, quoted as S3 sends it; undefined where the listing carries none. */
  readonly etag?: string;
  readonly lastModified?: Date;
}

export interface BucketStorage {
  /** For messages: the folder, or `s3://<bucket>`. */
  readonly description: string;
  /** Writes one object; returns where it is (a path, or `s3://<bucket>/<key>`). */
  put(key: string, body: ObjectBody): Promise<string>;
  /** Deletes the keys; a key that does not exist is not an error (as in S3). */
  delete(keys: readonly string[]): Promise<void>;
  /** Every object whose key starts with `prefix`, sorted by key (in-progress local files left out). */
  list(prefix: string): Promise<ObjectSummary[]>;
  /**
   * A local folder whose `<key>` files are exactly the bucket's objects under each of `prefixes`, as of this
   * call (other keys may be stale): the root DuckDB reads the lake's tables from.
   */
  localCopy(prefixes: readonly string[]): Promise<string>;
}

/** Where a stand-in finds a bucket: the storage, or a folder (a DirectoryBucket over it: tests, benches, import). */
export type BucketLocation = BucketStorage | string;

export function bucketStorage(location: BucketLocation): BucketStorage {
  return typeof location === 'string' ? new DirectoryBucket(location) : location;
}

/** The path of `key` under `root`; keys a folder of files cannot hold are refused with the reason. */
export function keyPath(root: string, key: string): string {
  const segments = key.split('/');
  if (key === '' || segments.some((s) => s === '' || s === '.' || s === '..'))
    throw new Error(
      `the key "${key}" cannot be a file under ${root}: it has an empty, '.' or '..' segment or ends in '/'`,
    );
  return join(root, ...segments);
}

/** The bucket as a folder: object `<key>` is the file `<dir>/<key>`. */
export class DirectoryBucket implements BucketStorage {
  readonly description: string;

  constructor(readonly dir: string) {
    this.description = dir;
  }

  /** Written under a temporary name and renamed into place: readers never see half an object. */
  async put(key: string, body: ObjectBody): Promise<string> {
    const target = keyPath(this.dir, key);
    await mkdir(dirname(target), { recursive: true });
    if (typeof body === 'object' && 'file' in body) await moveInto(body.file, target);
    else {
      const partial = join(dirname(target), `.${randomUUID()}.tmp`);
      await writeFile(partial, body);
      await rename(partial, target);
    }
    return target;
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (const key of keys)
      await unlink(keyPath(this.dir, key)).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
  }

  async list(prefix: string): Promise<ObjectSummary[]> {
    const files = await finishedKeysUnder(this.dir, prefix);
    return Promise.all(
      files.map(async (key) => {
        const info = await stat(keyPath(this.dir, key));
        return { key, size: info.size, lastModified: info.mtime };
      }),
    );
  }

  async localCopy(): Promise<string> {
    return this.dir;
  }
}

/**
 * Makes the bucket match its local copy (`localCopy`'s folder) under `prefixes` after a local stand-in edited
 * the copy in place (the lake purge): an object whose file is gone is deleted, one whose file differs (size,
 * or MD5 against a listed ETag) is put again. On the bucket's own folder nothing differs, so nothing is done.
 */
export async function writeBackLocalCopy(
  bucket: BucketStorage,
  root: string,
  prefixes: readonly string[],
): Promise<void> {
  for (const prefix of prefixes) {
    const gone: string[] = [];
    for (const object of await bucket.list(prefix)) {
      const path = keyPath(root, object.key);
      const info = await stat(path).catch(() => undefined);
      if (!info?.isFile()) {
        gone.push(object.key);
        continue;
      }
      const body = info.size === object.size && !object.etag ? undefined : await readFile(path);
      const changed =
        body !== undefined &&
        (body.length !== object.size || `"${createHash('md5').update(body).digest('hex')}"` !== object.etag);
      if (changed) await bucket.put(object.key, body);
    }
    await bucket.delete(gone);
  }
}

/** Moves a staged file to its final path; the final name only appears once the content is complete. */
export async function moveInto(staged: string, target: string): Promise<void> {
  await mkdir(dirname(target), { recursive: true });
  try {
    await rename(staged, target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    // The staged file is on another file system: copy next to the target, then rename there.
    const partial = join(dirname(target), `.${randomUUID()}.tmp`);
    await copyFile(staged, partial);
    await rename(partial, target);
    await rm(staged, { force: true });
  }
}
