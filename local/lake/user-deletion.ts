/**
 * The local lake purge: completes the pending deletion requests of a running local runtime with DuckDB
 * over the lake's `events/`, then drops their Firehose error records under `errors/` (the scheduled step;
 * run it with `completeLocalDeletions`). The counts it returns are of both. It edits the lake bucket's local
 * copy (the bucket's folder by default) and then writes the changes back to the bucket (on moto: PutObject
 * of each rewritten file, DeleteObjects of each emptied one).
 */
import { join } from 'node:path';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { LakePurger } from '../../lambdas/deletion/deletion-request';
import { completePendingDeletions } from '../../lambdas/deletion/deletion-request';
import { DuckDbLakePurger } from '../../lambdas/deletion/duckdb-lake-purger';
import {
  DynamoDeletionRequestStore,
  DynamoProfileEraser,
} from '../../lambdas/deletion/dynamo-deletion-store';
import { DELIVERY_ERRORS_PREFIX, EVENTS_PREFIX } from '../../lambdas/shared/lake-layout';
import { lakeIdentifier, parsePseudonymKey } from '../../lambdas/shared/pseudonym';
import { ensureLocalPseudonymKey, usesPseudonymKey } from '../runtime/pseudonym-key';
import type { LocalTopology } from '../topology';
import { type BucketStorage, writeBackLocalCopy } from './bucket-storage';
import { LocalDeliveryErrorsPurger } from './delivery-errors-purge';

export interface LocalDeletionTarget {
  readonly dynamo: DynamoDBDocumentClient;
  /** The lake bucket (its folder, or the bucket on moto). */
  readonly lake?: BucketStorage;
  /** With both, a pseudonymised lake (context pseudonymizeLakeUserIds) is searched for the pseudonyms too. */
  readonly dataDir?: string;
  readonly topology?: Pick<LocalTopology, 'functions'>;
  tableName(fragment: string): string;
}

/** Purges the real ids and, in a pseudonymised lake, the ids as the lake stores them. */
class BothIdFormsPurger implements LakePurger {
  constructor(
    private readonly inner: LakePurger,
    private readonly lakeIdentifier: (id: string) => string,
  ) {}

  purge(userIds: readonly string[], anonymousIds: readonly string[] = []) {
    const both = (ids: readonly string[]) => [...new Set([...ids, ...ids.map(this.lakeIdentifier)])];
    return this.inner.purge(both(userIds), both(anonymousIds));
  }
}

/** The events, then the error records; the counts are summed. */
class EventsThenErrorsPurger implements LakePurger {
  constructor(private readonly steps: readonly LakePurger[]) {}

  async purge(userIds: readonly string[], anonymousIds: readonly string[] = []) {
    const total = { filesRewritten: 0, rowsRemoved: 0 };
    for (const step of this.steps) {
      const done = await step.purge(userIds, anonymousIds);
      total.filesRewritten += done.filesRewritten;
      total.rowsRemoved += done.rowsRemoved;
    }
    return total;
  }
}

export async function completeLocalDeletions(
  runtime: LocalDeletionTarget,
  now: () => Date = () => new Date(),
) {
  if (!runtime.lake) throw new Error('The local runtime has no lake bucket: nothing to purge');
  const prefixes = [EVENTS_PREFIX, DELIVERY_ERRORS_PREFIX];
  const lakeDir = await runtime.lake.localCopy(prefixes);
  const result = await completePendingDeletions(
    {
      profiles: new DynamoProfileEraser(runtime.dynamo, runtime.tableName('Profiles')),
      requests: new DynamoDeletionRequestStore(runtime.dynamo, runtime.tableName('DeletionRequests')),
      lake: lakePurger(
        runtime,
        new EventsThenErrorsPurger([
          new DuckDbLakePurger(join(lakeDir, EVENTS_PREFIX)),
          new LocalDeliveryErrorsPurger(lakeDir),
        ]),
      ),
    },
    now,
  );
  await writeBackLocalCopy(runtime.lake, lakeDir, prefixes);
  return result;
}

function lakePurger(runtime: LocalDeletionTarget, purger: LakePurger): LakePurger {
  if (!runtime.dataDir || !runtime.topology || !usesPseudonymKey(runtime.topology)) return purger;
  const key = parsePseudonymKey(ensureLocalPseudonymKey(runtime.dataDir));
  return new BothIdFormsPurger(purger, (id) => lakeIdentifier(key, id));
}
