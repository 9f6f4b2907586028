/**
 * Items table adapter (env ITEMS_TABLE_NAME, partition key `itemId`): writes each item's UpdateItem with
 * bounded concurrency. The SDK retries throttling with backoff; an item still failing is reported by id,
 * never dropped silently (the handler answers 503 with the ids to resend).
 */
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ItemUpdate } from './catalogue-request';

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
    const failed: CatalogueWriteResult['failed'] = [];
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < updates.length; i = next++) {
        const update = updates[i] as ItemUpdate;
        try {
          await this.client.send(
            new UpdateCommand({
              TableName: this.tableName,
              Key: update.key,
              UpdateExpression: update.updateExpression,
              ExpressionAttributeNames: update.names,
              ExpressionAttributeValues: update.values,
            }),
          );
          written.push(update.key.itemId);
        } catch (error) {
          failed.push({
            itemId: update.key.itemId,
            message: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
          });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, updates.length) }, worker));
    return { written, failed };
  }
}
