/**
 * Keeps the Items table's index rows current after items were written: the per-category new-arrivals rows
 * (lambdas/shared/new-arrivals.ts) and, with a promotion filter, the promoted-items row
 * (lambdas/shared/promoted-items.ts). One code path for every writer of items: the catalogue API
 * (dynamo-catalogue.ts) and the consumer's catalogue fill (lambdas/consumer/dynamo-catalogue-fill.ts) both
 * hand it the items as stored after their UpdateItem (ReturnValues ALL_NEW, no extra read).
 *
 * Items with a category and a createdAt are ADDed to their category's new-arrivals row: one UpdateItem per
 * category, plus one DELETE when the set outgrew its bound. The promoted row gets one UpdateItem per call
 * (ADD the matching items, else DELETE the others), plus one DELETE for what must leave it. Every operation
 * is an atomic set ADD/DELETE, so replays change nothing. Items whose rows could not be updated are returned
 * with the reason, never dropped: the caller reports them (the API answers 503, the fill retries at the
 * item's next event).
 */
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { newArrivalsKey, PROMOTED_ITEMS_KEY } from '../shared/catalogue';
import { decodeArrival, NEW_ARRIVALS_ATTRIBUTE, surplusOf } from '../shared/new-arrivals';
import { MAX_PROMOTED_ITEMS, PROMOTED_ITEMS_ATTRIBUTE } from '../shared/promoted-items';
import type { FilterRule } from '../shared/recommend-rules';
import { arrivalsByCategory } from './new-arrivals-index';
import { promotedChange } from './promoted-index';

/** An item whose index rows were not updated, and why. */
export interface UnindexedItem {
  readonly itemId: string;
  readonly message: string;
}

export class DynamoCatalogueIndexes {
  constructor(
    private readonly tableName: string,
    private readonly client: DynamoDBDocumentClient,
    /** The deployment's promotion filter when the catalogue can index it (`indexedPromotionFilter`). */
    private readonly promotion?: FilterRule,
  ) {}

  /** Updates the index rows from the items as stored; returns the items it could not list or unlist. */
  async index(stored: readonly Record<string, unknown>[]): Promise<UnindexedItem[]> {
    if (stored.length === 0) return [];
    return [...(await this.listNewArrivals(stored)), ...(await this.listPromoted(stored))];
  }

  /** ADDs (or DELETEs) `elements` to the string set `attribute` of row `itemId`; returns the set after. */
  async updateSet(
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

  private async listNewArrivals(stored: readonly Record<string, unknown>[]): Promise<UnindexedItem[]> {
    const failed: UnindexedItem[] = [];
    for (const [category, elements] of arrivalsByCategory(stored)) {
      try {
        const row = newArrivalsKey(category);
        const now = await this.updateSet(row, NEW_ARRIVALS_ATTRIBUTE, 'ADD', elements);
        const surplus = surplusOf(now, elements);
        if (surplus.length > 0) await this.updateSet(row, NEW_ARRIVALS_ATTRIBUTE, 'DELETE', new Set(surplus));
      } catch (error) {
        failed.push(...unindexed(elements, `new arrivals of ${category} not updated: ${describe(error)}`));
      }
    }
    return failed;
  }

  private async listPromoted(stored: readonly Record<string, unknown>[]): Promise<UnindexedItem[]> {
    if (!this.promotion) return [];
    const { add, remove } = promotedChange(stored, this.promotion);
    if (add.size === 0 && remove.size === 0) return [];
    try {
      await this.updatePromoted(add, remove);
      return [];
    } catch (error) {
      return unindexed([...add, ...remove], `promoted items not updated: ${describe(error)}`);
    }
  }

  private async updatePromoted(add: ReadonlySet<string>, remove: ReadonlySet<string>): Promise<void> {
    const elements =
      add.size > 0
        ? await this.updateSet(PROMOTED_ITEMS_KEY, PROMOTED_ITEMS_ATTRIBUTE, 'ADD', add)
        : await this.updateSet(PROMOTED_ITEMS_KEY, PROMOTED_ITEMS_ATTRIBUTE, 'DELETE', remove);
    const leaving = new Set([...remove].map((e) => decodeArrival(e)?.itemId));
    const surplus = new Set(surplusOf(elements, add, MAX_PROMOTED_ITEMS));
    for (const element of elements) if (leaving.has(decodeArrival(element)?.itemId)) surplus.add(element);
    if (surplus.size > 0)
      await this.updateSet(PROMOTED_ITEMS_KEY, PROMOTED_ITEMS_ATTRIBUTE, 'DELETE', surplus);
  }
}

function unindexed(elements: Iterable<string>, message: string): UnindexedItem[] {
  return [...elements].flatMap((element) => {
    const itemId = decodeArrival(element)?.itemId;
    return itemId === undefined ? [] : [{ itemId, message }];
  });
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
