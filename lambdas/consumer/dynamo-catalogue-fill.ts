/**
 * Fills catalogue items from the consumer's batches (catalogue-fill.ts) in the Items table (env
 * ITEMS_TABLE_NAME; UpdateItem only): one `if_not_exists` update per item per batch, bounded concurrency,
 * skipping fills this environment already wrote. A failed item is returned, not thrown: the profile and item
 * statistics of the batch do not depend on it, the events stay in the lake, and the item's next event tries
 * again (it was not remembered).
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { updateCommandOf } from '../catalogue/dynamo-catalogue';
import type { CanonicalEvent } from '../shared/events';
import { catalogueFillsOf, FilledItems, fillUpdateOf } from './catalogue-fill';

export interface CatalogueFillResult {
  readonly written: number;
  readonly failed: ReadonlyArray<{ readonly itemId: string; readonly message: string }>;
}

export class DynamoCatalogueFiller {
  constructor(
    private readonly tableName: string,
    private readonly client: DynamoDBDocumentClient,
    private readonly filled: FilledItems = new FilledItems(),
    private readonly concurrency = 8,
  ) {}

  async fill(events: readonly CanonicalEvent[]): Promise<CatalogueFillResult> {
    const pending = [...this.filled.pending(catalogueFillsOf(events))];
    const failed: Array<{ itemId: string; message: string }> = [];
    let written = 0;
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < pending.length; i = next++) {
        const [itemId, fill] = pending[i] as (typeof pending)[number];
        try {
          await this.client.send(updateCommandOf(this.tableName, fillUpdateOf(itemId, fill)));
          this.filled.remember(itemId, fill);
          written++;
        } catch (error) {
          failed.push({
            itemId,
            message: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
          });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, pending.length) }, worker));
    return { written, failed };
  }
}
