/**
 * Keys and the item catalogue as a user runs them on the local runtime: `recostream keys create --local`
 * (the real CLI, in a child process) prints an admin key as its last line; PUT /v1/items with it writes only
 * the fields named; a catalogue key may write items but not events, an ordinary write key may not write
 * items, and `keys revoke` refuses a key at once; `import catalog --local` loads a file through the API. Then, with published neighbours and trending seeded and a
 * user's events through the stream: the first item of every placement (and of similar and trending) is
 * marked out of stock, and the very next request of each leaves it out; back in stock, it returns; titles and
 * prices come with the items. New items reach the lists by category, and of two new items of one category the
 * one sharing an attribute with the user's recent item (for-you, discover) or the seed (similar) comes first.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { basicAuthorizationFor } from '../../lambdas/authorizer/write-keys';
import { UserRecommendationsResponseSchema } from '../../lambdas/recommend/api-schemas';
import { PLACEMENTS } from '../../lambdas/recommend/scoring';
import { main } from '../../local/cli';
import { openLocalLake, rowObjects } from '../../local/lake/query';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime';
import { eventually } from '../support/eventually';
import { publishedTablesOf, seedPublishedResults } from '../support/published-results';

jest.setTimeout(180_000);

let runtime: LocalRuntime;
let dataDir: string;
let adminKey: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'recostream-catalogue-it-'));
  runtime = await startLocalRuntime({ dataDir, port: 0, trafficRate: 0, lakeBufferIntervalSeconds: 1 });
  await seedPublishedResults(runtime.dynamo, publishedTablesOf(runtime.topology), {
    cf: {
      version: 'seed-cf-1',
      neighbours: new Map([
        [
          'item-a',
          [
            { itemId: 'item-a1', score: 0.9, support: 5 },
            { itemId: 'item-a2', score: 0.6, support: 3 },
            { itemId: 'item-a3', score: 0.5, support: 3 },
          ],
        ],
        ['item-b', [{ itemId: 'item-b1', score: 0.8, support: 4 }]],
      ]),
    },
    trending: {
      version: 'seed-trending-1',
      global: [
        { itemId: 'pop-1', score: 20, category: 'garden' },
        { itemId: 'pop-2', score: 10, category: 'books' },
        { itemId: 'pop-3', score: 5, category: 'books' },
      ],
      byCategory: new Map(),
    },
  });
});

afterAll(async () => {
  await runtime?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The CLI in-process (the same `main` as bin/recostream.js). */
async function cli(...args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out, err };
}

/** Every record under the local lake's quarantine/ that the catalogue API wrote. */
function quarantinedCatalogueRecords(): Array<Record<string, unknown>> {
  const root = join(dataDir, 'lake', 'quarantine');
  if (!existsSync(root)) return [];
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.jsonl'))
    .flatMap((f) => readFileSync(join(root, f), 'utf8').trim().split('\n'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((r) => r.source === 'catalogue-api');
}

function putItems(key: string, items: object[]) {
  return fetch(`${runtime.apiUrl}/v1/items`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: basicAuthorizationFor(key) },
    body: JSON.stringify({ items }),
  });
}

