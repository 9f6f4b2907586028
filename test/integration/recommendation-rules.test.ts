/**
 * The deployment's rules through the local API, as a user runs them: the runtime is synthesised with the
 * `recommendationRules` context (so the function gets RECOMMEND_RULES from the template like on AWS),
 * items are written with `PUT /v1/items` and an admin key from `recostream keys create --local`, and the
 * published trending list is seeded. Then: the default filter keeps gift cards out of every answer, the
 * promotion slot brings a promoted item into the page, `?filter=price_under&maxPrice=20` keeps only cheap
 * items (for a user and on trending), `?boost=new_arrivals` puts the new item first, and unknown filters
 * or bad parameters are a 400 with a specific message. A promoted catalogue item nobody interacted with fills
 * the promotion slot (the catalogue's promoted-items row) of for-you, similar and trending; an out-of-stock one
 * never does.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { basicAuthorizationFor } from '../../lambdas/authorizer/write-keys';
import { ErrorResponseSchema, TrendingResponseSchema } from '../../lambdas/recommend/api-schemas';
import type { RulesConfigInput } from '../../lambdas/shared/recommend-rules';
import { main } from '../../local/cli';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime';
import { publishedTablesOf, seedPublishedResults } from '../support/published-results';

jest.setTimeout(180_000);

/** The clock of the recency rule is the function's: items are "new" relative to the real date. */
const createdDaysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();

const RULES: RulesConfigInput = {
  filters: {
    price_under: {
      description: 'Items at or below a price',
      params: { maxPrice: { type: 'number', min: 0 } },
      match: [{ field: 'price', max: { param: 'maxPrice' } }],
    },
    no_gift_cards: { match: [{ field: 'category', notIn: ['gift-cards'] }] },
    promoted: { match: [{ field: 'attribute', name: 'promoted', in: [true] }] },
  },
  boosts: { new_arrivals: { factor: 100, match: [{ field: 'createdAt', withinDays: 30 }] } },
  defaults: { filters: ['no_gift_cards'] },
  promotion: { filter: 'promoted', within: 10, slots: 1 },
};

/** p01 (score 100) ... p12 (score 45): the global trending list, best first. */
const ITEMS = Array.from({ length: 12 }, (_, i) => `p${String(i + 1).padStart(2, '0')}`);

let runtime: LocalRuntime;
let dataDir: string;
let adminKey: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'recostream-rules-it-'));
  runtime = await startLocalRuntime({
    dataDir,
    port: 0,
    trafficRate: 0,
    lakeBufferIntervalSeconds: 1,
    context: { recommendationRules: RULES },
  });
  await seedPublishedResults(runtime.dynamo, publishedTablesOf(runtime.topology), {
    trending: {
      version: 'seed-trending-rules',
      global: ITEMS.map((itemId, i) => ({ itemId, score: 100 - i * 5, category: 'garden' })),
      byCategory: new Map(),
    },
  });
  const out: string[] = [];
  const code = await main(
    ['keys', 'create', '--role', 'admin', '--name', 'rules-it', '--local', '--data-dir', dataDir],
    {
      out: (t) => out.push(t),
      err: () => {},
    },
  );
  expect(code).toBe(0);
  adminKey = out.at(-1) as string;
  const response = await fetch(`${runtime.apiUrl}/v1/items`, {
    method: 'PUT',
    headers: {
      'content-type': 'application/json',
      authorization: basicAuthorizationFor(adminKey),
    },
    body: JSON.stringify({
      items: ITEMS.map((itemId, i) => ({
        itemId,
        price: i % 2 === 0 ? 10 : 40, // p01, p03, ... cost 10
        category: itemId === 'p02' ? 'gift-cards' : 'garden',
        createdAt: createdDaysAgo(itemId === 'p09' ? 2 : 400),
        attributes: { promoted: itemId === 'p12' },
      })),
    }),
  });
  expect(response.status).toBe(200);
});

