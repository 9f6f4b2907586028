/**
 * The promoted-items index (lambdas/shared/promoted-items.ts, lambdas/catalogue/promoted-index.ts): which
 * promotion filters the catalogue can index, and what a write adds to or removes from the row (an item
 * leaves it when it stops matching or becomes unavailable).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { itemUpdateOf } from '../../../lambdas/catalogue/catalogue-request';
import { DynamoCatalogueWriter } from '../../../lambdas/catalogue/dynamo-catalogue';
import { promotedChange } from '../../../lambdas/catalogue/promoted-index';
import { PROMOTED_ITEMS_KEY } from '../../../lambdas/shared/catalogue';
import { decodeArrival } from '../../../lambdas/shared/new-arrivals';
import { indexedPromotionFilter, isIndexablePromotion } from '../../../lambdas/shared/promoted-items';
import { checkRulesConfig, type FilterRule } from '../../../lambdas/shared/recommend-rules';

const promoted: FilterRule = { match: [{ field: 'attribute', name: 'promoted', in: [true] }] };
const itemsOf = (elements: Set<string>) =>
  [...elements].map((e) => decodeArrival(e)).sort((a, b) => (a!.itemId < b!.itemId ? -1 : 1));

describe('isIndexablePromotion / indexedPromotionFilter', () => {
  it('indexes a filter on catalogue fields only', () => {
    expect(isIndexablePromotion(promoted)).toBe(true);
    expect(
      isIndexablePromotion({
        match: [
          { field: 'category', in: ['garden'] },
          { field: 'price', max: 20 },
        ],
      }),
    ).toBe(true);
  });

  it('leaves filters with parameters or on recency to the ranking window', () => {
    expect(
      isIndexablePromotion({
        params: { maxPrice: { type: 'number', default: 20 } },
        match: [{ field: 'price', max: { param: 'maxPrice' } }],
      }),
    ).toBe(false);
    expect(isIndexablePromotion({ match: [{ field: 'createdAt', withinDays: 30 }] })).toBe(false);
  });

  it('picks the promotion filter of a rules config', () => {
    const config = checkRulesConfig({ filters: { promoted }, promotion: { filter: 'promoted' } });
    expect(indexedPromotionFilter(config)).toEqual(promoted);
    expect(indexedPromotionFilter(checkRulesConfig({ filters: { promoted } }))).toBeUndefined();
  });
});

describe('promotedChange', () => {
  it('adds available matching items with their createdAt, removes the others', () => {
    const change = promotedChange(
      [
        { itemId: 'a', createdAt: '2026-11-01T00:00:00.000Z', attributes: { promoted: true } },
        { itemId: 'b', attributes: { promoted: true } },
        { itemId: 'c', attributes: { promoted: false }, createdAt: '2026-11-02T00:00:00.000Z' },
        { itemId: 'd', attributes: { promoted: true }, availability: 'out_of_stock' },
        { itemId: 'e', attributes: { promoted: true }, availability: 'discontinued' },
        { notAnItem: true },
      ],
      promoted,
    );
    expect(itemsOf(change.add)).toEqual([
      { itemId: 'a', createdAt: Date.parse('2026-11-01T00:00:00.000Z') },
      { itemId: 'b', createdAt: 0 },
    ]);
    expect(itemsOf(change.remove).map((a) => a?.itemId)).toEqual(['c', 'd', 'e']);
  });
});

describe('DynamoCatalogueWriter keeps the promoted-items row', () => {
  const ddb = mockClient(DynamoDBDocumentClient);
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' }));
  const writer = new DynamoCatalogueWriter('Items', client, 1, promoted);
  const now = new Date('2026-12-01T08:00:00.000Z');
  /** What the table answers (ALL_NEW) for each item: the test sets the stored row; the promoted set. */
  let stored: Map<string, Record<string, unknown>>;
  let set: Set<string>;
  const put = (itemId: string) => itemUpdateOf({ itemId, title: itemId }, now);
  const listed = () => [...set].map((e) => decodeArrival(e)?.itemId).sort();

  beforeEach(() => {
    ddb.reset();
    stored = new Map();
    set = new Set();
    ddb.on(UpdateCommand).callsFake((input: UpdateCommandInput) => {
      const itemId = input.Key?.itemId as string;
      if (itemId !== PROMOTED_ITEMS_KEY) return { Attributes: stored.get(itemId) ?? { itemId } };
      const values = input.ExpressionAttributeValues ?? {};
      const elements: Set<string> = values[':elements'] ?? values[':surplus'];
      for (const e of elements) {
        if (input.UpdateExpression?.startsWith('ADD')) set.add(e);
        else set.delete(e);
      }
      return set.size > 0 ? { Attributes: { promoted: new Set(set) } } : {};
    });
  });

  it('lists matching items, unlists them when they stop matching or go out of stock', async () => {
    stored.set('a', { itemId: 'a', attributes: { promoted: true }, createdAt: '2026-11-01T00:00:00.000Z' });
    stored.set('b', { itemId: 'b', attributes: { promoted: true } });
    stored.set('c', { itemId: 'c' });
    expect(await writer.write([put('a'), put('b'), put('c')])).toEqual({
      written: ['a', 'b', 'c'],
      failed: [],
    });
    expect(listed()).toEqual(['a', 'b']);
    // a's createdAt changes while it stops matching: every element of a leaves the row.
    stored.set('a', { itemId: 'a', attributes: { promoted: false }, createdAt: '2026-11-05T00:00:00.000Z' });
    await writer.write([put('a')]);
    expect(listed()).toEqual(['b']);
    stored.set('b', { itemId: 'b', attributes: { promoted: true }, availability: 'out_of_stock' });
    await writer.write([put('b')]);
    expect(listed()).toEqual([]);
  });

  it('reports the items it could not list, so the client resends them', async () => {
    stored.set('a', { itemId: 'a', attributes: { promoted: true } });
    ddb.on(UpdateCommand, { Key: { itemId: PROMOTED_ITEMS_KEY } }).rejects(new Error('throttled'));
    const result = await writer.write([put('a')]);
    expect(result.written).toEqual([]);
    expect(result.failed).toEqual([
      { itemId: 'a', message: expect.stringMatching(/promoted items not updated: .*throttled/) },
    ]);
  });

  it('without a promotion filter, never touches the row', async () => {
    stored.set('a', { itemId: 'a', attributes: { promoted: true } });
    await new DynamoCatalogueWriter('Items', client, 1).write([put('a')]);
    expect(ddb.commandCalls(UpdateCommand).map((c) => c.args[0].input.Key?.itemId)).toEqual(['a']);
  });
});
