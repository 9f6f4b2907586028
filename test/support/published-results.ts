/**
 * Writes batch-job results straight into the published tables of a running local runtime, in the shapes of
 * lambdas/shared/published.ts, stored as the publisher stores them (lambdas/shared/published-encoding.ts):
 * Similarities rows, Trending rows and the ACTIVE pointers in JobRuns.
 * `seedPublishedResults` stands in for a real `cf`/`trending` job run in the recommendation tests; with
 * the local job runner, a test can run the jobs instead and keep the same assertions.
 */
import { BatchWriteCommand, type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import {
  ACTIVE_POINTER_ID,
  type ActivePointer,
  type Neighbour,
  type SimilarityItem,
  type TrendingItem,
  trendingScope,
} from '../../lambdas/shared/published';
import { storedSimilarityRow, storedTrendingRow } from '../../lambdas/shared/published-encoding';
import type { LocalTopology } from '../../local/topology';

export interface PublishedTables {
  readonly similarities: string;
  readonly trending: string;
  readonly jobRuns: string;
}

/** The table names the recommendation function reads, from its environment in the template. */
export function publishedTablesOf(topology: LocalTopology): PublishedTables {
  const fn = [...topology.functions.values()].find((f) => f.environment.SIMILARITIES_TABLE_NAME);
  if (!fn)
    throw new Error('no function reads SIMILARITIES_TABLE_NAME: is the recommendation API in the stack?');
  return {
    similarities: fn.environment.SIMILARITIES_TABLE_NAME as string,
    trending: fn.environment.TRENDING_TABLE_NAME as string,
    jobRuns: fn.environment.JOB_RUNS_TABLE_NAME as string,
  };
}

export interface SeedResults {
  /**
   * Store the lists as DynamoDB lists of maps, as versions published before the packed format are (the
   * readers still accept them; the API bench's baseline). @default false
   */
  readonly legacyLists?: boolean;
  readonly cf?: { readonly version: string; readonly neighbours: ReadonlyMap<string, readonly Neighbour[]> };
  readonly trending?: {
    readonly version: string;
    readonly global: TrendingItem['items'];
    readonly byCategory?: ReadonlyMap<string, TrendingItem['items']>;
  };
}

/** Writes the rows of each given job's version, then flips that job's ACTIVE pointer to it. */
export async function seedPublishedResults(
  dynamo: DynamoDBDocumentClient,
  tables: PublishedTables,
  results: SeedResults,
  now = new Date(),
): Promise<void> {
  if (results.cf) {
    const { version } = results.cf;
    const rows: SimilarityItem[] = [...results.cf.neighbours].map(([itemId, neighbours]) => ({
      itemId,
      version,
      neighbours,
    }));
    await writeAll(dynamo, tables.similarities, results.legacyLists ? rows : rows.map(storedSimilarityRow));
    await activateVersion(dynamo, tables.jobRuns, 'cf', version, now);
  }
  if (results.trending) {
    const { version } = results.trending;
    const rows: TrendingItem[] = [
      { scope: trendingScope(), version, items: results.trending.global },
      ...[...(results.trending.byCategory ?? [])].map(([category, items]) => ({
        scope: trendingScope(category),
        version,
        items,
      })),
    ];
    await writeAll(dynamo, tables.trending, results.legacyLists ? rows : rows.map(storedTrendingRow));
    await activateVersion(dynamo, tables.jobRuns, 'trending', version, now);
  }
}

async function writeAll(
  dynamo: DynamoDBDocumentClient,
  table: string,
  rows: readonly object[],
): Promise<void> {
  for (let i = 0; i < rows.length; i += 25) {
    let pending = rows.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 5) throw new Error(`BatchWriteItem on ${table}: items still unprocessed`);
      const out = await dynamo.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
      pending = (out.UnprocessedItems?.[table] ?? []) as typeof pending;
    }
  }
}

/** Points a job's ACTIVE pointer at `version` (as a publish or a rollback would). */
export async function activateVersion(
  dynamo: DynamoDBDocumentClient,
  table: string,
  job: 'cf' | 'trending',
  version: string,
  now: Date,
): Promise<void> {
  const pointer: ActivePointer = {
    job,
    runId: ACTIVE_POINTER_ID,
    activeVersion: version,
    updatedAt: now.toISOString(),
    revision: 1,
  };
  await dynamo.send(new PutCommand({ TableName: table, Item: pointer }));
}
