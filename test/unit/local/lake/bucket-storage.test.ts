/**
 * The bucket port of the local stand-ins (local/lake/bucket-storage.ts) against one contract, three ways: the
 * bucket's folder (DirectoryBucket), and S3Bucket (local/lake/s3-bucket.ts) on the local S3 endpoint
 * (s3-directory.ts, which speaks S3) and on moto. The contract: what is put is listed and, after
 * `localCopy`, is a file DuckDB can read; what is deleted or overwritten in the bucket is gone or new in
 * the copy; keys outside the asked prefixes are not copied. The moto case is skipped, saying so, without
 * moto_server.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { findMotoServer, startMoto } from '../../../../local/emulators/moto';
import { localS3Client } from '../../../../local/emulators/s3-buckets';
import { startS3Directory } from '../../../../local/emulators/s3-directory';
import {
  type BucketStorage,
  bucketStorage,
  DirectoryBucket,
  keyPath,
  writeBackLocalCopy,
} from '../../../../local/lake/bucket-storage';
import { S3Bucket } from '../../../../local/lake/s3-bucket';

interface Subject {
  readonly storage: BucketStorage;
  close(): Promise<void>;
}

let scratch: string;
beforeEach(() => {
  scratch = mkdtempSync(join(tmpdir(), 'bucket-storage-'));
});
afterEach(() => rmSync(scratch, { recursive: true, force: true }));

async function onEndpoint(start: () => Promise<{ endpoint: string; stop(): Promise<void> }>) {
  const emulator = await start();
  const s3 = localS3Client(emulator.endpoint);
  await s3.send(new CreateBucketCommand({ Bucket: 'lake-bucket' }));
  return {
    storage: new S3Bucket(s3, 'lake-bucket', join(scratch, 'cache')),
    close: async () => {
      s3.destroy();
      await emulator.stop();
    },
  };
}

const implementations: Array<[string, () => Promise<Subject>, boolean]> = [
  [
    'DirectoryBucket',
    async () => ({ storage: new DirectoryBucket(join(scratch, 'bucket')), close: async () => {} }),
    true,
  ],
  [
    'S3Bucket on the local S3 endpoint',
    () => onEndpoint(() => startS3Directory({ rootDir: join(scratch, 's3') })),
    true,
  ],
  ['S3Bucket on moto', () => onEndpoint(() => startMoto()), findMotoServer() !== undefined],
];
if (!findMotoServer())
  process.stderr.write('bucket-storage: moto_server is not on PATH; the moto cases are skipped\n');

describe.each(implementations)('%s', (_name, open, available) => {
  const test = available ? it : it.skip;
  let subject: Subject;
  beforeEach(async () => {
    if (available) subject = await open();
  });
  afterEach(async () => {
    if (available) await subject.close();
  });

  test('lists what was put, by prefix (also mid-name), sorted, with sizes', async () => {
    const { storage } = subject;
    await storage.put('events/dt=2026-12-01/b.parquet', Buffer.from('bbb'));
    await storage.put('events/dt=2026-12-01/a.parquet', 'aa');
    const staged = join(scratch, 'staged.json');
    writeFileSync(staged, '{"x":1}\n');
    const where = await storage.put('jobs/run=1/part-0.json', { file: staged });
    expect(where).toMatch(/jobs\/run=1\/part-0\.json$/);
    expect((await storage.list('events/')).map((o) => [o.key, o.size])).toEqual([
      ['events/dt=2026-12-01/a.parquet', 2],
      ['events/dt=2026-12-01/b.parquet', 3],
    ]);
    expect((await storage.list('jobs/run=')).map((o) => o.key)).toEqual(['jobs/run=1/part-0.json']);
    expect(await storage.list('nothing/')).toEqual([]);
  });

  test('deletes keys; a key that does not exist is no error', async () => {
    const { storage } = subject;
    await storage.put('errors/one.jsonl', 'x');
    await storage.put('errors/two.jsonl', 'y');
    await storage.delete(['errors/one.jsonl', 'errors/never.jsonl']);
    expect((await storage.list('errors/')).map((o) => o.key)).toEqual(['errors/two.jsonl']);
  });

  test('localCopy holds exactly the objects under the prefixes, following changes between calls', async () => {
    const { storage } = subject;
    await storage.put('events/a.parquet', 'first');
    await storage.put('events/b.parquet', 'gone soon');
    await storage.put('other/c.json', 'not asked for');
    let root = await storage.localCopy(['events/']);
    expect(readFileSync(keyPath(root, 'events/a.parquet'), 'utf8')).toBe('first');
    expect(existsSync(keyPath(root, 'events/b.parquet'))).toBe(true);

    await storage.put('events/a.parquet', 'second, longer');
    await storage.delete(['events/b.parquet']);
    await storage.put('events/new/d.parquet', 'new');
    root = await storage.localCopy(['events/']);
    expect(readFileSync(keyPath(root, 'events/a.parquet'), 'utf8')).toBe('second, longer');
    expect(existsSync(keyPath(root, 'events/b.parquet'))).toBe(false);
    expect(readFileSync(keyPath(root, 'events/new/d.parquet'), 'utf8')).toBe('new');
  });

  test('writeBackLocalCopy makes the bucket match a copy edited in place (the lake purge)', async () => {
    const { storage } = subject;
    await storage.put('events/a.parquet', 'all rows');
    await storage.put('events/b.parquet', 'only purged rows');
    await storage.put('events/c.parquet', 'untouched');
    const root = await storage.localCopy(['events/']);
    writeFileSync(keyPath(root, 'events/a.parquet'), 'kept');
    rmSync(keyPath(root, 'events/b.parquet'));
    await writeBackLocalCopy(storage, root, ['events/']);
    expect((await storage.list('events/')).map((o) => [o.key, o.size])).toEqual([
      ['events/a.parquet', 4],
      ['events/c.parquet', 9],
    ]);
  });
});

it('S3Bucket copies only the asked prefixes and leaves the folder it does not own alone', async () => {
  const emulator = await startS3Directory({ rootDir: join(scratch, 's3') });
  const s3 = localS3Client(emulator.endpoint);
  try {
    await s3.send(new CreateBucketCommand({ Bucket: 'lake-bucket' }));
    const storage = new S3Bucket(s3, 'lake-bucket', join(scratch, 'cache'));
    await storage.put('events/a.parquet', 'a');
    await storage.put('other/c.json', 'c');
    const root = await storage.localCopy(['events/']);
    expect(existsSync(keyPath(root, 'events/a.parquet'))).toBe(true);
    expect(existsSync(keyPath(root, 'other/c.json'))).toBe(false);
    expect(storage.description).toBe('s3://lake-bucket');
  } finally {
    s3.destroy();
    await emulator.stop();
  }
});

(findMotoServer() ? it : it.skip)(
  'S3Bucket on moto leaves folder placeholders (keys ending in /, which moto stores) out of the copy',
  async () => {
    const subject = await onEndpoint(() => startMoto());
    try {
      await subject.storage.put('events/dt=2026-12-01/', '');
      await subject.storage.put('events/dt=2026-12-01/a.parquet', 'a');
      const root = await subject.storage.localCopy(['events/']);
      expect(readFileSync(keyPath(root, 'events/dt=2026-12-01/a.parquet'), 'utf8')).toBe('a');
    } finally {
      await subject.close();
    }
  },
);

it('a folder is the directory bucket over it; localCopy is that folder, not a copy', async () => {
  const storage = bucketStorage(join(scratch, 'lake'));
  expect(storage).toBeInstanceOf(DirectoryBucket);
  await storage.put('events/a.parquet', 'a');
  expect(await storage.localCopy(['events/'])).toBe(join(scratch, 'lake'));
  const given = new DirectoryBucket(scratch);
  expect(bucketStorage(given)).toBe(given);
});

it('refuses keys a folder of files cannot hold, saying why', () => {
  expect(() => keyPath('/lake', 'events/../x')).toThrow(/cannot be a file under \/lake/);
  expect(() => keyPath('/lake', 'events/')).toThrow(/ends in '\/'/);
});