afterAll(async () => {
  await runtime?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function get(path: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${runtime.apiUrl}${path}`, { headers: { 'x-api-key': runtime.apiKey } });
  return { status: response.status, body: await response.json() };
}

async function itemIds(path: string): Promise<string[]> {
  const { status, body } = await get(path);
  expect(status).toBe(200);
  return TrendingResponseSchema.pick({ items: true })
    .parse(body)
    .items.map((i) => i.itemId);
}

it('applies the default filter and the promotion slot to every answer', async () => {
  // p02 is a gift card (default filter); p12 is the promoted item, moved into the 10th place.
  expect(await itemIds('/v1/items/trending?limit=10')).toEqual([
    'p01',
    'p03',
    'p04',
    'p05',
    'p06',
    'p07',
    'p08',
    'p09',
    'p10',
    'p12',
  ]);
  // A page shorter than `within`: the promoted item takes its last place.
  expect(await itemIds('/v1/users/rules-user/recommendations?limit=3')).toEqual(['p01', 'p03', 'p12']);
});

it('fills the promotion slot of for-you, similar and trending with a promoted catalogue item that has no interactions', async () => {
  const response = await fetch(`${runtime.apiUrl}/v1/items`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: basicAuthorizationFor(adminKey) },
    body: JSON.stringify({
      items: [
        {
          itemId: 'toy-gone',
          category: 'toys',
          price: 30,
          availability: 'out_of_stock',
          attributes: { promoted: true },
        },
        { itemId: 'toy-promo', category: 'toys', price: 30, attributes: { promoted: true } },
        { itemId: 'toy-plain', category: 'toys', price: 30, attributes: { promoted: false } },
      ],
    }),
  });
  expect(response.status).toBe(200);
  // Nothing ranks toys (no interactions, no trending, not new): only the promotion slot brings one, to
  // for-you, to similar of another toy (the seed's category), and to trending in toys.
  for (const path of [
    '/v1/users/rules-user/recommendations?limit=5&category=toys',
    '/v1/items/toy-plain/similar?limit=5',
    '/v1/items/trending?limit=5&category=toys',
  ]) {
    const { status, body } = await get(path);
    expect([path, status]).toEqual([path, 200]);
    const items = TrendingResponseSchema.pick({ items: true }).parse(body).items;
    expect([path, items.map((i) => [i.itemId, i.reasonKind])]).toEqual([path, [['toy-promo', 'promoted']]]);
  }
});

it('keeps only the items under the price of ?filter=price_under&maxPrice=20', async () => {
  expect(await itemIds('/v1/items/trending?limit=4&filter=price_under&maxPrice=20')).toEqual([
    'p01',
    'p03',
    'p05',
    'p07',
  ]);
  const forUser = await itemIds(
    '/v1/users/rules-user/recommendations?limit=20&filter=price_under&maxPrice=20',
  );
  expect(forUser).toEqual(['p01', 'p03', 'p05', 'p07', 'p09', 'p11']);
});

it('boosts new arrivals with ?boost=new_arrivals', async () => {
  expect((await itemIds('/v1/items/trending?limit=3&boost=new_arrivals'))[0]).toBe('p09');
});

it.each([
  [
    '/v1/items/trending?filter=cheapest',
    "unknown filter 'cheapest'; configured: price_under, no_gift_cards, promoted",
  ],
  [
    '/v1/items/trending?filter=price_under&maxPrice=-5',
    'maxPrice: expected a number >= 0, got -5 (filter price_under)',
  ],
  [
    '/v1/users/rules-user/recommendations?maxPrice=5',
    'maxPrice is a parameter of filter price_under, which the request does not name (e.g. filter=price_under)',
  ],
])('answers 400 to %s', async (path, message) => {
  const { status, body } = await get(path);
  expect(status).toBe(400);
  expect(ErrorResponseSchema.parse(body).message).toBe(message);
});
