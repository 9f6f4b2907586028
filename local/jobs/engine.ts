/**
 * Runs a batch job's query step on DuckDB over the local lake, as Athena's UNLOAD runs it in AWS: the
 * step's SELECT (the same text) over the `events` and `cf_state` views of local/lake/query.ts (on the lake
 * bucket's local copy), its rows written by DuckDB to a staging folder and then put to the lake bucket as
 * `<targetPrefix>part-0.parquet|json` (moved into the bucket's folder, or a PutObject on moto, where the
 * job's functions then read it through S3). Like UNLOAD, a target prefix that already holds objects is
 * refused, so a step never overwrites or mixes with an earlier run's output.
 */

import { createReadStream, existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { checkTargetPrefix, type QueryStep } from '../../lambdas/jobs/job-sql';
import { type BucketLocation, bucketStorage } from '../lake/bucket-storage';
import { openBucketLake, sqlString } from '../lake/query';

export class TargetNotEmptyError extends Error {
  constructor(readonly target: string) {
    super(`target ${target} is not empty: a step never overwrites output (as Athena UNLOAD refuses to)`);
    this.name = 'TargetNotEmptyError';
  }
}

export interface LocalStepResult {
  /** Where the result is: an absolute path in the lake folder, or `s3://<bucket>/<key>` on moto. */
  readonly file: string;
  readonly rows: number;
  readonly ms: number;
}

/** Runs one step; resolves when its object is in the lake bucket. */
export async function runQueryStepLocally(step: QueryStep, lake: BucketLocation): Promise<void> {
  await runQueryStepWithResult(step, lake);
}

/** runQueryStepLocally, also returning the object, row count and duration (CLI and benchmark). */
export async function runQueryStepWithResult(
  step: QueryStep,
  lake: BucketLocation,
): Promise<LocalStepResult> {
  const started = performance.now();
  const bucket = bucketStorage(lake);
  const prefix = checkTargetPrefix(step.targetPrefix);
  if ((await bucket.list(prefix)).length > 0)
    throw new TargetNotEmptyError(`${bucket.description}/${prefix}`);
  const extension = step.format === 'PARQUET' ? 'parquet' : 'json';
  const options = step.format === 'PARQUET' ? 'FORMAT parquet, COMPRESSION snappy' : 'FORMAT json';
  // Staged outside the lake: readers (the cf_state glob, the publisher) never see half a file.
  const staging = await mkdtemp(join(tmpdir(), 'recostream-step-'));
  const staged = join(staging, `part-0.${extension}`);
  const engine = await openBucketLake(bucket);
  try {
    const result = await engine.runQuery(`COPY (\n${step.select}\n) TO ${sqlString(staged)} (${options})`);
    const file = await bucket.put(`${prefix}part-0.${extension}`, { file: staged });
    const rows = Number(result.rows[0]?.[0] ?? 0);
    return { file, rows, ms: performance.now() - started };
  } catch (error) {
    throw new Error(
      `job step ${step.name} failed on DuckDB: ${error instanceof Error ? error.message : String(error)}`,
      {
        cause: error,
      },
    );
  } finally {
    await engine.close();
    await rm(staging, { recursive: true, force: true });
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
