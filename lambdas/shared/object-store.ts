/**
 * Where rejected events and other operator-facing records are written: S3 in AWS, a folder on
 * disk locally. The local runtime sets RECOSTREAM_LOCAL_S3_DIR; a bucket then maps to
 * <dir>/<bucket-name>/<key>, the same key layout as in S3.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
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
