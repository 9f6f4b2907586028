/** local/job-engine.ts: writes a step's rows where UNLOAD would, refuses a non-empty target, reads JSON back. */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readJsonRows, runQueryStepLocally, TargetNotEmptyError } from '../../../../local/jobs/engine';
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
    expect(readdirSync(join(lakeDir, 'out/bad'))).toEqual([]);
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
