/**
 * Items table adapter (env ITEMS_TABLE_NAME, partition key `itemId`): writes each item's UpdateItem with
 * bounded concurrency. The SDK retries throttling with backoff; an item still failing is reported by id,
 * never dropped silently (the handler answers 503 with the ids to resend).
 *
 * Each UpdateItem returns the stored item (ReturnValues ALL_NEW, no extra read); items with a category and a
 * createdAt are then ADDed to their category's new-arrivals row (lambdas/shared/new-arrivals.ts): one
 * UpdateItem per category per request, plus one DELETE when the set outgrew its bound. An item whose
 * category row could not be updated is reported as failed, so the client resends it (idempotent).
 */
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { newArrivalsKey } from '../shared/catalogue';
import { decodeArrival, NEW_ARRIVALS_ATTRIBUTE, surplusOf } from '../shared/new-arrivals';
import type { ItemUpdate } from './catalogue-request';
import { arrivalsByCategory } from './new-arrivals-index';

/** The UpdateItem command of one item update (also the consumer's catalogue fill). */
export function updateCommandOf(
  tableName: string,
  update: ItemUpdate,
  returnValues?: 'ALL_NEW',
): UpdateCommand {
  return new UpdateCommand({
    TableName: tableName,
    Key: update.key,
    UpdateExpression: update.updateExpression,
    ExpressionAttributeNames: update.names,
    ExpressionAttributeValues: update.values,
    ...(returnValues ? { ReturnValues: returnValues } : {}),
  });
}

export interface CatalogueWriteResult {
  readonly written: string[];
  readonly failed: Array<{ itemId: string; message: string }>;
}

export interface CatalogueWriter {
  write(updates: readonly ItemUpdate[]): Promise<CatalogueWriteResult>;
}

export class DynamoCatalogueWriter implements CatalogueWriter {
  constructor(
    private readonly tableName: string,
    private readonly client: DynamoDBDocumentClient,
    private readonly concurrency = 16,
  ) {}

  async write(updates: readonly ItemUpdate[]): Promise<CatalogueWriteResult> {
    const written: string[] = [];
    const stored: Record<string, unknown>[] = [];
    const failed: CatalogueWriteResult['failed'] = [];
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < updates.length; i = next++) {
        const update = updates[i] as ItemUpdate;
        try {
          const out = await this.client.send(updateCommandOf(this.tableName, update, 'ALL_NEW'));
          written.push(update.key.itemId);
          if (out.Attributes) stored.push(out.Attributes);
        } catch (error) {
          failed.push({
            itemId: update.key.itemId,
            message: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
          });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, updates.length) }, worker));
    const unlisted = await this.listNewArrivals(stored);
    if (unlisted.length === 0) return { written, failed };
    const notListed = new Set(unlisted.map((f) => f.itemId));
    return { written: written.filter((id) => !notListed.has(id)), failed: [...failed, ...unlisted] };
  }

  /** ADDs the stored items to their categories' new-arrivals rows; returns the items it could not list. */
  private async listNewArrivals(
    stored: readonly Record<string, unknown>[],
  ): Promise<CatalogueWriteResult['failed']> {
    const failed: CatalogueWriteResult['failed'] = [];
    for (const [category, elements] of arrivalsByCategory(stored)) {
      try {
        await this.addArrivals(category, elements);
      } catch (error) {
        const message = `new arrivals of ${category} not updated: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
        for (const element of elements) {
          const itemId = decodeArrival(element)?.itemId;
          if (itemId !== undefined) failed.push({ itemId, message });
        }
      }
    }
    return failed;
  }

  private async addArrivals(category: string, elements: ReadonlySet<string>): Promise<void> {
    const key = { itemId: newArrivalsKey(category) };
    const names = { '#arrivals': NEW_ARRIVALS_ATTRIBUTE };
    const out = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key,
        UpdateExpression: 'ADD #arrivals :elements',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ':elements': new Set(elements) },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const now = out.Attributes?.[NEW_ARRIVALS_ATTRIBUTE];
    const surplus = surplusOf(now instanceof Set ? (now as Set<string>) : [], elements);
    if (surplus.length === 0) return;
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key,
        UpdateExpression: 'DELETE #arrivals :surplus',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ':surplus': new Set(surplus) },
      }),
    );
  }
}
