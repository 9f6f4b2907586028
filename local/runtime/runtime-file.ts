/**
 * `<data dir>/runtime.json`: what a running `npm start` tells the other commands (`recostream backfill --local`,
 * `dlq replay --local`, `jobs run --local`, the fault tests) about itself — the API URL and key, the emulators'
 * endpoints, the stream and table names, the lake and failed-batches folders, and its process id. This module
 * is its one home: the runtime writes it with `writeRuntimeFile`, every reader goes through `readRuntimeFile`,
 * which checks the shape with a zod schema and refuses a file whose process is gone.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

export const RUNTIME_FILE_NAME = 'runtime.json';

export const RuntimeFileSchema = z.object({
  /** DynamoDB (dynalite) endpoint. */
  dynamoEndpoint: z.string(),
  /** Table names by logical fragment (Profiles, ItemStats, WriteKeys, JobRuns, Similarities, Trending, Items). */
  tables: z.record(z.string(), z.string()),
  kinesisEndpoint: z.string().optional(),
  /** SQS endpoint (the local directory endpoint or moto) and the queue URLs by logical id. */
  sqsEndpoint: z.string().optional(),
  queues: z.record(z.string(), z.string()).optional(),
  /** The local API Gateway's base URL and the local API key. */
  apiUrl: z.string().optional(),
  apiKey: z.string().optional(),
  /** Stream names by logical id. */
  streams: z.record(z.string(), z.string()).optional(),
  lakeDir: z.string().optional(),
  /**
   * The lake bucket when moto serves S3: commands reach it through this endpoint, and read `lakeDir` (its
   * local copy) only after syncing it. Absent when the lake is the folder `lakeDir` itself.
   */
  lakeOnS3: z.object({ endpoint: z.string(), bucket: z.string() }).optional(),
  /** Where the consumer's event source mapping writes the batches it gave up on (S3 on-failure objects). */
  failedBatchesDir: z.string().optional(),
  /** The same batches when moto serves S3: objects in this bucket, read through this endpoint. */
  failedBatchesOnS3: z.object({ endpoint: z.string(), bucket: z.string() }).optional(),
  /** The process of `npm start`: a file whose process is gone is stale. */
  pid: z.number().int().optional(),
});

export type RuntimeFile = z.infer<typeof RuntimeFileSchema>;

export function runtimeFilePath(dataDir: string): string {
  return join(dataDir, RUNTIME_FILE_NAME);
}

/** Written once the runtime is up; `removeRuntimeFile` on stop. */
export function writeRuntimeFile(dataDir: string, info: RuntimeFile): void {
  writeFileSync(runtimeFilePath(dataDir), JSON.stringify(RuntimeFileSchema.parse(info), null, 2));
}

export function removeRuntimeFile(dataDir: string): void {
  rmSync(runtimeFilePath(dataDir), { force: true });
}

/** The running runtime's file, or an error that says what to do (start it, restart it, pass --data-dir). */
export function readRuntimeFile(
  dataDir: string,
  isAlive: (pid: number) => boolean = processIsAlive,
): RuntimeFile {
  const path = runtimeFilePath(dataDir);
  if (!existsSync(path))
    throw new Error(`${path} not found: start the local runtime first (npm start), or pass its --data-dir`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`${path} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = RuntimeFileSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    throw new Error(
      `${path} is not a runtime file of this version of npm start (${problems}): restart npm start`,
    );
  }
  const info = parsed.data;
  if (info.pid !== undefined && !isAlive(info.pid))
    throw new Error(`${path} is stale (process ${info.pid} is gone): start the local runtime (npm start)`);
  return info;
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
