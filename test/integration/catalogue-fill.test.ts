/**
 * Catalogue items filled by the consumer from events, on the DynamoDB emulator (dynalite, or moto with
 * RECOSTREAM_EMULATORS=moto): a field the catalogue API set is never overwritten by events, fields it did not
 * set are filled, a replayed batch changes nothing (and, in the same environment, writes nothing), and an
 * item the API writes after the events keeps the API's values.
 */
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { itemUpdateOf } from '../../lambdas/catalogue/catalogue-request';
import { DynamoCatalogueWriter } from '../../lambdas/catalogue/dynamo-catalogue';
import { DynamoCatalogueFiller } from '../../lambdas/consumer/dynamo-catalogue-fill';
import { type CanonicalEvent, normalizeEvent } from '../../lambdas/shared/events';
import { createActiveTable, type RunningEmulator, startDynamoDb } from '../../local/emulators';
import { localDocumentClient } from '../support/feature-tables';

jest.setTimeout(60_000);

let emulator: RunningEmulator;
let client: DynamoDBDocumentClient;
const TABLE = 'FillItems';
const now = new Date('2026-12-01T10:00:00.000Z');

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

const view = (itemId: string, fields: Record<string, unknown>): CanonicalEvent => {
  const result = normalizeEvent(
    { type: 'product_view', userId: 'u1', itemId, occurredAt: '2026-12-01T09:00:00.000Z', ...fields },
    { receivedAt: now },
  );
  if (!result.ok) throw new Error(JSON.stringify(result.rejection));
  return result.event;
};
const stored = async (itemId: string) =>
  (await client.send(new GetCommand({ TableName: TABLE, Key: { itemId } }))).Item;

it('PUT wins over events; events fill what the PUT left out; a replayed batch changes nothing', async () => {
  const writer = new DynamoCatalogueWriter(TABLE, client);
  expect(
    await writer.write([itemUpdateOf({ itemId: 'put-first', title: 'From the PIM', price: 10 }, now)]),
  ).toEqual({ written: ['put-first'], failed: [] });

  const batch = [
    view('put-first', { title: 'From an event', price: 8, category: 'garden', currency: 'EUR' }),
    view('events-only', { title: 'Seed tray', price: 4, category: 'garden' }),
  ];
  expect(await new DynamoCatalogueFiller(TABLE, client).fill(batch)).toEqual({ written: 2, failed: [] });
  expect(await stored('put-first')).toMatchObject({
    title: 'From the PIM',
    price: 10,
    category: 'garden',
    currency: 'EUR',
  });
  expect(await stored('events-only')).toEqual({
    itemId: 'events-only',
    title: 'Seed tray',
    price: 4,
    category: 'garden',
  });

  // A replay, in a fresh environment (nothing remembered): the same values, nothing changes.
  const before = [await stored('put-first'), await stored('events-only')];
  const fresh = new DynamoCatalogueFiller(TABLE, client);
  expect(await fresh.fill(batch)).toEqual({ written: 2, failed: [] });
  expect([await stored('put-first'), await stored('events-only')]).toEqual(before);
  // In the same environment it is not even written again.
  expect(await fresh.fill(batch)).toEqual({ written: 0, failed: [] });

  // The API later sets the title of an item the events described: the API's value stands.
  await writer.write([itemUpdateOf({ itemId: 'events-only', title: 'Seed tray, 24 cells' }, now)]);
  await new DynamoCatalogueFiller(TABLE, client).fill([view('events-only', { title: 'Seed tray' })]);
  expect(await stored('events-only')).toMatchObject({ title: 'Seed tray, 24 cells', price: 4 });
});