function postEvents(key: string, events: object[]) {
  return fetch(`${runtime.apiUrl}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: basicAuthorizationFor(key) },
    body: JSON.stringify({ events }),
  });
}

async function getJson(path: string) {
  const response = await fetch(`${runtime.apiUrl}${path}`, { headers: { 'x-api-key': runtime.apiKey } });
  expect(response.status).toBe(200);
  return UserRecommendationsResponseSchema.pick({ items: true }).parse(await response.json());
}

const storedProfile = async (userId: string) =>
  (await runtime.dynamo.send(new GetCommand({ TableName: runtime.tableName('Profiles'), Key: { userId } })))
    .Item;

const storedItem = async (itemId: string) =>
  (await runtime.dynamo.send(new GetCommand({ TableName: runtime.tableName('Items'), Key: { itemId } })))
    .Item;

describe('keys', () => {
  it('creates an admin key with the real command; the last line is the key, and it writes items', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        'bin/recostream.js',
        'keys',
        'create',
        '--role',
        'admin',
        '--name',
        'ops',
        '--local',
        '--data-dir',
        dataDir,
      ],
      { cwd: join(__dirname, '..', '..') },
    );
    adminKey = stdout.trim().split('\n').at(-1) as string;
    expect(adminKey).toMatch(/^rs_/);

    const first = await putItems(adminKey, [
      { itemId: 'item-a1', title: 'Watering can', price: 12.5, currency: 'EUR' },
    ]);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ updated: 1, itemIds: ['item-a1'] });
    // A partial item updates only what it names.
    expect((await putItems(adminKey, [{ itemId: 'item-a1', availability: 'in_stock' }])).status).toBe(200);
    expect(await storedItem('item-a1')).toMatchObject({
      title: 'Watering can',
      price: 12.5,
      currency: 'EUR',
      availability: 'in_stock',
    });
  });

  it('imports a catalogue file through the API with `import catalog --local`', async () => {
    const file = join(dataDir, 'catalogue.jsonl');
    writeFileSync(
      file,
      '{"itemId":"item-z1","title":"Rake","price":9,"availability":"in_stock"}\n{"itemId":"item-z2","category":"garden"}\n',
    );
    const result = await cli('import', 'catalog', file, '--local', '--data-dir', dataDir, '--key', adminKey);
    expect(result).toMatchObject({ code: 0 });
    expect(result.out.join('\n')).toContain('updated 2 items');
    expect(await storedItem('item-z1')).toMatchObject({ title: 'Rake', price: 9, availability: 'in_stock' });
    expect(await storedItem('item-z2')).toMatchObject({ category: 'garden' });
  });

  it('logs every accepted change to the lake’s items table (DuckDB over the local lake)', async () => {
    const lake = await openLocalLake(runtime.lakeDir as string);
    try {
      const rows = rowObjects(
        await lake.runQuery(
          "SELECT item_id, title, price, availability, removed_fields FROM items WHERE item_id IN ('item-a1', 'item-z1') ORDER BY updated_at",
        ),
      );
      expect(rows).toEqual([
        { item_id: 'item-a1', title: 'Watering can', price: 12.5, availability: null, removed_fields: [] },
        { item_id: 'item-a1', title: null, price: null, availability: 'in_stock', removed_fields: [] },
        { item_id: 'item-z1', title: 'Rake', price: 9, availability: 'in_stock', removed_fields: [] },
      ]);
    } finally {
      await lake.close();
    }
  });

  it('keeps each role to its routes, lists without keys, and revokes at once', async () => {
    const created = await cli(
      'keys',
      'create',
      '--role',
      'catalog',
      '--name',
      'pim',
      '--local',
      '--data-dir',
      dataDir,
    );
    expect(created.code).toBe(0);
    const catalogKey = created.out.at(-1) as string;
    expect((await putItems(catalogKey, [{ itemId: 'item-x', category: 'garden' }])).status).toBe(200);
    expect((await postEvents(catalogKey, [{ type: 'page_view', userId: 'u1' }])).status).toBe(403);
    expect((await putItems(runtime.writeKey, [{ itemId: 'item-x' }])).status).toBe(403);
    expect((await postEvents(adminKey, [{ type: 'page_view', userId: 'u1' }])).status).toBe(200);

    const bad = await putItems(catalogKey, [{ itemId: 'item-x', availability: 'sold_out' }]);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      code: 'invalid_items',
      errors: [{ field: 'items[0].availability' }],
    });
    // The refused request is kept in the local lake's quarantine (before the answer) with its reason and body.
    const kept = quarantinedCatalogueRecords();
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatchObject({
      reason: 'invalid_items',
      source: 'catalogue-api',
      route: '/v1/items',
      writeKeyName: 'pim',
      rawPayload: JSON.stringify({ items: [{ itemId: 'item-x', availability: 'sold_out' }] }),
    });

    const listed = (await cli('keys', 'list', '--local', '--data-dir', dataDir)).out.join('\n');
    expect(listed).toMatch(/ops\s+admin/);
    expect(listed).toMatch(/pim\s+catalog/);
    expect(listed).not.toContain(catalogKey);

    expect((await cli('keys', 'revoke', 'pim', '--local', '--data-dir', dataDir)).code).toBe(0);
    expect((await putItems(catalogKey, [{ itemId: 'item-x' }])).status).toBe(403);
  });
});

describe('availability', () => {
  /**
   * Every list, one request after the other: concurrent requests would each start a Lambda environment
   * of their own, and six cold starts at once time out on a loaded machine.
   */
  const lists = async (): Promise<Record<string, string[]>> => {
    const paths: Array<[string, string]> = [
      ...PLACEMENTS.map((p): [string, string] => [p, `/v1/users/uma/recommendations?limit=3&placement=${p}`]),
      ['similar', '/v1/items/item-a/similar?limit=3'],
      ['trending', '/v1/items/trending?limit=3'],
    ];
    const result: Record<string, string[]> = {};
    for (const [name, path] of paths) result[name] = (await getJson(path)).items.map((x) => x.itemId);
    return result;
  };

  it('an item marked out of stock leaves every placement on the next request, and returns when back', async () => {
    const day = 86_400_000;
    const accepted = await postEvents(runtime.writeKey, [
      {
        type: 'purchase',
        userId: 'uma',
        orderId: 'o1',
        currency: 'EUR',
        occurredAt: new Date(Date.now() - 3 * day).toISOString(),
        lineItems: [{ itemId: 'item-a', quantity: 1, price: 3 }],
      },
      {
        type: 'purchase',
        userId: 'uma',
        orderId: 'o2',
        currency: 'EUR',
        occurredAt: new Date(Date.now() - 2 * day).toISOString(),
        lineItems: [{ itemId: 'item-a', quantity: 1, price: 3 }],
      },
      { type: 'product_view', userId: 'uma', itemId: 'item-b', category: 'garden' },
      { type: 'product_view', userId: 'uma', itemId: 'item-c', category: 'garden' },
    ]);
    expect(accepted.status).toBe(200);
    expect(await accepted.json()).toMatchObject({ accepted: 4, rejected: 0 });
    await eventually(
      async () => (await storedProfile('uma'))?.counts,
      (c) => c?.purchase === 2 && c?.product_view === 2,
    );

    const before = await lists();
    for (const [name, ids] of Object.entries(before)) expect([name, ids.length > 0]).toEqual([name, true]);
    const firsts = [...new Set(Object.values(before).map((ids) => ids[0] as string))];
    const put = await putItems(
      adminKey,
      firsts.map((itemId) => ({ itemId, availability: 'out_of_stock' })),
    );
    expect(put.status).toBe(200);

    const after = await lists();
    for (const [name, ids] of Object.entries(after)) {
      expect([name, ids.filter((id) => firsts.includes(id))]).toEqual([name, []]);
    }

    const [back] = firsts;
    expect(
      (await putItems(adminKey, [{ itemId: back, availability: 'in_stock', title: 'Back again', price: 7 }]))
        .status,
    ).toBe(200);
    const again = await lists();
    const placementOfBack = Object.keys(before).find((name) => before[name]?.[0] === back) as string;
    expect(again[placementOfBack]?.[0]).toBe(back);
    const answer = await getJson(
      placementOfBack === 'similar'
        ? '/v1/items/item-a/similar?limit=3'
        : placementOfBack === 'trending'
          ? '/v1/items/trending?limit=3'
          : `/v1/users/uma/recommendations?limit=3&placement=${placementOfBack}`,
    );
    expect(answer.items[0]).toMatchObject({ itemId: back, title: 'Back again', price: 7 });
  });
});

describe('new items (cold start)', () => {
  it('a new catalogue item with no interactions is recommended to a user who browsed its category, and in similar of another item of its category', async () => {
    const createdAt = new Date(Date.now() - 86_400_000).toISOString();
    expect(
      (
        await putItems(adminKey, [
          { itemId: 'fresh-1', title: 'Seed tray', category: 'garden', createdAt, price: 4 },
          { itemId: 'item-b', category: 'garden' },
        ])
      ).status,
    ).toBe(200);
    const accepted = await postEvents(runtime.writeKey, [
      { type: 'product_view', userId: 'gus', itemId: 'item-b', category: 'garden' },
      { type: 'product_view', userId: 'gus', itemId: 'item-c', category: 'garden' },
    ]);
    expect(accepted.status).toBe(200);
    await eventually(
      async () => (await storedProfile('gus'))?.affinities,
      (a) => a?.garden !== undefined,
    );

    for (const placement of ['for-you', 'discover']) {
      const { items } = await getJson(`/v1/users/gus/recommendations?limit=3&placement=${placement}`);
      expect([placement, items.find((i) => i.itemId === 'fresh-1')]).toEqual([
        placement,
        expect.objectContaining({ reason: 'new in garden', reasonKind: 'new', title: 'Seed tray', price: 4 }),
      ]);
    }
    const similar = await getJson('/v1/items/item-b/similar?limit=3');
    expect(similar.items.map((i) => [i.itemId, i.reason])).toEqual([
      ['item-b1', 'similar to item-b'],
      ['fresh-1', 'new in garden'],
    ]);
    // Out of stock: gone from the next request of every list.
    expect((await putItems(adminKey, [{ itemId: 'fresh-1', availability: 'out_of_stock' }])).status).toBe(
      200,
    );
    const after = await getJson('/v1/users/gus/recommendations?limit=3');
    expect(after.items.map((i) => i.itemId)).not.toContain('fresh-1');
    expect((await getJson('/v1/items/item-b/similar?limit=3')).items.map((i) => i.itemId)).toEqual([
      'item-b1',
    ]);
  });
});

describe('new items by attributes', () => {
  it('of two new items of one category, the one sharing the colour of the user’s recent item (for-you) or of the seed (similar) comes first', async () => {
    const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();
    expect(
      (
        await putItems(adminKey, [
          { itemId: 'kettle', title: 'Red kettle', category: 'kitchen', attributes: { colour: 'red' } },
          // The fresher one shares nothing: by recency alone it would come first.
          { itemId: 'kit-blue', category: 'kitchen', createdAt: daysAgo(1), attributes: { colour: 'blue' } },
          { itemId: 'kit-red', category: 'kitchen', createdAt: daysAgo(10), attributes: { colour: 'red' } },
        ])
      ).status,
    ).toBe(200);
    expect(
      (
        await postEvents(runtime.writeKey, [
          { type: 'product_view', userId: 'kim', itemId: 'kettle', category: 'kitchen' },
        ])
      ).status,
    ).toBe(200);
    await eventually(
      async () => (await storedProfile('kim'))?.affinities,
      (a) => a?.kitchen !== undefined,
    );

    const newOnes = (items: ReadonlyArray<{ itemId: string; reason: string }>) =>
      items.filter((i) => i.itemId.startsWith('kit-')).map((i) => [i.itemId, i.reason]);
    const expected = [
      ['kit-red', 'new in kitchen: colour red, like Red kettle'],
      ['kit-blue', 'new in kitchen'],
    ];
    for (const placement of ['for-you', 'discover']) {
      const { items } = await getJson(`/v1/users/kim/recommendations?limit=10&placement=${placement}`);
      expect([placement, newOnes(items)]).toEqual([placement, expected]);
    }
    expect(newOnes((await getJson('/v1/items/kettle/similar?limit=5')).items)).toEqual(expected);
  });
});

describe('catalogue filled by events', () => {
  it("a Segment 'Product Viewed' fills an item the catalogue API has not described, and never overwrites one it has", async () => {
    expect((await putItems(adminKey, [{ itemId: 'seg-2', title: 'From the PIM' }])).status).toBe(200);
    const track = (productId: string, name: string) =>
      fetch(`${runtime.apiUrl}/v1/track`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: basicAuthorizationFor(runtime.writeKey),
        },
        body: JSON.stringify({
          userId: 'sam',
          event: 'Product Viewed',
          properties: { product_id: productId, name, category: 'garden', price: 6, currency: 'EUR' },
        }),
      });
    expect((await track('seg-1', 'Trowel')).status).toBe(200);
    expect((await track('seg-2', 'From an event')).status).toBe(200);
    await eventually(
      async () => [await storedItem('seg-1'), await storedItem('seg-2')],
      (items) => items.every((item) => item?.category === 'garden'),
    );
    expect(await storedItem('seg-2')).toMatchObject({ title: 'From the PIM', price: 6, currency: 'EUR' });
    expect(await storedItem('seg-1')).toMatchObject({
      itemId: 'seg-1',
      title: 'Trowel',
      category: 'garden',
      price: 6,
      currency: 'EUR',
    });
  });
});
