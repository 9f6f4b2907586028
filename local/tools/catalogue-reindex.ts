/**
 * `recostream catalogue reindex`: rebuilds the Items table's index rows (per-category new arrivals, and the
 * promoted-items row when the deployment's rules are given) from the items, with a paginated, strongly
 * consistent Scan and then one ADD and/or one DELETE per row that differs (the plan:
 * lambdas/catalogue/index-rebuild.ts; the set updates: the writer's own DynamoCatalogueIndexes). Idempotent:
 * a second run finds nothing to change. Runs with the operator's credentials (or on the local emulator).
 */
import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoCatalogueIndexes } from '../../lambdas/catalogue/catalogue-indexes';
import { IndexRebuild, type IndexRowChange } from '../../lambdas/catalogue/index-rebuild';
import { CATALOGUE_READ_ATTRIBUTES } from '../../lambdas/shared/catalogue';
import { NEW_ARRIVALS_ATTRIBUTE } from '../../lambdas/shared/new-arrivals';
import { PROMOTED_ITEMS_ATTRIBUTE } from '../../lambdas/shared/promoted-items';
import type { FilterRule } from '../../lambdas/shared/recommend-rules';

export interface ReindexOptions {
  readonly tableName: string;
  readonly client: DynamoDBDocumentClient;
  /** Rebuild the promoted-items row too (the deployment's rules are known). */
  readonly promoted: boolean;
  /** The promotion filter the deployment indexes (indexedPromotionFilter); none empties the row. */
  readonly promotion?: FilterRule;
  /** Plan only: nothing is written. */
  readonly dryRun?: boolean;
  /** @default 1000 */
  readonly pageSize?: number;
  /** Called after each page (progress). */
  readonly onPage?: (rowsSoFar: number) => void;
}

export interface ReindexResult {
  readonly rowsScanned: number;
  readonly items: number;
  readonly changes: readonly IndexRowChange[];
  readonly applied: boolean;
}

const SCANNED_ATTRIBUTES = [...CATALOGUE_READ_ATTRIBUTES, NEW_ARRIVALS_ATTRIBUTE, PROMOTED_ITEMS_ATTRIBUTE];

export async function reindexCatalogue(options: ReindexOptions): Promise<ReindexResult> {
  const { tableName, client } = options;
  const rebuild = new IndexRebuild({
    promoted: options.promoted,
    ...(options.promotion ? { promotion: options.promotion } : {}),
  });
  let rowsScanned = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: tableName,
        ConsistentRead: true,
        Limit: options.pageSize ?? 1000,
        ProjectionExpression: SCANNED_ATTRIBUTES.map((_, i) => `#a${i}`).join(', '),
        ExpressionAttributeNames: Object.fromEntries(SCANNED_ATTRIBUTES.map((name, i) => [`#a${i}`, name])),
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    const rows = page.Items ?? [];
    rowsScanned += rows.length;
    rebuild.add(rows);
    options.onPage?.(rowsScanned);
    startKey = page.LastEvaluatedKey;
  } while (startKey);

  const changes = rebuild.changes();
  if (!options.dryRun) {
    const indexes = new DynamoCatalogueIndexes(tableName, client);
    for (const change of changes) {
      if (change.add.size > 0) await indexes.updateSet(change.key, change.attribute, 'ADD', change.add);
      if (change.remove.size > 0)
        await indexes.updateSet(change.key, change.attribute, 'DELETE', change.remove);
    }
  }
  return { rowsScanned, items: rebuild.items, changes, applied: !options.dryRun };
}
