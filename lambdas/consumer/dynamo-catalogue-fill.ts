/**
 * Fills catalogue items from the consumer's batches (catalogue-fill.ts) in the Items table (env
 * ITEMS_TABLE_NAME; UpdateItem only): one `if_not_exists` update per item per batch, bounded concurrency,
 * skipping fills this environment already wrote. The items as stored after the fill (ReturnValues ALL_NEW)
 * then go through the catalogue writer's indexing (lambdas/catalogue/catalogue-indexes.ts): a filled item
 * that matches the deployment's promotion filter and is available joins the promoted-items row, one with a
 * category and a createdAt its category's new arrivals, exactly as after a `PUT /v1/items`.
 *
 * A failed item is returned, not thrown: the profile and item statistics of the batch do not depend on it,
 * the events stay in the lake, and the item's next event tries again (it was not remembered; an item whose
 * index rows were not updated is not remembered either).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoCatalogueIndexes } from '../catalogue/catalogue-indexes';
import { updateCommandOf } from '../catalogue/dynamo-catalogue';
import type { CanonicalEvent } from '../shared/events';
import type { FilterRule } from '../shared/recommend-rules';
import { type CatalogueFill, catalogueFillsOf, FilledItems, fillUpdateOf } from './catalogue-fill';

export interface CatalogueFillResult {
  readonly written: number;
  readonly failed: ReadonlyArray<{ readonly itemId: string; readonly message: string }>;
}

export interface CatalogueFillerOptions {
  /** The deployment's promotion filter when the catalogue can index it (`indexedPromotionFilter`). */
  readonly promotion?: FilterRule;
  /** @default a new FilledItems (per execution environment) */
  readonly filled?: FilledItems;
  /** @default 8 */
  readonly concurrency?: number;
}

export class DynamoCatalogueFiller {
  private readonly filled: FilledItems;
  private readonly concurrency: number;
  private readonly indexes: DynamoCatalogueIndexes;

  constructor(
    private readonly tableName: string,
    private readonly client: DynamoDBDocumentClient,
    options: CatalogueFillerOptions = {},
  ) {
    this.filled = options.filled ?? new FilledItems();
    this.concurrency = options.concurrency ?? 8;
    this.indexes = new DynamoCatalogueIndexes(tableName, client, options.promotion);
  }

  async fill(events: readonly CanonicalEvent[]): Promise<CatalogueFillResult> {
    const pending = [...this.filled.pending(catalogueFillsOf(events))];
    const failed: Array<{ itemId: string; message: string }> = [];
    const written: Array<[string, CatalogueFill]> = [];
    const stored: Record<string, unknown>[] = [];
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < pending.length; i = next++) {
        const [itemId, fill] = pending[i] as (typeof pending)[number];
        try {
          const out = await this.client.send(
            updateCommandOf(this.tableName, fillUpdateOf(itemId, fill), 'ALL_NEW'),
          );
          written.push([itemId, fill]);
          if (out.Attributes) stored.push(out.Attributes);
        } catch (error) {
          failed.push({
            itemId,
            message: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
          });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, pending.length) }, worker));
    const unindexed = await this.indexes.index(stored);
    const notIndexed = new Set(unindexed.map((u) => u.itemId));
    let count = 0;
    for (const [itemId, fill] of written) {
      if (notIndexed.has(itemId)) continue;
      this.filled.remember(itemId, fill);
      count++;
    }
    return { written: count, failed: [...failed, ...unindexed] };
  }
}
