import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { LakeResultReader } from '../../../lambdas/jobs/lake-results';
import { S3ObjectReader } from '../../../lambdas/shared/object-store';
import { localS3Client, type S3DirectoryEmulator, startS3Directory } from '../../../local/emulators';

describe('LakeResultReader', () => {
  const root = mkdtempSync(join(tmpdir(), 'results-'));
  const dir = join(root, 'lake', 'jobs', 'cf', 'results', 'run=r1');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'part-0.json'), '{"a":1}\n{"a":2}\n');
  // Athena UNLOAD: gzip without a telling extension.
  writeFileSync(join(dir, '20261126_abc_00001'), gzipSync('{"a":3}\n'));
  writeFileSync(join(dir, '.part-1.json.tmp'), '{"half":');
  writeFileSync(join(dir, '_SUCCESS'), '');
  mkdirSync(join(root, 'lake', 'jobs', 'cf', 'results', 'run=r10'), { recursive: true });
  writeFileSync(join(root, 'lake', 'jobs', 'cf', 'results', 'run=r10', 'part-0.json'), '{"a":10}\n');

  // Read through the SDK from the local S3 endpoint, which serves the folder as the bucket `lake`.
  let s3: S3DirectoryEmulator;
  let reader: LakeResultReader;
  beforeAll(async () => {
    s3 = await startS3Directory({ rootDir: root });
    reader = new LakeResultReader(new S3ObjectReader(localS3Client(s3.endpoint)), 'lake');
  });
  afterAll(async () => {
    await s3.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('reads plain and gzip NDJSON under exactly the prefix, skipping markers and partial files', async () => {
    expect(await reader.readRows('jobs/cf/results/run=r1/')).toEqual([{ a: 3 }, { a: 1 }, { a: 2 }]);
  });

  it('returns no rows for a missing prefix', async () => {
    expect(await reader.readRows('jobs/cf/results/run=none/')).toEqual([]);
  });

  it('names the object and line of a bad row', async () => {
    writeFileSync(join(root, 'lake', 'bad.json'), '{"a":1}\nnot json\n');
    await expect(reader.readRows('bad.json')).rejects.toThrow(/^lake\/bad\.json line 2 is not JSON/);
  });
});
