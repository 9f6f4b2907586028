/**
 * The storage side of the local S3 stand-in (s3-directory.ts): a bucket is a folder under the root and an
 * object is a plain file at `<root>/<bucket>/<key>`, the same layout the lake delivery and the DuckDB job
 * engine write, so DuckDB, the console and the functions' S3 calls all see one set of files.
 *
 * What a folder of files cannot hold is refused with a reason instead of being stored differently: keys
 * with empty, `.` or `..` segments, keys ending in `/` (folder placeholders), and keys whose last segment
 * starts with `.` or ends in `.tmp`: those names are the local writers' in-progress files, which listings
 * leave out so a reader never sees half a file.
 */
import { createHash, randomUUID } from 'node:crypto';
import { link, mkdir, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';

/** An S3 error code with its HTTP status, answered as S3 answers it. */
export class S3Failure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'S3Failure';
  }
}

export interface StoredObject {
  readonly body: Buffer;
  readonly etag: string;
  readonly lastModified: Date;
}

export interface ListedObject {
  readonly key: string;
  readonly size: number;
  readonly lastModified: Date;
}

/** Names the local writers give files they have not finished (renamed into place when complete). */
export function isInProgressName(name: string): boolean {
  return name.startsWith('.') || name.endsWith('.tmp');
}

/** S3's bucket naming rules (the subset that matters here): 3-63 of [a-z0-9.-], alphanumeric at both ends. */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export class DirectoryObjectStore {
  constructor(readonly rootDir: string) {}

  async createBucket(bucket: string): Promise<void> {
    if (!BUCKET_NAME.test(bucket))
      throw new S3Failure(400, 'InvalidBucketName', `${bucket} is not a valid S3 bucket name`);
    await mkdir(join(this.rootDir, bucket), { recursive: true });
  }

  /** Any folder under the root is a bucket (names are checked where buckets are created). */
  async bucketExists(bucket: string): Promise<boolean> {
    if (bucket === '' || bucket === '.' || bucket === '..' || /[/\\]/.test(bucket)) return false;
    const info = await stat(join(this.rootDir, bucket)).catch(() => undefined);
    return info?.isDirectory() === true;
  }

  /**
   * Writes the object: to a temporary file first, then renamed into place (readers never see half a body).
   * `ifNoneMatch` (only `*`, as in S3) makes it a create-if-absent: the file is hard-linked into place,
   * which fails atomically when another writer got there first.
   */
  async put(
    bucket: string,
    key: string,
    body: Buffer,
    options: { ifNoneMatch?: string } = {},
  ): Promise<string> {
    if (options.ifNoneMatch !== undefined && options.ifNoneMatch !== '*')
      throw new S3Failure(501, 'NotImplemented', 'If-None-Match on a write accepts only *');
    const path = await this.objectPath(bucket, key);
    await mkdir(dirname(path), { recursive: true }).catch((error: NodeJS.ErrnoException) => {
      throw this.layoutConflict(key, error);
    });
    const partial = join(dirname(path), `.${randomUUID()}.tmp`);
    await writeFile(partial, body);
    try {
      if (options.ifNoneMatch === '*') await link(partial, path);
      else await rename(partial, path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST')
        throw new S3Failure(412, 'PreconditionFailed', `${key} exists and the write asked If-None-Match: *`);
      throw this.layoutConflict(key, error as NodeJS.ErrnoException);
    } finally {
      await rm(partial, { force: true });
    }
    return etagOf(body);
  }

  async get(bucket: string, key: string): Promise<StoredObject> {
    const path = await this.objectPath(bucket, key);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) throw new S3Failure(404, 'NoSuchKey', `The specified key does not exist: ${key}`);
    const body = await readFile(path);
    return { body, etag: etagOf(body), lastModified: info.mtime };
  }

  /** Deleting a key that does not exist succeeds, as in S3. */
  async delete(bucket: string, key: string): Promise<void> {
    const path = await this.objectPath(bucket, key);
    await unlink(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT' && error.code !== 'EISDIR' && error.code !== 'EPERM') throw error;
    });
  }

  /** Every finished object whose key starts with `prefix`, sorted by key. */
  async list(bucket: string, prefix: string): Promise<ListedObject[]> {
    await this.requireBucket(bucket);
    const bucketDir = join(this.rootDir, bucket);
    const keys = await finishedKeysUnder(bucketDir, prefix);
    return Promise.all(
      keys.map(async (key) => {
        const info = await stat(join(bucketDir, ...key.split('/')));
        return { key, size: info.size, lastModified: info.mtime };
      }),
    );
  }

  private async requireBucket(bucket: string): Promise<void> {
    if (!(await this.bucketExists(bucket)))
      throw new S3Failure(404, 'NoSuchBucket', `The specified bucket does not exist: ${bucket}`);
  }

  private async objectPath(bucket: string, key: string): Promise<string> {
    await this.requireBucket(bucket);
    const segments = key.split('/');
    const last = segments[segments.length - 1] ?? '';
    if (key === '' || segments.some((s) => s === '' || s === '.' || s === '..') || isInProgressName(last))
      throw new S3Failure(
        400,
        'InvalidArgument',
        `the local S3 stand-in stores objects as files and cannot store the key "${key}" ` +
          "(empty, '.' or '..' segments, a trailing '/', or a name starting with '.' or ending in '.tmp')",
      );
    return join(this.rootDir, bucket, ...segments);
  }

  private layoutConflict(key: string, error: NodeJS.ErrnoException): Error {
    if (['EISDIR', 'ENOTDIR', 'EEXIST', 'EPERM'].includes(error.code ?? ''))
      return new S3Failure(
        409,
        'InvalidArgument',
        `the local S3 stand-in cannot store "${key}": a key is both an object and a folder of other keys`,
      );
    return error;
  }
}

/**
 * Keys (`/`-separated paths relative to `root`) of the finished files under `root` that start with `prefix`,
 * sorted: in-progress names and hidden folders left out.
 */
export async function finishedKeysUnder(root: string, prefix: string): Promise<string[]> {
  // The prefix may end mid-name (as in S3): walk its deepest whole folder and keep the keys that match.
  const folder = join(
    root,
    ...prefix
      .slice(0, prefix.lastIndexOf('/') + 1)
      .split('/')
      .filter(Boolean),
  );
  const entries = await readdir(folder, { recursive: true, withFileTypes: true }).catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return [];
      throw error;
    },
  );
  return entries
    .filter((entry) => entry.isFile() && !isInProgressName(entry.name))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .filter((key) => key.startsWith(prefix) && !key.split('/').some((segment) => segment.startsWith('.')))
    .sort();
}

function etagOf(body: Buffer): string {
  return `"${createHash('md5').update(body).digest('hex')}"`;
}
