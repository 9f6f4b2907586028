/**
 * Items table adapter (env ITEMS_TABLE_NAME, partition key `itemId`): writes each item's UpdateItem with
 * bounded concurrency. The SDK retries throttling with backoff; an item still failing is reported by id,
 * never dropped silently (the handler answers 503 with the ids to resend).
 *
 * Each UpdateItem returns the stored item (ReturnValues ALL_NEW, no extra read); the stored items then update
 * the new-arrivals rows and, with a promotion filter, the promoted-items row (catalogue-indexes.ts, the same
 * path as the consumer's catalogue fill). An item whose index rows could not be updated is reported as
 * failed, so the client resends it (idempotent).
 */
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { FilterRule } from '../shared/recommend-rules';
import { DynamoCatalogueIndexes } from './catalogue-indexes';
import type { ItemUpdate } from './catalogue-request';

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
    ...(update.condition ? { ConditionExpression: update.condition } : {}),
    ...(returnValues ? { ReturnValues: returnValues } : {}),
  });
}

export interface CatalogueWriteResult {
  readonly written: string[];
  readonly failed: Array<{ itemId: string; message: string }>;
  /** Items left alone because their update's condition did not hold (ItemUpdate `condition`). */
  readonly superseded?: string[];
}

export interface CatalogueWriter {
  write(updates: readonly ItemUpdate[]): Promise<CatalogueWriteResult>;
}

export class DynamoCatalogueWriter implements CatalogueWriter {
  private readonly indexes: DynamoCatalogueIndexes;

  constructor(
    private readonly tableName: string,
    private readonly client: DynamoDBDocumentClient,
    private readonly concurrency = 16,
    /** The deployment's promotion filter when the catalogue can index it (`indexedPromotionFilter`). */
    promotion?: FilterRule,
  ) {
    this.indexes = new DynamoCatalogueIndexes(tableName, client, promotion);
  }

  async write(updates: readonly ItemUpdate[]): Promise<CatalogueWriteResult> {
    const written: string[] = [];
    const stored: Record<string, unknown>[] = [];
    const failed: CatalogueWriteResult['failed'] = [];
    const superseded: string[] = [];
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < updates.length; i = next++) {
        const update = updates[i] as ItemUpdate;
        try {
          const out = await this.client.send(updateCommandOf(this.tableName, update, 'ALL_NEW'));
          written.push(update.key.itemId);
          if (out.Attributes) stored.push(out.Attributes);
        } catch (error) {
          if (update.condition && isConditionFailure(error)) {
            superseded.push(update.key.itemId);
            continue;
          }
          failed.push({
            itemId: update.key.itemId,
            message: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
          });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, updates.length) }, worker));
    const unlisted = await this.indexes.index(stored);
    const notListed = new Set(unlisted.map((f) => f.itemId));
    return {
      written: written.filter((id) => !notListed.has(id)),
      failed: [...failed, ...unlisted],
      ...(superseded.length > 0 ? { superseded } : {}),
    };
  }
}

function isConditionFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}
