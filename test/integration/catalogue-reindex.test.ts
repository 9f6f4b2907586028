/**
 * `recostream catalogue reindex` (local/tools/catalogue-reindex.ts) on the DynamoDB emulator: items the
 * writer stored before the deployment had a promotion filter join the promoted-items row, a new-arrivals row
 * that lost an element gets it back, a dry run writes nothing, the scan pages through the table, and a second
 * run changes nothing.
 */
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { itemUpdateOf } from '../../lambdas/catalogue/catalogue-request';
import { DynamoCatalogueWriter } from '../../lambdas/catalogue/dynamo-catalogue';
import { newArrivalsKey, PROMOTED_ITEMS_KEY } from '../../lambdas/shared/catalogue';
import { decodeArrivals, NEW_ARRIVALS_ATTRIBUTE } from '../../lambdas/shared/new-arrivals';
import { PROMOTED_ITEMS_ATTRIBUTE } from '../../lambdas/shared/promoted-items';
import type { FilterRule } from '../../lambdas/shared/recommend-rules';
import { createActiveTable, type RunningEmulator, startDynamoDb } from '../../local/emulators';
import { reindexCatalogue } from '../../local/tools/catalogue-reindex';
import { localDocumentClient } from '../support/feature-tables';

jest.setTimeout(60_000);

let emulator: RunningEmulator;
let client: DynamoDBDocumentClient;
const TABLE = 'ReindexItems';
const now = new Date('2026-12-01T10:00:00.000Z');
const garden: FilterRule = { match: [{ field: 'category', in: ['garden'] }] };

beforeAll(async () => {
  emulator = await startDynamoDb();
  client = localDocumentClient(emulator.endpoint);
  await createActiveTable(client, {
    TableName: TABLE,
    KeySchema: [{ AttributeName: 'itemId', KeyType: 'HASH' }],
    AttributeDefinitions: [{ AttributeName: 'itemId', AttributeType: 'S' }],
    BillingMode: 'PAY_PER_REQUEST',
  });
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
