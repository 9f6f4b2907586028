/**
 * The template's buckets as the runtime's stand-ins reach them (local/lake/bucket-storage.ts): the folder the
 * local S3 endpoint serves (`<dataDir>/s3/<bucket>`), or, when moto serves S3, the bucket on moto with its
 * DuckDB copy under `<dataDir>/s3-cache/<bucket>`. moto starts empty, so a cache left by an earlier run is
 * removed first: it would show objects the bucket no longer has until the first sync.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { localS3Client } from '../emulators/s3-buckets';
import { type BucketStorage, DirectoryBucket } from '../lake/bucket-storage';
import { S3Bucket } from '../lake/s3-bucket';
import type { LocalTopology } from '../topology';
import { readRuntimeFile, runtimeFilePath } from './runtime-file';

const S3_CACHE_FOLDER = 's3-cache';

export interface LocalBuckets {
  /** The storage of the bucket with this logical id (one per bucket, so its sync state is shared). */
  storage(bucketId: string): BucketStorage;
  /** The local folder of the bucket: what the endpoint serves, or the synced copy on moto. */
  folder(bucketId: string): string;
  name(bucketId: string): string;
  /**
   * The folders of the event source mappings' S3 on-failure destinations, by bucket id: on the directory
   * endpoint only (on moto the failed batches are objects in moto's bucket, see `failedBatchesOnS3`).
   */
  failedBatchFolders(): Array<{ name: string; dir: string }>;
  /** The first S3 on-failure destination when moto serves S3 (`dlq replay --local` reads it through S3). */
  failedBatchesOnS3(endpoint: string): { endpoint: string; bucket: string } | undefined;
}

export function localBuckets(options: {
  readonly topology: Pick<LocalTopology, 'buckets' | 'eventSourceMappings'>;
  readonly dataDir: string;
  /** Where the S3 directory endpoint keeps its buckets; undefined when moto serves S3. */
  readonly s3Dir?: string;
  /** A client of the S3 endpoint (used when moto serves S3). */
  readonly s3: S3Client;
}): LocalBuckets {
  const { s3Dir, s3, dataDir } = options;
  const cacheRoot = join(dataDir, S3_CACHE_FOLDER);
  if (!s3Dir) rmSync(cacheRoot, { recursive: true, force: true });
  const made = new Map<string, BucketStorage>();
  const nameOf = (bucketId: string) => {
    const bucket = options.topology.buckets.get(bucketId);
    if (!bucket) throw new Error(`Unknown bucket ${bucketId}`);
    return bucket.name;
  };
  const folder = (bucketId: string) => join(s3Dir ?? cacheRoot, nameOf(bucketId));
  const failedBatchBuckets = options.topology.eventSourceMappings.flatMap(({ onFailure }) =>
    onFailure && 'bucketId' in onFailure ? [onFailure.bucketId] : [],
  );
  return {
    folder,
    name: nameOf,
    failedBatchFolders: () =>
      s3Dir ? failedBatchBuckets.map((bucketId) => ({ name: bucketId, dir: folder(bucketId) })) : [],
    failedBatchesOnS3: (endpoint) => {
      const [first] = failedBatchBuckets;
      return !s3Dir && first ? { endpoint, bucket: nameOf(first) } : undefined;
    },
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

/**
 * The lake bucket of the runtime running on `dataDir` when moto serves its S3 (from its runtime file), for the
 * commands that read or write the lake from another process (`query --local`, `experiment report --local`,
 * `import --local`); undefined when the lake is a folder (or no runtime file is there). The copy is the
 * runtime's: a sync from either process leaves it exactly the bucket's under the synced prefixes.
 */
export function runningLakeOnS3(
  dataDir: string,
): { readonly storage: S3Bucket; release(): void } | undefined {
  if (!existsSync(runtimeFilePath(dataDir))) return undefined;
  const lake = readRuntimeFile(dataDir).lakeOnS3;
  if (!lake) return undefined;
  const s3 = localS3Client(lake.endpoint);
  return {
    storage: new S3Bucket(s3, lake.bucket, join(dataDir, S3_CACHE_FOLDER, lake.bucket)),
    release: () => s3.destroy(),
  };
}
