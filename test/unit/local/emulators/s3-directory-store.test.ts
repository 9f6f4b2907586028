/**
 * The storage side of the local S3 stand-in (local/emulators/s3-directory-store.ts), without HTTP: objects are
 * plain files at `<root>/<bucket>/<key>`, a create-if-absent write loses to an existing object, listings
 * leave out in-progress files, and what a folder of files cannot hold is refused with S3's code and a reason.
 * The endpoint over it is s3-directory.test.ts's.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DirectoryObjectStore,
  isInProgressName,
  S3Failure,
} from '../../../../local/emulators/s3-directory-store';

let root: string;
let store: DirectoryObjectStore;

beforeEach(async () => {
  root = mkdtempSync(join(tmpdir(), 's3-store-'));
  store = new DirectoryObjectStore(root);
  await store.createBucket('lake');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** The S3 error a call fails with, as `status code`. */
const failure = (call: Promise<unknown>) =>
  call.then(
    () => 'no failure',
    (error: unknown) => (error instanceof S3Failure ? `${error.status} ${error.code}` : String(error)),
  );

it('stores an object as the file at its key, with the MD5 of its body as ETag', async () => {
  const body = Buffer.from('{"a":1}\n');
  const etag = await store.put('lake', 'events/dt=2026-12-03/part-0.jsonl', body);
  expect(etag).toBe(`"${createHash('md5').update(body).digest('hex')}"`);
  expect(readFileSync(join(root, 'lake', 'events', 'dt=2026-12-03', 'part-0.jsonl'), 'utf8')).toBe(
    '{"a":1}\n',
  );
  const stored = await store.get('lake', 'events/dt=2026-12-03/part-0.jsonl');
  expect([stored.body.toString(), stored.etag]).toEqual(['{"a":1}\n', etag]);
});

it('with If-None-Match: * creates an absent object and refuses to overwrite one', async () => {
  await store.put('lake', 'ledger/a', Buffer.from('first'), { ifNoneMatch: '*' });
  expect(await failure(store.put('lake', 'ledger/a', Buffer.from('second'), { ifNoneMatch: '*' }))).toBe(
    '412 PreconditionFailed',
  );
  expect((await store.get('lake', 'ledger/a')).body.toString()).toBe('first');
  expect(await failure(store.put('lake', 'ledger/b', Buffer.from('x'), { ifNoneMatch: '"etag"' }))).toBe(
    '501 NotImplemented',
  );
});

it('lists finished objects under a prefix that may end mid-name, sorted, without in-progress files', async () => {
  for (const key of ['q/dt=2/b.jsonl', 'q/dt=2/a.jsonl', 'q/dt=3/c.jsonl', 'other/d.jsonl'])
    await store.put('lake', key, Buffer.from(key));
  writeFileSync(join(root, 'lake', 'q', 'dt=2', '.part.tmp'), 'half');
  writeFileSync(join(root, 'lake', 'q', 'dt=2', 'e.tmp'), 'half');
  expect((await store.list('lake', 'q/dt=')).map((o) => o.key)).toEqual([
    'q/dt=2/a.jsonl',
    'q/dt=2/b.jsonl',
    'q/dt=3/c.jsonl',
  ]);
  const [only, ...rest] = await store.list('lake', 'q/dt=2/a');
  expect([only?.key, only?.size, rest]).toEqual(['q/dt=2/a.jsonl', 14, []]);
  expect(only?.lastModified.getTime()).toBeGreaterThan(0);
  expect(await store.list('lake', 'none/')).toEqual([]);
});

it('deletes an object, and deleting an absent key succeeds as in S3', async () => {
  await store.put('lake', 'x/y', Buffer.from('1'));
  await store.delete('lake', 'x/y');
  await store.delete('lake', 'x/y');
  expect(await failure(store.get('lake', 'x/y'))).toBe('404 NoSuchKey');
});

it("refuses keys a folder of files cannot hold, and a key that is another key's folder", async () => {
  for (const key of ['', 'a//b', 'a/./b', 'a/../b', 'folder/', 'a/.hidden', 'a/file.tmp'])
    expect([key, await failure(store.put('lake', key, Buffer.from('x')))]).toEqual([
      key,
      '400 InvalidArgument',
    ]);
  await store.put('lake', 'a/b', Buffer.from('x'));
  expect(await failure(store.put('lake', 'a/b/c', Buffer.from('x')))).toBe('409 InvalidArgument');
  expect(await failure(store.put('lake', 'a', Buffer.from('x')))).toBe('409 InvalidArgument');
});

it('knows a bucket by its folder, refuses invalid bucket names and answers NoSuchBucket', async () => {
  expect(await store.bucketExists('lake')).toBe(true);
  expect(await store.bucketExists('absent')).toBe(false);
  expect(await store.bucketExists('..')).toBe(false);
  expect(await failure(store.createBucket('Upper_Case'))).toBe('400 InvalidBucketName');
  expect(await failure(store.list('absent', ''))).toBe('404 NoSuchBucket');
  expect(await failure(store.put('absent', 'k', Buffer.from('x')))).toBe('404 NoSuchBucket');
});

it('isInProgressName: dot files and .tmp files are unfinished', () => {
  expect([isInProgressName('.part'), isInProgressName('x.tmp'), isInProgressName('x.jsonl')]).toEqual([
    true,
    true,
    false,
  ]);
});
