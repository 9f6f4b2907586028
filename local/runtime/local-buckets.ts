/**
 * The template's buckets as the runtime's stand-ins reach them (local/lake/bucket-storage.ts): the folder the
 * local S3 endpoint serves (`<dataDir>/s3/<bucket>`), or, when moto serves S3, the bucket on moto with its
 * DuckDB copy under `<dataDir>/s3-cache/<bucket>`. moto starts empty, so a cache left by an earlier run is
 * removed first: it would show objects the bucket no longer has until the first sync.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { type BucketStorage, DirectoryBucket } from '../lake/bucket-storage';
import { S3Bucket } from '../lake/s3-bucket';
import type { LocalTopology } from '../topology';

export interface LocalBuckets {
  /** The storage of the bucket with this logical id (one per bucket, so its sync state is shared). */
  storage(bucketId: string): BucketStorage;
  /** The local folder of the bucket: what the endpoint serves, or the synced copy on moto. */
  folder(bucketId: string): string;
}

export function localBuckets(options: {
  readonly topology: Pick<LocalTopology, 'buckets'>;
  readonly dataDir: string;
  /** Where the S3 directory endpoint keeps its buckets; undefined when moto serves S3. */
  readonly s3Dir?: string;
  /** A client of the S3 endpoint (used when moto serves S3). */
  readonly s3: S3Client;
}): LocalBuckets {
  const { s3Dir, s3, dataDir } = options;
  const cacheRoot = join(dataDir, 's3-cache');
  if (!s3Dir) rmSync(cacheRoot, { recursive: true, force: true });
  const made = new Map<string, BucketStorage>();
  const nameOf = (bucketId: string) => {
    const bucket = options.topology.buckets.get(bucketId);
    if (!bucket) throw new Error(`Unknown bucket ${bucketId}`);
    return bucket.name;
  };
  const folder = (bucketId: string) => join(s3Dir ?? cacheRoot, nameOf(bucketId));
  return {
    folder,
    storage(bucketId) {
      let storage = made.get(bucketId);
      if (!storage) {
        storage = s3Dir
          ? new DirectoryBucket(folder(bucketId))
          : new S3Bucket(s3, nameOf(bucketId), folder(bucketId));
        made.set(bucketId, storage);
      }
      return storage;
    },
  };
}
