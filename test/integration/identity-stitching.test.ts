/**
 * Identity stitching on the local runtime, as issue 17 tells it: an anonymous visitor views an item three
 * times, logs in (Segment identify through /v1/identify), and the user's recommendations change because of
 * those views ("because you viewed item-a"); the visitor's id answers with the same merged profile. Then the
 * faults a client and the stream produce: the views and the identify are sent again (same ids), and the
 * counts in the profile and on the item row do not move. The lake's `identities` view links the two ids, and
 * deleting the user deletes the visitor's profile and lake rows too.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoWriteKeyStore } from '../../lambdas/authorizer/write-key-store';
import { basicAuthorizationFor, newWriteKey } from '../../lambdas/authorizer/write-keys';
import { UserRecommendationsResponseSchema } from '../../lambdas/recommend/api-schemas';
import { openLocalLake, rowObjects } from '../../local/lake/query';
import { completeLocalDeletions } from '../../local/lake/user-deletion';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime/runtime';
import { eventually } from '../support/eventually';
import { publishedTablesOf, seedPublishedResults } from '../support/published-results';

jest.setTimeout(240_000);

let runtime: LocalRuntime;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'recostream-identity-it-'));
  runtime = await startLocalRuntime({
    dataDir,
    port: 0,
    trafficRate: 0,
    lakeBufferIntervalSeconds: 1,
    context: { itemStatsWindowSeconds: 2 },
    log: (m) => process.stderr.write(`[local] ${m}\n`),
  });
  await seedPublishedResults(runtime.dynamo, publishedTablesOf(runtime.topology), {
    cf: {
      version: 'seed-cf-1',
      neighbours: new Map([
        [
          'item-a',
          [
            { itemId: 'item-a1', score: 0.9, support: 5 },
            { itemId: 'item-a2', score: 0.6, support: 3 },
          ],
        ],
      ]),
    },
    trending: {
      version: 'seed-trending-1',
      global: [
        { itemId: 'pop-1', score: 20, category: 'garden' },
        { itemId: 'pop-2', score: 10, category: 'books' },
      ],
      byCategory: new Map(),
    },
  });
});

afterAll(async () => {
  await runtime?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function post(path: string, body: unknown, key = runtime.writeKey) {
  const response = await fetch(`${runtime.apiUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: basicAuthorizationFor(key) },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(200);
}

async function recommendations(userId: string) {
  const response = await fetch(
    `${runtime.apiUrl}/v1/users/${encodeURIComponent(userId)}/recommendations?limit=4`,
    { headers: { 'x-api-key': runtime.apiKey } },
  );
  expect(response.status).toBe(200);
  return UserRecommendationsResponseSchema.parse(await response.json());
}

const profileOf = async (key: string) =>
  (
    await runtime.dynamo.send(
      new GetCommand({ TableName: runtime.tableName('Profiles'), Key: { userId: key } }),
    )
  ).Item;
const totalViews = async (itemId: string) =>
  Number(
    (
      await runtime.dynamo.send(
        new GetCommand({ TableName: runtime.tableName('ItemStats'), Key: { itemId, bucket: 'TOTAL' } }),
      )
    ).Item?.views ?? 0,
  );
async function lakeRows(sql: string) {
  const lake = await openLocalLake(runtime.lakeDir as string);
  try {
    return rowObjects(await lake.runQuery(sql));
  } finally {
    await lake.close();
  }
}

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
const visitorViews = [1, 2, 3].map((n) => ({
  type: 'product_view',
  eventId: `visit-${n}`,
  anonymousId: 'visitor-9',
  sessionId: 'tab-1',
  itemId: 'item-a',
  category: 'books',
  occurredAt: minutesAgo(10 - n),
}));
/** Segment's identify at login, as analytics.js sends it. */
const identify = {
  userId: 'carol',
  anonymousId: 'visitor-9',
  traits: { plan: 'free' },
  messageId: 'login-1',
};
const reasonsOf = (r: { items: Array<{ itemId: string; reason: string }> }) =>
  r.items.map((i) => `${i.itemId}: ${i.reason}`);

