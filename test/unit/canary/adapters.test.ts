/**
 * The canary's recommendation API adapters against a tiny local HTTP server that answers like the API:
 * the paths and the API key they send, how the picked item is cached and re-picked, and what counts as
 * the answer reflecting the view.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { httpItemPicker, httpRecommendationsCheck } from '../../../lambdas/canary/adapters';
import { canaryEvent } from '../../../lambdas/canary/freshness';

const API_KEY = 'canary-api-key-0123456789abcdef';
let server: Server;
let baseUrl: string;
let requests: string[];
/** What the fake API answers: neighbours per item, trending ids, recommendations per user. */
let neighbours: Map<string, string[]>;
let trending: string[];
let recommendations: Map<string, Array<{ itemId: string; reason: string }>>;

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    requests.push(`${url.pathname}${url.search}`);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.headers['x-api-key'] !== API_KEY) return json(403, { message: 'Forbidden' });
    const similar = /^\/prod\/v1\/items\/([^/]+)\/similar$/.exec(url.pathname);
    if (url.pathname === '/prod/v1/items/trending')
      return json(200, { items: trending.map((itemId) => ({ itemId, score: 1, reason: 'popular' })) });
    if (similar) {
      const items = neighbours.get(decodeURIComponent(similar[1] as string)) ?? [];
      return json(200, { items: items.map((itemId) => ({ itemId, score: 0.5, reason: 'similar' })) });
    }
    const user = /^\/prod\/v1\/users\/([^/]+)\/recommendations$/.exec(url.pathname);
    if (user) return json(200, { items: recommendations.get(decodeURIComponent(user[1] as string)) ?? [] });
    return json(500, { message: 'internal error', code: 'internal_error' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/prod/`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

beforeEach(() => {
  requests = [];
  neighbours = new Map();
  trending = [];
  recommendations = new Map();
});

describe('httpItemPicker', () => {
  it('picks the first trending item with neighbours and keeps it while it has some', async () => {
    trending = ['pop 1', 'item-2', 'item-3'];
    neighbours.set('item-2', ['item-9']).set('item-3', ['item-8']);
    const pick = httpItemPicker({ baseUrl, apiKey: API_KEY });
    expect(await pick()).toBe('item-2');
    expect(requests).toEqual([
      '/prod/v1/items/trending?limit=20',
      '/prod/v1/items/pop%201/similar?limit=1',
      '/prod/v1/items/item-2/similar?limit=1',
    ]);
    requests = [];
    expect(await pick()).toBe('item-2');
    expect(requests).toEqual(['/prod/v1/items/item-2/similar?limit=1']);
  });

  it('re-picks when the cached item lost its neighbours (a new version was published)', async () => {
    trending = ['item-2', 'item-3'];
    neighbours.set('item-2', ['item-9']).set('item-3', ['item-8']);
    const pick = httpItemPicker({ baseUrl, apiKey: API_KEY });
    expect(await pick()).toBe('item-2');
    neighbours.delete('item-2');
    requests = [];
    expect(await pick()).toBe('item-3');
    expect(requests).toEqual([
      '/prod/v1/items/item-2/similar?limit=1',
      '/prod/v1/items/trending?limit=20',
      '/prod/v1/items/item-2/similar?limit=1',
      '/prod/v1/items/item-3/similar?limit=1',
    ]);
  });

  it('returns undefined while no trending item has neighbours, and works without a trailing slash', async () => {
    trending = ['pop-1'];
    expect(await httpItemPicker({ baseUrl: baseUrl.replace(/\/$/, ''), apiKey: API_KEY })()).toBeUndefined();
    trending = [];
    expect(await httpItemPicker({ baseUrl, apiKey: API_KEY })()).toBeUndefined();
  });

  it('throws with the status and the body when the API refuses the key', async () => {
    await expect(httpItemPicker({ baseUrl, apiKey: 'wrong-key' })()).rejects.toThrow(
      'GET /v1/items/trending?limit=20: HTTP 403: {"message":"Forbidden"}',
    );
  });
});

describe('httpRecommendationsCheck', () => {
  it("asks for the canary user's recommendations (URL-encoded) and finds the view as a reason", async () => {
    const event = canaryEvent('local', new Date(), '0123456789', 'item-2');
    const reflects = httpRecommendationsCheck({ baseUrl, apiKey: API_KEY });
    expect(await reflects(event.userId, event)).toBe(false);
    recommendations.set(event.userId, [
      { itemId: 'pop-1', reason: 'popular' },
      { itemId: 'item-9', reason: 'because you viewed item-2' },
    ]);
    expect(await reflects(event.userId, event)).toBe(true);
    expect(requests).toEqual([
      '/prod/v1/users/canary%23local%2301234567/recommendations?limit=50',
      '/prod/v1/users/canary%23local%2301234567/recommendations?limit=50',
    ]);
    recommendations.set(event.userId, [{ itemId: 'item-9', reason: 'because you viewed item-22' }]);
    expect(await reflects(event.userId, event)).toBe(false);
  });

  it('throws on an error answer instead of reading it as "not yet"', async () => {
    const event = canaryEvent('local', new Date(), '0123456789', 'item-2');
    await expect(httpRecommendationsCheck({ baseUrl, apiKey: 'nope' })(event.userId, event)).rejects.toThrow(
      /HTTP 403/,
    );
  });
});

it('gives up searching for an item when its time budget is spent', async () => {
  trending = ['pop-1', 'pop-2', 'pop-3'];
  let clock = 0;
  const pick = httpItemPicker(
    { baseUrl, apiKey: API_KEY },
    {
      budgetMs: 100,
      now: () => {
        clock += 60; // each look at the clock: 60 ms later
        return clock;
      },
    },
  );
  await expect(pick()).rejects.toThrow('no item with neighbours found in 100 ms (1 of 3 checked)');
  expect(requests).toEqual(['/prod/v1/items/trending?limit=20', '/prod/v1/items/pop-1/similar?limit=1']);
});
