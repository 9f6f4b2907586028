/**
 * Storing catalogue items with a guard (lambdas/catalogue/store-items.ts, `notUpdatedSince`, what the replay
 * of a refused request uses) on the DynamoDB emulator: an item nobody updated since the refusal, or a new one,
 * is written and logged to the lake; an item a later PUT updated keeps that PUT's values, is reported as
 * superseded (not as a failure) and is not logged.
 */
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoCatalogueWriter } from '../../lambdas/catalogue/dynamo-catalogue';
import type { ItemChangeLog } from '../../lambdas/catalogue/item-change-log';
import { storeCatalogueItems } from '../../lambdas/catalogue/store-items';
import type { CatalogueItem } from '../../lambdas/shared/catalogue';
import { createActiveTable, type RunningEmulator, startDynamoDb } from '../../local/emulators';
import { localDocumentClient } from '../support/feature-tables';

jest.setTimeout(60_000);

let emulator: RunningEmulator;
let client: DynamoDBDocumentClient;
const TABLE = 'GuardedItems';

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

const stored = async (itemId: string) =>
  (await client.send(new GetCommand({ TableName: TABLE, Key: { itemId } }))).Item;

it('writes what nobody changed since the refusal and leaves what a later PUT changed', async () => {
  const writer = new DynamoCatalogueWriter(TABLE, client);
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
  expect(await stored('old')).toMatchObject({ title: 'Replayed' });
  expect(await stored('fresh')).toMatchObject({ title: 'Replayed' });
  expect(await stored('newer')).toMatchObject({ title: 'Resent', updatedAt: '2026-12-01T10:00:01.000Z' });
  expect(logged.sort()).toEqual(['fresh', 'old']);
});
