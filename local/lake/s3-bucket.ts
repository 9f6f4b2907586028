/**
 * A bucket on an S3 endpoint (moto in the moto emulator set) as the local stand-ins use it (bucket-storage.ts):
 * writes and deletes are S3 calls through the SDK, and `localCopy` mirrors the asked prefixes into a cache
 * folder for DuckDB, which cannot read s3:// offline. One sync per call, no timer: each object that is new or
 * changed (ETag and size; LastModified where a listing carries no ETag) is downloaded under a temporary name
 * and renamed into place, and each cached file whose object is gone is deleted.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { finishedKeysUnder } from '../emulators/s3-directory-store';
import { type BucketStorage, keyPath, type ObjectBody, type ObjectSummary } from './bucket-storage';

/** DeleteObjects takes at most 1,000 keys per request. */
const DELETE_BATCH = 1000;

export class S3Bucket implements BucketStorage {
  readonly description: string;
  /** What each cached file was downloaded as: `<size>:<etag or last-modified>`. */
  private readonly cached = new Map<string, string>();
  /** Syncs run one at a time: two queries starting together share the folder. */
  private syncing: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
    /** The folder `localCopy` syncs into (its content belongs to this object). */
    readonly cacheDir: string,
  ) {
    this.description = `s3://${bucket}`;
  }

  async put(key: string, body: ObjectBody): Promise<string> {
    const bytes = typeof body === 'object' && 'file' in body ? await readFile(body.file) : body;
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: bytes }));
    return `s3://${this.bucket}/${key}`;
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (let start = 0; start < keys.length; start += DELETE_BATCH) {
      const batch = keys.slice(start, start + DELETE_BATCH);
      const answer = await this.s3.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
        }),
      );
      const failed = answer.Errors ?? [];
      if (failed.length > 0)
        throw new Error(
          `s3://${this.bucket}: ${failed.length} of ${batch.length} deletes failed, first ${failed[0]?.Key}: ` +
            `${failed[0]?.Code} ${failed[0]?.Message}`,
        );
    }
  }

  async list(prefix: string): Promise<ObjectSummary[]> {
    const objects: ObjectSummary[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? [])
        if (object.Key !== undefined)
          objects.push({
            key: object.Key,
            size: object.Size ?? 0,
            etag: object.ETag,
            lastModified: object.LastModified,
          });
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return objects.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  localCopy(prefixes: readonly string[]): Promise<string> {
    const run = this.syncing.then(async () => {
      for (const prefix of prefixes) await this.sync(prefix);
      return this.cacheDir;
    });
    this.syncing = run.catch(() => undefined);
    return run;
  }

  private async sync(prefix: string): Promise<void> {
    const objects = await this.list(prefix);
    const present = new Set<string>();
    for (const object of objects) {
      // A folder placeholder (`a/b/`, the S3 console's "create folder") holds no rows and cannot be a file.
      if (object.key.endsWith('/')) continue;
      present.add(object.key);
      const fingerprint = `${object.size}:${object.etag ?? object.lastModified?.toISOString() ?? ''}`;
      if (this.cached.get(object.key) === fingerprint) continue;
      await this.download(object.key);
      this.cached.set(object.key, fingerprint);
    }
    for (const key of await finishedKeysUnder(this.cacheDir, prefix)) {
      if (present.has(key)) continue;
      await unlink(keyPath(this.cacheDir, key)).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
      this.cached.delete(key);
    }
  }

  private async download(key: string): Promise<void> {
    const target = keyPath(this.cacheDir, key);
    const answer = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    if (!answer.Body) throw new Error(`s3://${this.bucket}/${key}: GetObject answered without a body`);
    const bytes = await answer.Body.transformToByteArray();
    await mkdir(dirname(target), { recursive: true });
    const partial = join(dirname(target), `.${randomUUID()}.tmp`);
    await writeFile(partial, bytes);
    await rename(partial, target);
  }
}
