/**
 * Runs a batch job's query step on DuckDB over the local lake, as Athena's UNLOAD runs it in AWS: the
 * step's SELECT (the same text) over the `events` and `cf_state` views of local/lake-query.ts, its rows
 * written to `<lakeDir>/<targetPrefix>part-0.parquet|json`. Like UNLOAD, a target prefix that already
 * holds files is refused, so a step never overwrites or mixes with an earlier run's output.
 */

import { createReadStream, existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { checkTargetPrefix, type QueryStep } from '../../lambdas/jobs/job-sql';
import { openLocalLake, sqlString } from '../lake/query';

export class TargetNotEmptyError extends Error {
  constructor(readonly target: string) {
    super(`target ${target} is not empty: a step never overwrites output (as Athena UNLOAD refuses to)`);
    this.name = 'TargetNotEmptyError';
  }
}

export interface LocalStepResult {
  /** Absolute path of the file written. */
  readonly file: string;
  readonly rows: number;
  readonly ms: number;
}

/** Runs one step; resolves when its file is complete. */
export async function runQueryStepLocally(step: QueryStep, lakeDir: string): Promise<void> {
  await runQueryStepWithResult(step, lakeDir);
}

/** runQueryStepLocally, also returning the file, row count and duration (CLI and benchmark). */
export async function runQueryStepWithResult(step: QueryStep, lakeDir: string): Promise<LocalStepResult> {
  const started = performance.now();
  const targetDir = join(lakeDir, ...checkTargetPrefix(step.targetPrefix).split('/').filter(Boolean));
  if (existsSync(targetDir) && (await readdir(targetDir)).length > 0)
    throw new TargetNotEmptyError(targetDir);
  const extension = step.format === 'PARQUET' ? 'parquet' : 'json';
  const file = join(targetDir, `part-0.${extension}`);
  // Written under a temporary name first: readers (the cf_state glob, the publisher) never see half a file.
  const partial = join(targetDir, `.part-0.${extension}.tmp`);
  const options = step.format === 'PARQUET' ? 'FORMAT parquet, COMPRESSION snappy' : 'FORMAT json';
  await mkdir(targetDir, { recursive: true });
  const lake = await openLocalLake(lakeDir);
  try {
    const result = await lake.runQuery(`COPY (\n${step.select}\n) TO ${sqlString(partial)} (${options})`);
    await rename(partial, file);
    const rows = Number(result.rows[0]?.[0] ?? 0);
    return { file, rows, ms: performance.now() - started };
  } catch (error) {
    await rm(partial, { force: true });
    throw new Error(
      `job step ${step.name} failed on DuckDB: ${error instanceof Error ? error.message : String(error)}`,
      {
        cause: error,
      },
    );
  } finally {
    await lake.close();
  }
}

/** Rows of every `*.json` / `*.json.gz` (and Athena's extension-less gzip) object in a folder, as NDJSON. */
export async function readJsonRows(dir: string): Promise<Record<string, unknown>[]> {
  if (!existsSync(dir)) return [];
  const rows: Record<string, unknown>[] = [];
  for (const name of (await readdir(dir)).sort()) {
    if (name.startsWith('.')) continue;
    const path = join(dir, name);
    const gzip = await isGzip(path);
    const input = gzip ? createReadStream(path).pipe(createGunzip()) : createReadStream(path);
    let lineNumber = 0;
    for await (const line of createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) {
      lineNumber++;
      if (line.trim() === '') continue;
      try {
        rows.push(JSON.parse(line) as Record<string, unknown>);
      } catch (error) {
        throw new Error(`${path}:${lineNumber}: not JSON: ${(error as Error).message}`);
      }
    }
  }
  return rows;
}

async function isGzip(path: string): Promise<boolean> {
  const stream = createReadStream(path, { start: 0, end: 1 });
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  const head = Buffer.concat(chunks);
  return head.length === 2 && head[0] === 0x1f && head[1] === 0x8b;
}
