/**
 * Where rejected events and other operator-facing records are written, and how the batch jobs read their
 * query steps' outputs: S3, through the SDK, everywhere. Locally the runtime points the SDK at its S3
 * endpoint with AWS_ENDPOINT_URL_S3 (local/emulators/s3-directory.ts), as it points Kinesis and DynamoDB.
 */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { s3Client } from './aws-clients';

export interface ObjectStore {
  put(bucket: string, key: string, body: string, contentType?: string): Promise<void>;
}

export class S3ObjectStore implements ObjectStore {
  constructor(private readonly client: S3Client = s3Client()) {}

  async put(bucket: string, key: string, body: string, contentType = 'application/x-ndjson'): Promise<void> {
    await this.client.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }),
    );
  }
}

/** The store the handlers use: S3 at the SDK's endpoint (AWS_ENDPOINT_URL_S3 points it at a local one). */
export function objectStoreFromEnv(): ObjectStore {
  return new S3ObjectStore();
}

/** Reads every object under a prefix (the batch jobs read their query steps' outputs with it). */
export interface ObjectReader {
  /** Keys under `prefix`, sorted; "folder" placeholder keys (ending in '/') are left out. */
  list(bucket: string, prefix: string): Promise<string[]>;
  get(bucket: string, key: string): Promise<Buffer>;
}

export class S3ObjectReader implements ObjectReader {
  constructor(private readonly client: S3Client = s3Client()) {}

  async list(bucket: string, prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? [])
        if (object.Key && !object.Key.endsWith('/')) keys.push(object.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys.sort();
  }

  async get(bucket: string, key: string): Promise<Buffer> {
    const response = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    if (!response.Body) throw new Error(`s3://${bucket}/${key} has no body`);
    return Buffer.from(await response.Body.transformToByteArray());
  }
}

/** The reader the batch jobs use: S3 at the SDK's endpoint, as objectStoreFromEnv. */
export function objectReaderFromEnv(): ObjectReader {
  return new S3ObjectReader();
}
