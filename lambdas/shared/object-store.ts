/**
 * Where rejected events and other operator-facing records are written: S3 in AWS, a folder on
 * disk locally. The local runtime sets RECOSTREAM_LOCAL_S3_DIR; a bucket then maps to
 * <dir>/<bucket-name>/<key>, the same key layout as in S3.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { s3Client } from './aws-clients';

export interface ObjectStore {
  put(bucket: string, key: string, body: string, contentType?: string): Promise<void>;
}

export class S3ObjectStore implements ObjectStore {
  async put(bucket: string, key: string, body: string, contentType = 'application/x-ndjson'): Promise<void> {
    await s3Client().send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }),
    );
  }
}

export class FileObjectStore implements ObjectStore {
  constructor(private readonly rootDir: string) {}

  async put(bucket: string, key: string, body: string): Promise<void> {
    const path = join(this.rootDir, bucket, ...key.split('/'));
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, body);
  }
}

export function objectStoreFromEnv(): ObjectStore {
  const localDir = process.env.RECOSTREAM_LOCAL_S3_DIR;
  return localDir ? new FileObjectStore(localDir) : new S3ObjectStore();
}

/** Reads every object under a prefix (the batch jobs read their query steps' outputs with it). */
export interface ObjectReader {
  /** Keys under `prefix`, sorted; "folder" placeholder keys (ending in '/') are left out. */
  list(bucket: string, prefix: string): Promise<string[]>;
  get(bucket: string, key: string): Promise<Buffer>;
}

export class S3ObjectReader implements ObjectReader {
  async list(bucket: string, prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3Client().send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? [])
        if (object.Key && !object.Key.endsWith('/')) keys.push(object.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys.sort();
  }

  async get(bucket: string, key: string): Promise<Buffer> {
    const response = await s3Client().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    if (!response.Body) throw new Error(`s3://${bucket}/${key} has no body`);
    return Buffer.from(await response.Body.transformToByteArray());
  }
}

export class FileObjectReader implements ObjectReader {
  constructor(private readonly rootDir: string) {}

  async list(bucket: string, prefix: string): Promise<string[]> {
    const bucketDir = join(this.rootDir, bucket);
    // The prefix may end mid-name (as in S3); walk its folder and keep the keys that start with it.
    const slash = prefix.lastIndexOf('/');
    const folder = join(
      bucketDir,
      ...prefix
        .slice(0, slash + 1)
        .split('/')
        .filter(Boolean),
    );
    const entries = await readdir(folder, { recursive: true, withFileTypes: true }).catch(
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return [];
        throw error;
      },
    );
    return entries
      .filter((e) => e.isFile())
      .map((e) => relative(bucketDir, join(e.parentPath, e.name)).split(sep).join('/'))
      .filter((key) => key.startsWith(prefix))
      .sort();
  }

  async get(bucket: string, key: string): Promise<Buffer> {
    return readFile(join(this.rootDir, bucket, ...key.split('/')));
  }
}

export function objectReaderFromEnv(): ObjectReader {
  const localDir = process.env.RECOSTREAM_LOCAL_S3_DIR;
  return localDir ? new FileObjectReader(localDir) : new S3ObjectReader();
}
