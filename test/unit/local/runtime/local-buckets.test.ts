/**
 * The runtime's buckets (local/runtime/local-buckets.ts): the S3 directory endpoint's folders by default, moto's
 * buckets with a copy under `<dataDir>/s3-cache` (emptied at start: moto starts empty) in the moto set; and the
 * lake on moto found by another process through the runtime file.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { DirectoryBucket } from '../../../../local/lake/bucket-storage';
import { S3Bucket } from '../../../../local/lake/s3-bucket';
import { localBuckets, runningLakeOnS3 } from '../../../../local/runtime/local-buckets';
import { writeRuntimeFile } from '../../../../local/runtime/runtime-file';
import { consumerMapping } from '../../../support/consumer-mapping';

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'local-buckets-'));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

const topology = {
  buckets: new Map([
    ['LakeBucket1', { logicalId: 'LakeBucket1', name: 'lake-bucket' }],
    ['FailedBatches1', { logicalId: 'FailedBatches1', name: 'failed-batches' }],
  ]),
  eventSourceMappings: [consumerMapping({ onFailure: { bucketId: 'FailedBatches1' } })],
};
const s3 = new S3Client({ region: 'us-east-1' });
afterAll(() => s3.destroy());

it("is the endpoint's folder of each bucket on the directory endpoint, one storage per bucket", () => {
  const buckets = localBuckets({ topology, dataDir, s3Dir: join(dataDir, 's3'), s3 });
  const lake = buckets.storage('LakeBucket1');
  expect(lake).toBeInstanceOf(DirectoryBucket);
  expect(lake.description).toBe(join(dataDir, 's3', 'lake-bucket'));
  expect(buckets.storage('LakeBucket1')).toBe(lake);
  expect(buckets.folder('LakeBucket1')).toBe(join(dataDir, 's3', 'lake-bucket'));
  expect(() => buckets.storage('Nope')).toThrow('Unknown bucket Nope');
  expect(buckets.failedBatchFolders()).toEqual([
    { name: 'FailedBatches1', dir: join(dataDir, 's3', 'failed-batches') },
  ]);
  expect(buckets.failedBatchesOnS3('http://127.0.0.1:5000')).toBeUndefined();
});

it('is the bucket on S3 with a copy under s3-cache on moto, and empties a copy left by an earlier run', () => {
  const stale = join(dataDir, 's3-cache', 'lake-bucket', 'events', 'old.parquet');
  mkdirSync(join(stale, '..'), { recursive: true });
  writeFileSync(stale, 'from the last run');
  const buckets = localBuckets({ topology, dataDir, s3 });
  expect(existsSync(stale)).toBe(false);
  const lake = buckets.storage('LakeBucket1');
  expect(lake).toBeInstanceOf(S3Bucket);
  expect(lake.description).toBe('s3://lake-bucket');
  expect(buckets.folder('LakeBucket1')).toBe(join(dataDir, 's3-cache', 'lake-bucket'));
  // The failed batches are objects on moto: `dlq replay --local` reads them through S3, not from a folder.
  expect(buckets.failedBatchFolders()).toEqual([]);
  expect(buckets.failedBatchesOnS3('http://127.0.0.1:5000')).toEqual({
    endpoint: 'http://127.0.0.1:5000',
    bucket: 'failed-batches',
  });
});

it("finds the running runtime's lake on moto from its runtime file, and nothing when the lake is a folder", () => {
  expect(runningLakeOnS3(dataDir)).toBeUndefined();
  const file = { dynamoEndpoint: 'http://127.0.0.1:1', tables: {}, pid: process.pid };
  writeRuntimeFile(dataDir, { ...file, lakeDir: join(dataDir, 'lake') });
  expect(runningLakeOnS3(dataDir)).toBeUndefined();
  writeRuntimeFile(dataDir, {
    ...file,
    lakeOnS3: { endpoint: 'http://127.0.0.1:5000', bucket: 'lake-bucket' },
  });
  const found = runningLakeOnS3(dataDir);
  try {
    expect(found?.storage.description).toBe('s3://lake-bucket');
    expect(found?.storage.cacheDir).toBe(join(dataDir, 's3-cache', 'lake-bucket'));
  } finally {
    found?.release();
  }
});