it('an anonymous visitor’s views reach the user’s recommendations after login, exactly once', async () => {
  await post('/v1/events', { events: visitorViews });
  await eventually(
    () => recommendations('anon#visitor-9'),
    (r) => reasonsOf(r).includes('item-a1: because you viewed item-a'),
  );
  // Before login the user knows nothing of it.
  const before = await recommendations('carol');
  expect(before.items.map((i) => i.reasonKind)).toEqual(['popular', 'popular']);

  await post('/v1/identify', identify);
  const after = await eventually(
    () => recommendations('carol'),
    (r) => reasonsOf(r).includes('item-a1: because you viewed item-a'),
  );
  expect(after.items.map((i) => i.itemId)).toEqual(['item-a', 'item-a1', 'item-a2', 'pop-1']);
  // The visitor's id answers with the merged profile too.
  expect((await recommendations('anon#visitor-9')).items.map((i) => i.itemId)).toEqual(
    after.items.map((i) => i.itemId),
  );
  expect(await profileOf('carol')).toMatchObject({
    linkedAnonymous: ['visitor-9'],
    counts: { product_view: 3, custom: 1 },
    browsed: { 'item-a': { views: 3, carts: 0 } },
  });
  expect((await profileOf('anon#visitor-9'))?.linkedTo).toBe('carol');
  await eventually(
    () => totalViews('item-a'),
    (n) => n === 3,
  );

  // Faults: the client resends the views and the identify (same eventId / messageId: new stream records).
  await post('/v1/events', { events: visitorViews });
  await post('/v1/identify', identify);
  // Markers sent after the resends on each partition key (the visitor's, the user's): once they are
  // applied, so are the resends before them on the same shard.
  await post('/v1/events', {
    events: [
      { type: 'product_view', anonymousId: 'visitor-9', itemId: 'item-z', category: 'books' },
      { type: 'page_view', userId: 'carol', pageName: 'home' },
    ],
  });
  await eventually(
    () => profileOf('carol'),
    (p) => p?.counts?.page_view === 1 && p?.counts?.product_view === 4,
  );
  await eventually(
    () => totalViews('item-z'),
    (n) => n === 1,
  );
  expect(await profileOf('carol')).toMatchObject({
    linkedAnonymous: ['visitor-9'],
    counts: { product_view: 4, custom: 1, page_view: 1 },
    browsed: { 'item-a': { views: 3 }, 'item-z': { views: 1 } },
  });
  expect(await totalViews('item-a')).toBe(3);
  // The frozen visitor profile took none of the resends (nor the marker view, which went to the user).
  expect((await profileOf('anon#visitor-9'))?.counts?.product_view).toBe(3);

  // The lake keeps both ids, and the identities view joins them.
  const identities = await eventually(
    () => lakeRows("SELECT anonymous_id, user_id FROM identities WHERE user_id = 'carol'"),
    (rows) => rows.length > 0,
  );
  expect(identities).toEqual([{ anonymous_id: 'visitor-9', user_id: 'carol' }]);
  const joined = await eventually(
    () =>
      lakeRows(
        `SELECT count(DISTINCT e.event_id) AS n FROM events_unique e JOIN identities i
           ON e.anonymous_id = i.anonymous_id OR e.user_id = i.user_id
         WHERE i.user_id = 'carol' AND e.event_type <> 'recommendation_impression'`,
      ),
    (rows) => Number(rows[0]?.n) === 6,
  );
  expect(Number(joined[0]?.n)).toBe(6); // 3 views, identify, item-z, page_view
});

it('deleting the user deletes the linked visitor’s profile and lake rows', async () => {
  const { key, record } = newWriteKey('identity-admin');
  await new DynamoWriteKeyStore(runtime.tableName('WriteKeys'), runtime.dynamo).put({
    ...record,
    role: 'admin',
  });
  const response = await fetch(`${runtime.apiUrl}/v1/users/carol`, {
    method: 'DELETE',
    headers: { authorization: basicAuthorizationFor(key) },
  });
  expect(response.status).toBe(202);
  expect(await profileOf('carol')).toBeUndefined();
  expect(await profileOf('anon#visitor-9')).toBeUndefined();
  await completeLocalDeletions(runtime);
  const left = await lakeRows(
    "SELECT count(*) AS n FROM events WHERE anonymous_id = 'visitor-9' OR user_id = 'carol'",
  );
  expect(Number(left[0]?.n)).toBe(0);
});
