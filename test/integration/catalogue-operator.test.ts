/**
 * The operator's writes to the catalogue, on the DynamoDB emulator.
 *
 * `recostream catalogue reindex` (local/tools/catalogue-reindex.ts): items the writer stored before the
 * deployment had a promotion filter join the promoted-items row, a new-arrivals row that lost an element gets
 * it back, a dry run writes nothing, the scan pages through the table, and a second run changes nothing.
 *
 * The replay of a refused request stores its items with a guard (lambdas/catalogue/store-items.ts,
 * `notUpdatedSince`): an item nobody updated since the refusal, or a new one, is written and logged to the
 * lake; an item a later PUT updated keeps that PUT's values, is reported as superseded (not as a failure) and
 * is not logged.
 */
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { itemUpdateOf } from '../../lambdas/catalogue/catalogue-request';
import { DynamoCatalogueWriter } from '../../lambdas/catalogue/dynamo-catalogue';
import type { ItemChangeLog } from '../../lambdas/catalogue/item-change-log';
import { storeCatalogueItems } from '../../lambdas/catalogue/store-items';
import type { CatalogueItem } from '../../lambdas/shared/catalogue';
import { newArrivalsKey, PROMOTED_ITEMS_KEY } from '../../lambdas/shared/catalogue';
import { decodeArrivals, NEW_ARRIVALS_ATTRIBUTE } from '../../lambdas/shared/new-arrivals';
import { PROMOTED_ITEMS_ATTRIBUTE } from '../../lambdas/shared/promoted-items';
import type { FilterRule } from '../../lambdas/shared/recommend-rules';
import { type RunningEmulator, startDynamoDb } from '../../local/emulators';
import { reindexCatalogue } from '../../local/tools/catalogue-reindex';
import { createItemsTable, localDocumentClient } from '../support/feature-tables';

jest.setTimeout(60_000);

let emulator: RunningEmulator;
let client: DynamoDBDocumentClient;
const TABLE = 'ReindexItems';
const GUARDED_TABLE = 'GuardedItems';
const now = new Date('2026-12-01T10:00:00.000Z');
const garden: FilterRule = { match: [{ field: 'category', in: ['garden'] }] };

beforeAll(async () => {
  emulator = await startDynamoDb();
  client = localDocumentClient(emulator.endpoint);
  await createItemsTable(client, TABLE);
  await createItemsTable(client, GUARDED_TABLE);
});

afterAll(async () => {
  await emulator?.stop();
});

const row = async (itemId: string) =>
  (await client.send(new GetCommand({ TableName: TABLE, Key: { itemId } }))).Item;
const listed = async (itemId: string, attribute: string) =>
  decodeArrivals((await row(itemId))?.[attribute])
    .map((a) => a.itemId)
    .sort();

it('rebuilds the promoted and new-arrivals rows from the items, once', async () => {
  // Written before the deployment configured its promotion filter.
  await new DynamoCatalogueWriter(TABLE, client).write(
    [
      { itemId: 'rake', category: 'garden', createdAt: '2026-11-01T00:00:00.000Z' },
      { itemId: 'hose', category: 'garden', availability: 'out_of_stock' as const },
      { itemId: 'seeds', category: 'garden' },
      { itemId: 'pan', category: 'kitchen', createdAt: '2026-11-02T00:00:00.000Z' },
    ].map((item) => itemUpdateOf(item, now)),
  );
  expect(await row(PROMOTED_ITEMS_KEY)).toBeUndefined();
  // A lost element (a write whose index update failed and was never resent).
  await client.send(
    new UpdateCommand({
      TableName: TABLE,
      Key: { itemId: newArrivalsKey('kitchen') },
      UpdateExpression: 'REMOVE #a',
      ExpressionAttributeNames: { '#a': NEW_ARRIVALS_ATTRIBUTE },
    }),
  );

  const dry = await reindexCatalogue({
    tableName: TABLE,
    client,
    promoted: true,
    promotion: garden,
    dryRun: true,
  });
  expect(dry.changes.map((c) => c.key)).toEqual([newArrivalsKey('kitchen'), PROMOTED_ITEMS_KEY]);
  expect(await row(PROMOTED_ITEMS_KEY)).toBeUndefined();

  const pages: number[] = [];
  const result = await reindexCatalogue({
    tableName: TABLE,
    client,
    promoted: true,
    promotion: garden,
    pageSize: 2,
    onPage: (rows) => pages.push(rows),
  });
  expect(result).toMatchObject({ items: 4, applied: true });
  expect(pages.length).toBeGreaterThan(2);
  expect(await listed(PROMOTED_ITEMS_KEY, PROMOTED_ITEMS_ATTRIBUTE)).toEqual(['rake', 'seeds']);
  expect(await listed(newArrivalsKey('kitchen'), NEW_ARRIVALS_ATTRIBUTE)).toEqual(['pan']);
  expect(await listed(newArrivalsKey('garden'), NEW_ARRIVALS_ATTRIBUTE)).toEqual(['rake']);

  const again = await reindexCatalogue({ tableName: TABLE, client, promoted: true, promotion: garden });
  expect(again.changes).toEqual([]);
});

const guarded = async (itemId: string) =>
  (await client.send(new GetCommand({ TableName: GUARDED_TABLE, Key: { itemId } }))).Item;

it('writes what nobody changed since the refusal and leaves what a later PUT changed', async () => {
  const writer = new DynamoCatalogueWriter(GUARDED_TABLE, client);
  const logged: string[] = [];
  const changes: ItemChangeLog = {
    append: async (items: readonly CatalogueItem[]) => {
      logged.push(...items.map((i) => i.itemId));
    },
  };
  const refusedAt = new Date('2026-12-01T10:00:00.000Z');
  // Before the refusal: 'old'; after it (the client resent a fixed request): 'newer'.
  await storeCatalogueItems(
    [{ itemId: 'old', title: 'Old title' }],
    new Date('2026-12-01T09:00:00.000Z'),
    writer,
  );
  await storeCatalogueItems(
    [{ itemId: 'newer', title: 'Resent' }],
    new Date('2026-12-01T10:00:01.000Z'),
    writer,
  );

  const result = await storeCatalogueItems(
    [
      { itemId: 'old', title: 'Replayed' },
      { itemId: 'newer', title: 'Replayed' },
      { itemId: 'fresh', title: 'Replayed' },
    ],
    new Date('2026-12-02T08:00:00.000Z'),
    writer,
    changes,
    { notUpdatedSince: refusedAt },
  );
  // Written in any order (concurrent UpdateItems).
  expect({ ...result, written: [...result.written].sort() }).toEqual({
    written: ['fresh', 'old'],
    failed: [],
    superseded: ['newer'],
  });
  expect(await guarded('old')).toMatchObject({ title: 'Replayed' });
  expect(await guarded('fresh')).toMatchObject({ title: 'Replayed' });
  expect(await guarded('newer')).toMatchObject({ title: 'Resent', updatedAt: '2026-12-01T10:00:01.000Z' });
  expect(logged.sort()).toEqual(['fresh', 'old']);
});
