/**
 * The local lake purge: completes the pending deletion requests of a running local runtime with DuckDB
 * over `<dataDir>/lake/events` (the scheduled step; run it with `completeLocalDeletions`).
 */
import { join } from 'node:path';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { completePendingDeletions } from '../lambdas/deletion/deletion-request';
import { DuckDbLakePurger } from '../lambdas/deletion/duckdb-lake-purger';
import { DynamoDeletionRequestStore, DynamoProfileEraser } from '../lambdas/deletion/dynamo-deletion-store';

export interface LocalDeletionTarget {
  readonly dynamo: DynamoDBDocumentClient;
  readonly lakeDir?: string;
  tableName(fragment: string): string;
}

export async function completeLocalDeletions(
  runtime: LocalDeletionTarget,
  now: () => Date = () => new Date(),
) {
  if (!runtime.lakeDir) throw new Error('The local runtime has no lake folder: nothing to purge');
  return completePendingDeletions(
    {
      profiles: new DynamoProfileEraser(runtime.dynamo, runtime.tableName('Profiles')),
      requests: new DynamoDeletionRequestStore(runtime.dynamo, runtime.tableName('DeletionRequests')),
      lake: new DuckDbLakePurger(join(runtime.lakeDir, 'events')),
    },
    now,
  );
}
