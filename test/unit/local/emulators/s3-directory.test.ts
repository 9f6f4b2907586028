/**
 * The local S3 endpoint through the AWS SDK, as the functions call it: objects are plain files in the bucket
 * folder (both ways), conditional creates have S3's outcome, listings page and group like S3's, and what it
 * does not serve is refused by name.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import {
  localS3Client,
  provisionBuckets,
  type S3DirectoryEmulator,
  startS3Directory,
} from '../../../../local/emulators';
import { decodeAwsChunked } from '../../../../local/emulators/s3-directory';

let root: string;
let s3: S3DirectoryEmulator;
let client: S3Client;
const BUCKET = 'lake-bucket';

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 's3-directory-'));
  s3 = await startS3Directory({ rootDir: root });
  client = localS3Client(s3.endpoint);
  await provisionBuckets({ buckets: new Map([['Lake', { logicalId: 'Lake', name: BUCKET }]]) }, client);
});
afterAll(async () => {
  client.destroy();
  await s3.stop();
  rmSync(root, { recursive: true, force: true });
});

const put = (
  Key: string,
  Body: string | Readable,
  extra: { IfNoneMatch?: string; ContentLength?: number } = {},
) => client.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body, ...extra }));
const text = async (Key: string) =>
  (await client.send(new GetObjectCommand({ Bucket: BUCKET, Key }))).Body?.transformToString();
const keys = async (input: {
  Prefix?: string;
  Delimiter?: string;
  MaxKeys?: number;
  ContinuationToken?: string;
}) => client.send(new ListObjectsV2Command({ Bucket: BUCKET, ...input }));

describe('local S3 endpoint (s3-directory)', () => {
  it('stores an object as the plain file <root>/<bucket>/<key>, and serves files written there directly', async () => {
    await put('quarantine/dt=2026-12-01/reason=x/1.jsonl', '{"a":1}\n');
    expect(
      readFileSync(join(root, BUCKET, 'quarantine', 'dt=2026-12-01', 'reason=x', '1.jsonl'), 'utf8'),
    ).toBe('{"a":1}\n');
    mkdirSync(join(root, BUCKET, 'jobs', 'cf', 'results', 'run=r1'), { recursive: true });
    writeFileSync(join(root, BUCKET, 'jobs', 'cf', 'results', 'run=r1', 'part-0.json'), '{"b":2}\n');
    expect(await text('jobs/cf/results/run=r1/part-0.json')).toBe('{"b":2}\n');
    const head = await client.send(
      new HeadObjectCommand({ Bucket: BUCKET, Key: 'jobs/cf/results/run=r1/part-0.json' }),
    );
    expect(head.ContentLength).toBe(8);
    expect(head.ETag).toMatch(/^"[0-9a-f]{32}"$/);
  });

  it('takes a streaming (aws-chunked) body as S3 does', async () => {
    // As in AWS, a stream of unknown length needs its ContentLength.
    await put('streamed/body.txt', Readable.from([Buffer.from('hello '), Buffer.from('world')]), {
      ContentLength: 11,
    });
    expect(await text('streamed/body.txt')).toBe('hello world');
    expect(
      decodeAwsChunked(
        Buffer.from('5;chunk-signature=ab\r\nhello\r\n0\r\nx-amz-checksum-crc32:AAAA\r\n\r\n'),
      ),
    ).toEqual(Buffer.from('hello'));
  });

  it('If-None-Match: * creates once; of concurrent creates of one key exactly one wins', async () => {
    await put('locks/one', 'first', { IfNoneMatch: '*' });
    await expect(put('locks/one', 'second', { IfNoneMatch: '*' })).rejects.toMatchObject({
      name: 'PreconditionFailed',
      $metadata: { httpStatusCode: 412 },
    });
    expect(await text('locks/one')).toBe('first');

    const outcomes = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => put('locks/race', `writer-${i}`, { IfNoneMatch: '*' })),
    );
    const winners = outcomes.flatMap((o, i) => (o.status === 'fulfilled' ? [i] : []));
    expect(winners).toHaveLength(1);
    expect(await text('locks/race')).toBe(`writer-${winners[0]}`);
    // An unconditional write replaces the object, as in S3.
    await put('locks/one', 'third');
    expect(await text('locks/one')).toBe('third');
  });

  it('lists by prefix (also mid-name), groups by delimiter, pages with continuation tokens', async () => {
    for (const key of ['list/a/1', 'list/a/2', 'list/b/1', 'list/c', 'list/cc', 'listed'])
      await put(key, key);
    // A writer's unfinished file is not an object yet.
    writeFileSync(join(root, BUCKET, 'list', 'a', '.part-0.json.tmp'), '{"half":');

    expect((await keys({ Prefix: 'list/' })).Contents?.map((c) => c.Key)).toEqual([
      'list/a/1',
      'list/a/2',
      'list/b/1',
      'list/c',
      'list/cc',
    ]);
    expect((await keys({ Prefix: 'list/c' })).Contents?.map((c) => c.Key)).toEqual(['list/c', 'list/cc']);
    const grouped = await keys({ Prefix: 'list/', Delimiter: '/' });
    expect(grouped.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['list/a/', 'list/b/']);
    expect(grouped.Contents?.map((c) => c.Key)).toEqual(['list/c', 'list/cc']);

    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await keys({ Prefix: 'list/', MaxKeys: 2, ContinuationToken: token });
      seen.push(...(page.Contents ?? []).map((c) => c.Key ?? ''));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
      pages++;
    } while (token);
    expect(pages).toBe(3);
    expect(seen).toEqual(['list/a/1', 'list/a/2', 'list/b/1', 'list/c', 'list/cc']);
    expect((await keys({ Prefix: 'nothing/' })).Contents).toBeUndefined();
  });

  it('deletes one object or many; deleting a missing key succeeds', async () => {
    await put('gone/1', 'x');
    await put('gone/2', 'y');
    await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'gone/1' }));
    await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'gone/never' }));
    expect(existsSync(join(root, BUCKET, 'gone', '1'))).toBe(false);
    const result = await client.send(
      new DeleteObjectsCommand({
        Bucket: BUCKET,
        Delete: { Objects: [{ Key: 'gone/2' }, { Key: 'gone/3' }] },
      }),
    );
    expect(result.Deleted?.map((d) => d.Key)).toEqual(['gone/2', 'gone/3']);
    expect((await keys({ Prefix: 'gone/' })).Contents).toBeUndefined();
  });

  it("answers S3's errors for a missing key or bucket", async () => {
    await expect(text('missing')).rejects.toMatchObject({ name: 'NoSuchKey' });
    await expect(
      client.send(new GetObjectCommand({ Bucket: 'no-such-bucket', Key: 'k' })),
    ).rejects.toMatchObject({ name: 'NoSuchBucket' });
    await expect(client.send(new HeadBucketCommand({ Bucket: 'no-such-bucket' }))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 404 },
    });
    await expect(client.send(new HeadBucketCommand({ Bucket: BUCKET }))).resolves.toBeDefined();
  });

  it('refuses keys a folder cannot hold and calls it does not serve, by name', async () => {
    await expect(put('a/../b', 'x')).rejects.toThrow(/cannot store the key "a\/\.\.\/b"/);
    await expect(put('folder/', 'x')).rejects.toThrow(/cannot store the key "folder\/"/);
    await expect(put('x/partial.tmp', 'x')).rejects.toMatchObject({ name: 'InvalidArgument' });
    await put('file', 'x');
    await expect(put('file/under', 'y')).rejects.toThrow(/both an object and a folder/);
    await expect(client.send(new ListObjectVersionsCommand({ Bucket: BUCKET }))).rejects.toMatchObject({
      name: 'NotImplemented',
      message: expect.stringMatching(/does not serve GET with versions/),
    });
  });
});
