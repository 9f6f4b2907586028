/**
 * The runtime's data directory: the API key is generated once and then reused (a restart keeps clients
 * working), `<dataDir>/lake` becomes a relative link to the lake bucket's folder, and a real lake folder left
 * by an older version is kept and reported instead of deleted; a bucket folder named after the logical id
 * (before bucket names were lower case) is adopted under the bucket's name.
 */
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adoptLogicalIdBucketDirs, ensureLocalApiKey, linkLakeDir } from '../../../../local/runtime/data-dir';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'data-dir-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('generates the API key once, private to the user, and reuses it', () => {
  const key = ensureLocalApiKey(dir);
  expect(key).toMatch(/^rk_[A-Za-z0-9_-]{32}$/);
  expect(ensureLocalApiKey(dir)).toBe(key);
  expect(statSync(join(dir, 'local-api-key')).mode & 0o777).toBe(0o600);
});

it('links <dataDir>/lake to the lake bucket folder, relatively, and keeps a real lake folder with data', () => {
  const log: string[] = [];
  const bucketDir = join(dir, 's3', 'lake-bucket');
  const link = linkLakeDir(dir, bucketDir, (m) => log.push(m));
  expect(lstatSync(link).isSymbolicLink()).toBe(true);
  expect(readlinkSync(link)).toBe(join('s3', 'lake-bucket'));
  expect(linkLakeDir(dir, bucketDir, (m) => log.push(m))).toBe(link);

  const older = mkdtempSync(join(tmpdir(), 'data-dir-old-'));
  try {
    mkdirSync(join(older, 'lake'));
    writeFileSync(join(older, 'lake', 'kept.txt'), 'x');
    linkLakeDir(older, join(older, 's3', 'lake-bucket'), (m) => log.push(m));
    expect(lstatSync(join(older, 'lake')).isDirectory()).toBe(true);
    expect(log).toEqual([expect.stringMatching(/is a folder, not a link/)]);
  } finally {
    rmSync(older, { recursive: true, force: true });
  }
});

it('moves a bucket folder named after its logical id to the lower-case bucket name, once', () => {
  const log: string[] = [];
  const buckets = new Map([
    ['LakeBucket5B470899', { logicalId: 'LakeBucket5B470899', name: 'lakebucket5b470899' }],
  ]);
  mkdirSync(join(dir, 's3', 'LakeBucket5B470899', 'events'), { recursive: true });
  writeFileSync(join(dir, 's3', 'LakeBucket5B470899', 'events', 'part.parquet'), 'rows');
  adoptLogicalIdBucketDirs(dir, { buckets }, (m) => log.push(m));
  expect(readFileSync(join(dir, 's3', 'lakebucket5b470899', 'events', 'part.parquet'), 'utf8')).toBe('rows');
  expect(log).toEqual([expect.stringContaining('S3 bucket names are lower case')]);

  // A folder under the new name is never overwritten by an old one.
  mkdirSync(join(dir, 's3', 'LakeBucket5B470899'));
  adoptLogicalIdBucketDirs(dir, { buckets }, (m) => log.push(m));
  expect(existsSync(join(dir, 's3', 'lakebucket5b470899', 'events', 'part.parquet'))).toBe(true);
  expect(log).toHaveLength(1);
});
