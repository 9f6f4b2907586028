/**
 * Catalogue items filled by the consumer from events, on the DynamoDB emulator (dynalite, or moto with
 * RECOSTREAM_EMULATORS=moto): a field the catalogue API set is never overwritten by events, fields it did not
 * set are filled, a replayed batch changes nothing (and, in the same environment, writes nothing), an
 * item the API writes after the events keeps the API's values, and a filled item joins the promoted-items
 * and new-arrivals rows through the same indexing as a PUT.
 */
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { itemUpdateOf } from '../../lambdas/catalogue/catalogue-request';
import { DynamoCatalogueWriter } from '../../lambdas/catalogue/dynamo-catalogue';
import { DynamoCatalogueFiller } from '../../lambdas/consumer/dynamo-catalogue-fill';
import { newArrivalsKey, PROMOTED_ITEMS_KEY } from '../../lambdas/shared/catalogue';
import { type CanonicalEvent, normalizeEvent } from '../../lambdas/shared/events';
import { decodeArrivals, NEW_ARRIVALS_ATTRIBUTE } from '../../lambdas/shared/new-arrivals';
import { PROMOTED_ITEMS_ATTRIBUTE } from '../../lambdas/shared/promoted-items';
import type { FilterRule } from '../../lambdas/shared/recommend-rules';
import { type RunningEmulator, startDynamoDb } from '../../local/emulators';
import { createItemsTable, localDocumentClient } from '../support/feature-tables';

jest.setTimeout(60_000);

let emulator: RunningEmulator;
let client: DynamoDBDocumentClient;
const TABLE = 'FillItems';
const now = new Date('2026-12-01T10:00:00.000Z');

beforeAll(async () => {
  emulator = await startDynamoDb();
  client = localDocumentClient(emulator.endpoint);
  await createItemsTable(client, TABLE);
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

it("a filled item that matches the promotion filter and is available joins the promoted row, like a PUT's", async () => {
  const garden: FilterRule = { match: [{ field: 'category', in: ['garden'] }] };
  const writer = new DynamoCatalogueWriter(TABLE, client, 1, garden);
  // Described by the API without a category: not promoted yet. One of them is out of stock.
  await writer.write([
    itemUpdateOf({ itemId: 'promo-put', title: 'Rake', createdAt: '2026-11-01T00:00:00.000Z' }, now),
    itemUpdateOf({ itemId: 'promo-gone', title: 'Hose', availability: 'out_of_stock' }, now),
  ]);
  expect(await promotedIds()).toEqual([]);

  const filler = new DynamoCatalogueFiller(TABLE, client, { promotion: garden });
  const batch = [
    view('promo-put', { category: 'garden' }),
    view('promo-gone', { category: 'garden' }),
    view('promo-event', { title: 'Trowel', category: 'garden' }),
    view('promo-kitchen', { title: 'Pan', category: 'kitchen' }),
  ];
  expect(await filler.fill(batch)).toEqual({ written: 4, failed: [] });
  expect(await promotedIds()).toEqual(['promo-event', 'promo-put']);
  // The item PUT with a createdAt and filled with its category now is a new arrival of garden too.
  expect(await arrivalIds('garden')).toContain('promo-put');

  // A replayed batch, in a fresh environment, changes nothing.
  await new DynamoCatalogueFiller(TABLE, client, { promotion: garden }).fill(batch);
  expect(await promotedIds()).toEqual(['promo-event', 'promo-put']);
});

const promotedIds = async () =>
  decodeArrivals((await stored(PROMOTED_ITEMS_KEY))?.[PROMOTED_ITEMS_ATTRIBUTE])
    .map((a) => a.itemId)
    .sort();
const arrivalIds = async (category: string) =>
  decodeArrivals((await stored(newArrivalsKey(category)))?.[NEW_ARRIVALS_ATTRIBUTE]).map((a) => a.itemId);
