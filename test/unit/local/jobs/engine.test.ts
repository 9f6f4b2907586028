/**
 * local/jobs/engine.ts: writes a step's rows where UNLOAD would (the lake folder, or an S3 bucket), refuses a
 * non-empty target, reads JSON back.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { localS3Client } from '../../../../local/emulators/s3-buckets';
import { startS3Directory } from '../../../../local/emulators/s3-directory';
import {
  readJsonRows,
  runQueryStepLocally,
  runQueryStepWithResult,
  TargetNotEmptyError,
} from '../../../../local/jobs/engine';
import { S3Bucket } from '../../../../local/lake/s3-bucket';
import { tempLake } from '../../../support/job-lake';

describe('local job engine', () => {
  const { lakeDir, remove } = tempLake();
  afterAll(remove);
  const step = (targetPrefix: string, format: 'JSON' | 'PARQUET' = 'JSON') => ({
    name: 'test-step',
    select: "SELECT 1 AS a, CAST(NULL AS VARCHAR) AS b UNION ALL SELECT 2, 'x'",
    targetPrefix,
    format,
  });

  it('writes part-0.json (NDJSON) and part-0.parquet under the target prefix', async () => {
    await runQueryStepLocally(step('out/json/'), lakeDir);
    await runQueryStepLocally(step('out/parquet/', 'PARQUET'), lakeDir);
    expect(readdirSync(join(lakeDir, 'out/json'))).toEqual(['part-0.json']);
    expect(readdirSync(join(lakeDir, 'out/parquet'))).toEqual(['part-0.parquet']);
    expect(await readJsonRows(join(lakeDir, 'out/json'))).toEqual([
      { a: 1, b: null },
      { a: 2, b: 'x' },
    ]);
  });

  it('refuses a target that already holds files, like UNLOAD', async () => {
    await expect(runQueryStepLocally(step('out/json/'), lakeDir)).rejects.toThrow(TargetNotEmptyError);
  });

  it('names the step when the SQL fails, and leaves no file behind', async () => {
    await expect(
      runQueryStepLocally({ ...step('out/bad/'), select: 'SELECT * FROM no_such_table' }, lakeDir),
    ).rejects.toThrow(/job step test-step failed on DuckDB: .*no_such_table/s);
    expect(existsSync(join(lakeDir, 'out/bad'))).toBe(false);
  });

  it('on an S3 bucket: reads the synced copy and puts the result object, as UNLOAD writes to S3', async () => {
    const root = mkdtempSync(join(tmpdir(), 'engine-s3-'));
    const endpoint = await startS3Directory({ rootDir: join(root, 's3') });
    const s3 = localS3Client(endpoint.endpoint);
    try {
      await s3.send(new CreateBucketCommand({ Bucket: 'lake-bucket' }));
      const bucket = new S3Bucket(s3, 'lake-bucket', join(root, 'copy'));
      const result = await runQueryStepWithResult(step('out/json/'), bucket);
      expect(result).toMatchObject({ file: 's3://lake-bucket/out/json/part-0.json', rows: 2 });
      expect((await bucket.list('out/')).map((o) => o.key)).toEqual(['out/json/part-0.json']);
      await expect(runQueryStepLocally(step('out/json/'), bucket)).rejects.toThrow(
        'target s3://lake-bucket/out/json/ is not empty',
      );
    } finally {
      s3.destroy();
      await endpoint.stop();
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('reads gzip output as Athena writes it (with or without .gz)', async () => {
    const dir = join(lakeDir, 'athena');
    mkdirSync(dir);
    writeFileSync(join(dir, '20261126_000000_1'), gzipSync('{"a":1}\n{"a":2}\n'));
    writeFileSync(join(dir, '20261126_000000_2.gz'), gzipSync('{"a":3}\n'));
    expect(await readJsonRows(dir)).toEqual([{ a: 1 }, { a: 2 }, { a: 3 }]);
    await expect(readJsonRows(join(lakeDir, 'missing'))).resolves.toEqual([]);
  });
});
