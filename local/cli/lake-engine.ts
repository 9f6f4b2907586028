/**
 * The engine a lake command runs SQL on, from its options: DuckDB over the local lake folder (synced first from
 * moto's S3 when the runtime on the data directory keeps its lake there), or Athena
 * (workgroup and Glue database from the options or RECOSTREAM_ATHENA_WORKGROUP / RECOSTREAM_GLUE_DATABASE).
 * Shared by `recostream query` and `recostream experiment report`.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { AthenaClient } from '@aws-sdk/client-athena';
import { AthenaLake } from '../lake/athena-query';
import { type LakeQueryEngine, localLakeDir, openBucketLake, openLocalLake } from '../lake/query';
import { runningLakeOnS3 } from '../runtime/local-buckets';
import { type CliIo, UsageError } from './kit';

export interface LakeEngineOptions {
  readonly athena: boolean;
  readonly workgroup?: string;
  readonly database?: string;
  readonly dataDir?: string;
  readonly lakeDir?: string;
}

/** The engine and what to release after `engine.close()`; usage errors name the conflicting options. */
export async function openLakeEngine(
  options: LakeEngineOptions,
  io: CliIo,
  command: string,
): Promise<{ engine: LakeQueryEngine; release: () => void }> {
  if (options.athena) {
    if (options.dataDir !== undefined || options.lakeDir !== undefined)
      throw new UsageError('--data-dir and --lake-dir are for the local lake, not --athena');
    const workGroup = options.workgroup ?? process.env.RECOSTREAM_ATHENA_WORKGROUP;
    if (!workGroup)
      throw new UsageError(
        'Athena needs --workgroup WG (stack output AthenaWorkGroupName, or RECOSTREAM_ATHENA_WORKGROUP)',
      );
    const database = options.database ?? process.env.RECOSTREAM_GLUE_DATABASE;
    const client = new AthenaClient({});
    const engine = new AthenaLake({
      client,
      workGroup,
      ...(database ? { database } : {}),
      onState: (state, id) => {
        if (state === 'QUEUED' || state === 'RUNNING') io.err(`  Athena query ${id}: ${state}`);
      },
    });
    return { engine, release: () => client.destroy() };
  }
  if (options.workgroup !== undefined || options.database !== undefined)
    throw new UsageError('--workgroup and --database are for Athena, not the local lake');
  if (options.dataDir !== undefined && options.lakeDir !== undefined)
    throw new UsageError('give --data-dir or --lake-dir, not both');
  // A runtime whose lake is on moto's S3: DuckDB over the bucket's copy, synced first.
  const onS3 =
    options.lakeDir === undefined ? runningLakeOnS3(resolve(options.dataDir ?? '.data')) : undefined;
  if (onS3) return { engine: await openBucketLake(onS3.storage), release: onS3.release };
  const lakeDir = resolve(options.lakeDir ?? localLakeDir(resolve(options.dataDir ?? '.data')));
  if (!existsSync(lakeDir)) io.err(`recostream ${command}: no lake at ${lakeDir} yet: the tables are empty`);
  return { engine: await openLocalLake(lakeDir), release: () => {} };
}
