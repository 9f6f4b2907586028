/**
 * The local lake purge: completes the pending deletion requests of a running local runtime with DuckDB
 * over `<dataDir>/lake/events` (the scheduled step; run it with `completeLocalDeletions`).
 */
import { join } from 'node:path';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { completePendingDeletions } from '../lambdas/deletion/deletion-request';
import { DuckDbLakePurger } from '../lambdas/deletion/duckdb-lake-purger';
import { DynamoDeletionRequestStore, DynamoProfileEraser } from '../lambdas/deletion/dynamo-deletion-store';
import { lakeIdentifier, parsePseudonymKey } from '../lambdas/shared/pseudonym';
import { ensureLocalPseudonymKey, usesPseudonymKey } from './pseudonym-key';
import type { LocalTopology } from './topology';

export interface LocalDeletionTarget {
  readonly dynamo: DynamoDBDocumentClient;
  readonly lakeDir?: string;
  /** With both, a pseudonymised lake (context pseudonymizeLakeUserIds) is searched for the pseudonyms too. */
  readonly dataDir?: string;
  readonly topology?: Pick<LocalTopology, 'functions'>;
  tableName(fragment: string): string;
}

/** Purges the real ids and, in a pseudonymised lake, the ids as the lake stores them. */
class BothIdFormsPurger {
  constructor(
    private readonly inner: DuckDbLakePurger,
    private readonly lakeIdentifier: (id: string) => string,
  ) {}

  purge(userIds: readonly string[]) {
    return this.inner.purge([...new Set([...userIds, ...userIds.map(this.lakeIdentifier)])]);
  }
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
      lake: lakePurger(runtime, new DuckDbLakePurger(join(runtime.lakeDir, 'events'))),
    },
    now,
  );
}

function lakePurger(runtime: LocalDeletionTarget, purger: DuckDbLakePurger) {
  if (!runtime.dataDir || !runtime.topology || !usesPseudonymKey(runtime.topology)) return purger;
  const key = parsePseudonymKey(ensureLocalPseudonymKey(runtime.dataDir));
  return new BothIdFormsPurger(purger, (id) => lakeIdentifier(key, id));
}
