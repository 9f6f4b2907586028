/**
 * Items table adapter (env ITEMS_TABLE_NAME, partition key `itemId`): writes each item's UpdateItem with
 * bounded concurrency. The SDK retries throttling with backoff; an item still failing is reported by id,
 * never dropped silently (the handler answers 503 with the ids to resend).
 *
 * Each UpdateItem returns the stored item (ReturnValues ALL_NEW, no extra read); items with a category and a
 * createdAt are then ADDed to their category's new-arrivals row (lambdas/shared/new-arrivals.ts): one
 * UpdateItem per category per request, plus one DELETE when the set outgrew its bound. An item whose
 * category row could not be updated is reported as failed, so the client resends it (idempotent).
 *
 * With a promotion filter (`promotion`, lambdas/shared/promoted-items.ts), the stored items also update the
 * promoted-items row: one UpdateItem per request (ADD the matching ones, else DELETE the others), plus one
 * DELETE for what must leave it. Items whose row could not be updated are reported as failed too.
 */
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { newArrivalsKey, PROMOTED_ITEMS_KEY } from '../shared/catalogue';
import { decodeArrival, NEW_ARRIVALS_ATTRIBUTE, surplusOf } from '../shared/new-arrivals';
import { MAX_PROMOTED_ITEMS, PROMOTED_ITEMS_ATTRIBUTE } from '../shared/promoted-items';
import type { FilterRule } from '../shared/recommend-rules';
import type { ItemUpdate } from './catalogue-request';
import { arrivalsByCategory } from './new-arrivals-index';
import { promotedChange } from './promoted-index';

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
    /** The deployment's promotion filter when the catalogue can index it (`indexedPromotionFilter`). */
    private readonly promotion?: FilterRule,
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
    const unlisted = [...(await this.listNewArrivals(stored)), ...(await this.listPromoted(stored))];
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

  /** Updates the promoted-items row from the stored items; returns the items it could not list or unlist. */
  private async listPromoted(
    stored: readonly Record<string, unknown>[],
  ): Promise<CatalogueWriteResult['failed']> {
    if (!this.promotion) return [];
    const { add, remove } = promotedChange(stored, this.promotion);
    if (add.size === 0 && remove.size === 0) return [];
    try {
      await this.updatePromoted(add, remove);
      return [];
    } catch (error) {
      const message = `promoted items not updated: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
      return [...add, ...remove].flatMap((element) => {
        const itemId = decodeArrival(element)?.itemId;
        return itemId === undefined ? [] : [{ itemId, message }];
      });
    }
  }

  private async updatePromoted(add: ReadonlySet<string>, remove: ReadonlySet<string>): Promise<void> {
    const elements = [
      ...(add.size > 0
        ? await this.updateSet(PROMOTED_ITEMS_KEY, PROMOTED_ITEMS_ATTRIBUTE, 'ADD', add)
        : await this.updateSet(PROMOTED_ITEMS_KEY, PROMOTED_ITEMS_ATTRIBUTE, 'DELETE', remove)),
    ];
    const leaving = new Set([...remove].map((e) => decodeArrival(e)?.itemId));
    const surplus = new Set(surplusOf(elements, add, MAX_PROMOTED_ITEMS));
    for (const element of elements) if (leaving.has(decodeArrival(element)?.itemId)) surplus.add(element);
    if (surplus.size > 0)
      await this.updateSet(PROMOTED_ITEMS_KEY, PROMOTED_ITEMS_ATTRIBUTE, 'DELETE', surplus);
  }

  private async addArrivals(category: string, elements: ReadonlySet<string>): Promise<void> {
    const itemId = newArrivalsKey(category);
    const now = await this.updateSet(itemId, NEW_ARRIVALS_ATTRIBUTE, 'ADD', elements);
    const surplus = surplusOf(now, elements);
    if (surplus.length > 0) await this.updateSet(itemId, NEW_ARRIVALS_ATTRIBUTE, 'DELETE', new Set(surplus));
  }

  /** ADDs `elements` to (or DELETEs them from) the string set `attribute` of row `itemId`; returns the set after. */
  private async updateSet(
    itemId: string,
    attribute: string,
    operation: 'ADD' | 'DELETE',
    elements: ReadonlySet<string>,
  ): Promise<Set<string>> {
    const placeholder = operation === 'ADD' ? ':elements' : ':surplus';
    const out = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { itemId },
        UpdateExpression: `${operation} #${attribute} ${placeholder}`,
        ExpressionAttributeNames: { [`#${attribute}`]: attribute },
        ExpressionAttributeValues: { [placeholder]: new Set(elements) },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const after = out.Attributes?.[attribute];
    return after instanceof Set ? (after as Set<string>) : new Set();
  }
}
