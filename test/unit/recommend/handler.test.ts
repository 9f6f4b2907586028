/**
 * The handler with its real adapters (DynamoRecommendationReads, KinesisImpressionSink) over mocked SDK
 * clients: one impression per answered request with the response's id, order and variant; impression
 * failures and timeouts never reach the caller; bounded, retried BatchGetItem reads; pointer caching;
 * parameter errors.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient, PutRecordCommand } from '@aws-sdk/client-kinesis';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  BatchGetCommand,
  type BatchGetCommandInput,
  DynamoDBDocumentClient,
  GetCommand,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import {
  ErrorResponseSchema,
  RECOMMEND_ROUTES,
  TrendingResponseSchema,
  UserRecommendationsResponseSchema,
} from '../../../lambdas/recommend/api-schemas';
import { DynamoRecommendationReads } from '../../../lambdas/recommend/dynamo-reads';
import {
  createRecommendHandler,
  impressionPublisher,
  type RecommendMetricName,
} from '../../../lambdas/recommend/handler';
import { ImpressionDeadLetterSchema } from '../../../lambdas/recommend/impression-dead-letter';
import { KinesisImpressionSink } from '../../../lambdas/recommend/kinesis-impression-sink';
import { newArrivalsKey } from '../../../lambdas/shared/catalogue';
import { CanonicalEventSchema } from '../../../lambdas/shared/events';
import { encodeArrival } from '../../../lambdas/shared/new-arrivals';
import { SqsQueueSink } from '../../../lambdas/shared/queue-sink';
import { checkRulesConfig, type RulesConfig } from '../../../lambdas/shared/recommend-rules';
import { flushPromises, manualWait } from '../../support/manual-wait';
import { RECOMMEND_TABLES } from '../../support/recommend-reads';

const dynamoMock = mockClient(DynamoDBDocumentClient);
const kinesisMock = mockClient(KinesisClient);
const sqsMock = mockClient(SQSClient);
const NOW = new Date('2026-11-26T12:00:00.000Z');

/** Rows of the Items table (the catalogue); empty unless a test fills it. */
let catalogueRows: Record<string, Record<string, unknown>> = {};

const profiles: Record<string, Record<string, unknown>> = {
  alice: {
    userId: 'alice',
    version: 3,
    recent: [{ type: 'product_view', itemId: 'A', category: 'books', at: NOW.toISOString() }],
    purchased: [],
    cart: {},
    affinities: { books: { score: 2, at: NOW.getTime() } },
    hwm: {},
    seen: [],
    counts: {},
  },
  'anon#v1': {
    userId: 'anon#v1',
    recent: [{ type: 'product_view', itemId: 'A', at: NOW.toISOString() }],
    purchased: [],
    cart: {},
    affinities: {},
    session: { id: 's1', startedAt: NOW.toISOString(), lastAt: NOW.toISOString(), events: 1 },
  },
};
const similarities: Record<string, Record<string, unknown>> = {
  'A|cf-2': {
    itemId: 'A',
    version: 'cf-2',
    neighbours: [
      { itemId: 'X', score: 0.9, support: 4 },
      { itemId: 'Y', score: 0.5, support: 2 },
    ],
  },
};
const trendingRows: Record<string, Record<string, unknown>> = {
  'global|tr-7': { scope: 'global', version: 'tr-7', items: [{ itemId: 'G', score: 10, category: 'toys' }] },
  'category#books|tr-7': {
    scope: 'category#books',
    version: 'tr-7',
    items: [{ itemId: 'K', score: 3, category: 'books' }],
  },
};

let batchGetCalls: BatchGetCommandInput[] = [];
let unprocessedOnce = new Set<string>();

function installTables(pointers: Record<string, string> = { cf: 'cf-2', trending: 'tr-7' }) {
  dynamoMock
    .on(GetCommand)
    .callsFake((input: { TableName: string; Key: { userId: string }; ProjectionExpression?: string }) => {
      expect(input.TableName).toBe('Profiles');
      expect(input.ProjectionExpression).toBe(
        '#userId, #recent, #purchased, #orders, #browsed, #cart, #affinities, #session, #linkedTo',
      );
      return { Item: profiles[input.Key.userId] };
    });
  dynamoMock.on(BatchGetCommand).callsFake((input: BatchGetCommandInput) => {
    batchGetCalls.push(input);
    const [table, request] = Object.entries(input.RequestItems ?? {})[0] as [
      string,
      { Keys: Record<string, string>[] },
    ];
    const responses: Record<string, unknown>[] = [];
    const unprocessed: Record<string, string>[] = [];
    for (const key of request.Keys) {
      const id = `${table}|${JSON.stringify(key)}`;
      if (unprocessedOnce.has(id)) {
        unprocessedOnce.delete(id);
        unprocessed.push(key);
        continue;
      }
      const row =
        table === 'JobRuns'
          ? pointers[key.job as string] && {
              job: key.job,
              runId: 'ACTIVE',
              activeVersion: pointers[key.job as string],
            }
          : table === 'Similarities'
            ? similarities[`${key.itemId}|${key.version}`]
            : table === 'Items'
              ? catalogueRows[key.itemId as string]
              : trendingRows[`${key.scope}|${key.version}`];
      if (row) responses.push(row);
    }
    return {
      Responses: { [table]: responses },
      ...(unprocessed.length > 0 ? { UnprocessedKeys: { [table]: { Keys: unprocessed } } } : {}),
    };
  });
  dynamoMock.on(ScanCommand).resolves({
    Items: [
      { itemId: 'P1', bucket: 'TOTAL', views: 10, purchases: 1 },
      { itemId: 'P2', bucket: 'TOTAL', views: 50, carts: 2 },
    ],
    ScannedCount: 2,
  });
}

function setup(options: { impressionTimeoutMs?: number; rules?: RulesConfig } = {}) {
  const counts: Array<[RecommendMetricName, number, Record<string, string> | undefined]> = [];
  const warnings: unknown[] = [];
  let id = 0;
  const reads = new DynamoRecommendationReads({
    client: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'local' })),
    ...RECOMMEND_TABLES,
    now: () => NOW.getTime(),
    sleep: async () => {},
  });
  const timer = manualWait();
  const logger = { info: () => {}, warn: (...args: unknown[]) => warnings.push(args), error: () => {} };
  const metrics = {
    count: (name: RecommendMetricName, value: number, dimensions?: Record<string, string>) =>
      counts.push([name, value, dimensions]),
  };
  const impressions = impressionPublisher({
    sink: new KinesisImpressionSink(new KinesisClient({ region: 'local' }), 'events'),
    deadLetters: new SqsQueueSink('https://sqs.local/000000000000/impressions-dlq', () => new SQSClient({})),
    boundMs: options.impressionTimeoutMs ?? 150,
    wait: timer.wait,
    clock: () => NOW,
    metrics,
    logger,
  });
  const handler = createRecommendHandler({
    reads,
    impressions,
    clock: () => NOW,
    generateId: () => `00000000-0000-4000-8000-00000000000${++id}`,
    logger,
    metrics,
    variants: { experiment: 'e', variants: [{ name: 'solo', share: 1 }] },
    ...(options.rules ? { rules: options.rules } : {}),
  });
  return { handler, counts, warnings, timer, impressions };
}

function request(
  route: keyof typeof RECOMMEND_ROUTES,
  pathParameters: Record<string, string> | null,
  query: Record<string, string> | null = null,
): APIGatewayProxyEvent {
  const { method, path } = RECOMMEND_ROUTES[route];
  return {
    resource: path,
    path: Object.entries(pathParameters ?? {}).reduce<string>((p, [k, v]) => p.replace(`{${k}}`, v), path),
    httpMethod: method,
    pathParameters,
    queryStringParameters: query,
    headers: {},
    multiValueHeaders: {},
    multiValueQueryStringParameters: null,
    stageVariables: null,
    body: null,
    isBase64Encoded: false,
    requestContext: {} as APIGatewayProxyEvent['requestContext'],
  };
}

function puts() {
  return kinesisMock.commandCalls(PutRecordCommand).map((c) => {
    const input = c.args[0].input;
    return {
      partitionKey: input.PartitionKey,
      event: CanonicalEventSchema.parse(JSON.parse(Buffer.from(input.Data as Uint8Array).toString('utf8'))),
    };
  });
}

beforeEach(() => {
  dynamoMock.reset();
  kinesisMock.reset();
  sqsMock.reset();
  sqsMock.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
  batchGetCalls = [];
  unprocessedOnce = new Set();
  catalogueRows = {};
  installTables();
  kinesisMock.on(PutRecordCommand).resolves({ ShardId: 'shardId-000000000000', SequenceNumber: '1' });
});

describe('GET /v1/users/{userId}/recommendations', () => {
  it('answers with ranked items and records exactly one impression with the same id, order and variant', async () => {
    const { handler, counts } = setup();
    const response = await handler(request('userRecommendations', { userId: 'alice' }, { limit: '3' }));
    expect(response.statusCode).toBe(200);
    const body = UserRecommendationsResponseSchema.parse(JSON.parse(response.body));
    // CF scaled so the best neighbour scores 1 (X 0.9 -> 1, Y 0.5 -> 0.5556); trending in books 0.5.
    expect(body).toEqual({
      userId: 'alice',
      placement: 'for-you',
      recommendationId: '00000000-0000-4000-8000-000000000001',
      variant: 'solo',
      generatedAt: NOW.toISOString(),
      model: { cf: 'cf-2', trending: 'tr-7' },
      items: [
        { itemId: 'X', score: 1, reason: 'because you viewed A', reasonKind: 'viewed' },
        { itemId: 'Y', score: 0.555556, reason: 'because you viewed A', reasonKind: 'viewed' },
        {
          itemId: 'K',
          score: 0.5,
          reason: 'trending in books',
          reasonKind: 'trending',
          category: 'books',
        },
      ],
    });
    const sent = puts();
    expect(sent).toHaveLength(1);
    expect(sent[0]).toEqual({
      partitionKey: 'alice',
      event: expect.objectContaining({
        type: 'recommendation_impression',
        eventId: body.recommendationId,
        recommendationId: body.recommendationId,
        userId: 'alice',
        itemIds: ['X', 'Y', 'K'],
        variant: 'solo',
        placement: 'for-you',
        occurredAt: NOW.toISOString(),
      }),
    });
    expect(counts).toEqual(
      expect.arrayContaining([
        ['RecommendationResponses', 1, { variant: 'solo' }],
        ['ImpressionsPublished', 1, undefined],
      ]),
    );
  });

  it('reads neighbour lists with one bounded BatchGetItem and retries unprocessed keys', async () => {
    unprocessedOnce.add(`Similarities|${JSON.stringify({ itemId: 'A', version: 'cf-2' })}`);
    const { handler } = setup();
    const response = await handler(request('userRecommendations', { userId: 'alice' }));
    expect(JSON.parse(response.body).items.map((i: { itemId: string }) => i.itemId)).toEqual([
      'X',
      'Y',
      'K',
      'G',
    ]);
    const similarityCalls = batchGetCalls.filter((c) => c.RequestItems?.Similarities);
    expect(similarityCalls.map((c) => c.RequestItems?.Similarities?.Keys)).toEqual([
      [{ itemId: 'A', version: 'cf-2' }],
      [{ itemId: 'A', version: 'cf-2' }],
    ]);
  });

  it('leaves out unavailable items, decorates from the catalogue, and reads it on every request', async () => {
    catalogueRows = {
      X: { itemId: 'X', title: 'Xylophone', price: 12.5, currency: 'EUR', availability: 'in_stock' },
      Y: { itemId: 'Y', availability: 'out_of_stock' },
    };
    const { handler } = setup();
    const first = await handler(request('userRecommendations', { userId: 'alice' }, { limit: '3' }));
    const body = UserRecommendationsResponseSchema.parse(JSON.parse(first.body));
    expect(body.items.map((i) => i.itemId)).toEqual(['X', 'K', 'G']);
    expect(body.items[0]).toMatchObject({ title: 'Xylophone', price: 12.5, currency: 'EUR' });
    expect(puts()[0]?.event).toMatchObject({ itemIds: ['X', 'K', 'G'] });

    catalogueRows.Y = { itemId: 'Y', availability: 'in_stock' }; // back in stock: counts at once
    const second = JSON.parse(
      (await handler(request('userRecommendations', { userId: 'alice' }, { limit: '3' }))).body,
    );
    expect(second.items.map((i: { itemId: string }) => i.itemId)).toEqual(['X', 'Y', 'K']);
    const itemCalls = batchGetCalls.filter((c) => c.RequestItems?.Items);
    expect(itemCalls.length).toBeGreaterThanOrEqual(3); // two rounds for the first answer, one for the second
    expect(itemCalls.every((c) => c.RequestItems?.Items?.ConsistentRead === true)).toBe(true);
  });

  it('caches the active pointers and published rows between requests', async () => {
    const { handler } = setup();
    await handler(request('userRecommendations', { userId: 'alice' }));
    await handler(request('userRecommendations', { userId: 'alice' }));
    expect(batchGetCalls.filter((c) => c.RequestItems?.JobRuns)).toHaveLength(1);
    expect(batchGetCalls.filter((c) => c.RequestItems?.Similarities)).toHaveLength(1);
    // The profile is read every time: recommendations follow what the user just did.
    expect(dynamoMock.commandCalls(GetCommand)).toHaveLength(2);
    expect(puts()).toHaveLength(2);
  });

  it('serves an anonymous visitor from their session; the impression carries the anonymousId', async () => {
    const { handler } = setup();
    const response = await handler(request('userRecommendations', { userId: 'anon#v1' }, { limit: '2' }));
    const body = JSON.parse(response.body);
    expect(body.items.map((i: { itemId: string }) => i.itemId)).toEqual(['X', 'Y']);
    const [sent] = puts();
    expect(sent?.partitionKey).toBe('v1');
    expect(sent?.event).toMatchObject({ anonymousId: 'v1', itemIds: ['X', 'Y'] });
    expect(sent?.event.userId).toBeUndefined();
  });

  it('gives users without a profile the popular list', async () => {
    const { handler } = setup();
    const body = JSON.parse((await handler(request('userRecommendations', { userId: 'nobody' }))).body);
    expect(body.items).toEqual([
      { itemId: 'G', score: 0.1, reason: 'popular', reasonKind: 'popular', category: 'toys' },
    ]);
    expect(puts()).toHaveLength(1);
  });

  it('falls back to all-time popularity before the first trending run, and reports no model', async () => {
    installTables({});
    const { handler } = setup();
    const body = JSON.parse((await handler(request('userRecommendations', { userId: 'nobody' }))).body);
    // P1 = 1·5 + 10 = 15, P2 = 2·3 + 50 = 56
    expect(body.items.map((i: { itemId: string }) => i.itemId)).toEqual(['P2', 'P1']);
    expect(body.model).toEqual({ cf: null, trending: null });
  });

  it('records no impression for an empty answer', async () => {
    installTables({});
    dynamoMock.on(ScanCommand).resolves({ Items: [], ScannedCount: 0 });
    const { handler, counts } = setup();
    const response = await handler(request('userRecommendations', { userId: 'nobody' }));
    expect(JSON.parse(response.body).items).toEqual([]);
    expect(puts()).toHaveLength(0);
    expect(counts).toContainEqual(['EmptyRecommendations', 1, undefined]);
  });

  it('answers 200 when the impression put fails, and dead-letters the impression with the reason', async () => {
    kinesisMock
      .on(PutRecordCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException' }));
    const { handler, counts, warnings } = setup();
    const response = await handler(request('userRecommendations', { userId: 'alice' }));
    expect(response.statusCode).toBe(200);
    expect(counts).toContainEqual(['ImpressionPublishFailures', 1, undefined]);
    expect(counts).toContainEqual(['ImpressionsDeadLettered', 1, undefined]);
    expect(JSON.stringify(warnings)).toContain('Rate exceeded');
    const sent = sqsMock.commandCalls(SendMessageBatchCommand).flatMap((c) => c.args[0].input.Entries ?? []);
    expect(sent).toHaveLength(1);
    const letter = ImpressionDeadLetterSchema.parse(JSON.parse(sent[0]?.MessageBody ?? ''));
    expect(letter).toMatchObject({
      reason: 'impression_put_failed',
      error: 'ProvisionedThroughputExceededException: Rate exceeded',
      recommendationId: JSON.parse(response.body).recommendationId,
      partitionKey: 'alice',
      event: {
        type: 'recommendation_impression',
        itemIds: JSON.parse(response.body).items.map((i: { itemId: string }) => i.itemId),
      },
    });
  });

  it('answers within the bound when the put hangs, and keeps the put pending instead of dropping it', async () => {
    let store: (() => void) | undefined;
    kinesisMock.on(PutRecordCommand).callsFake(
      () =>
        new Promise((resolve) => {
          store = () => resolve({ ShardId: 'shardId-000000000000', SequenceNumber: '1' });
        }),
    );
    const { handler, counts, timer, impressions } = setup({ impressionTimeoutMs: 50 });
    let answered = false;
    const answer = handler(request('userRecommendations', { userId: 'alice' })).then((r) => {
      answered = true;
      return r;
    });
    await flushPromises();
    // The response waits for the put, but only for the bound: 50 ms that have not passed yet.
    expect(answered).toBe(false);
    expect(timer.waiting()).toEqual([50]);
    timer.elapse();
    expect((await answer).statusCode).toBe(200);
    expect(impressions.pendingCount).toBe(1);
    expect(counts).toContainEqual(['ImpressionsPendingAtResponse', 1, undefined]);
    expect(counts.map(([name]) => name)).not.toContain('ImpressionPublishFailures');
    // The stream answers later: the impression is published, not lost, and nothing is dead-lettered.
    store?.();
    await flushPromises();
    expect(impressions.pendingCount).toBe(0);
    expect(counts).toContainEqual(['ImpressionsPublished', 1, undefined]);
    expect(counts).toContainEqual(['ImpressionsPublishedLate', 1, undefined]);
    expect(sqsMock.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
  });

  it.each([
    [{ limit: '0' }, 'limit: expected an integer from 1 to 50'],
    [{ limit: 'ten' }, 'limit: Invalid input: expected number, received NaN'],
    [{ exclude: 'purchased,wishlist' }, 'exclude.1'],
    [{ sort: 'price' }, 'unknown query parameter(s): sort'],
    [{ categoryCap: '1.5' }, 'categoryCap: expected an integer'],
  ])('rejects %j with 400 naming the parameter', async (query, message) => {
    const { handler } = setup();
    const response = await handler(request('userRecommendations', { userId: 'alice' }, query));
    expect(response.statusCode).toBe(400);
    const body = ErrorResponseSchema.parse(JSON.parse(response.body));
    expect(body.code).toBe('invalid_query_parameters');
    expect(body.message).toContain(message);
    expect(puts()).toHaveLength(0);
  });

  it('serves buy-again and continue-shopping from the profile alone, each impression with its placement', async () => {
    profiles.bob = {
      userId: 'bob',
      recent: [],
      purchased: [
        { itemId: 'P', at: '2026-11-20T12:00:00.000Z', count: 3, firstAt: '2026-10-01T12:00:00.000Z' },
        { itemId: 'Q', at: '2026-11-25T12:00:00.000Z', count: 1, firstAt: '2026-11-25T12:00:00.000Z' },
      ],
      orders: { count: 4, firstAt: '2026-10-01T12:00:00.000Z', lastAt: '2026-11-25T12:00:00.000Z' },
      browsed: { V: { views: 2, carts: 0, viewedAt: '2026-11-26T10:00:00.000Z' } },
      cart: {},
      affinities: {},
    };
    const { handler } = setup();
    const answer = async (placement: string) => {
      const response = await handler(request('userRecommendations', { userId: 'bob' }, { placement }));
      return UserRecommendationsResponseSchema.parse(JSON.parse(response.body));
    };
    const again = await answer('buy-again');
    expect(again.placement).toBe('buy-again');
    expect(again.items.map((i) => [i.itemId, i.reasonKind, i.reason])).toEqual([
      ['P', 'repurchase', 'you bought this 3 times, last 6 days ago'],
      ['Q', 'repurchase', 'you bought this 1 day ago'],
    ]);
    const shopping = await answer('continue-shopping');
    expect(shopping.items.map((i) => [i.itemId, i.reason])).toEqual([
      ['V', 'you viewed this twice, last 2 hours ago'],
    ]);
    // Neither list reads neighbour or trending rows.
    expect(
      batchGetCalls.filter((c) => c.RequestItems?.Similarities || c.RequestItems?.Trending),
    ).toHaveLength(0);
    expect(
      puts().map((p) => (p.event.type === 'recommendation_impression' ? p.event.placement : undefined)),
    ).toEqual(['buy-again', 'continue-shopping']);
    delete profiles.bob;
  });

  it('refuses an unknown placement, naming the parameter', async () => {
    const { handler } = setup();
    const response = await handler(
      request('userRecommendations', { userId: 'alice' }, { placement: 'upsell' }),
    );
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).errors[0].field).toBe('placement');
  });

  it('applies exclude, excludeItems and category from the query', async () => {
    const { handler } = setup();
    const ids = async (query: Record<string, string>) =>
      JSON.parse((await handler(request('userRecommendations', { userId: 'alice' }, query))).body).items.map(
        (i: { itemId: string }) => i.itemId,
      );
    expect(await ids({ excludeItems: 'X, G' })).toEqual(['Y', 'K']);
    expect(await ids({ category: 'books' })).toEqual(['K']);
  });
});

describe('item routes and the document', () => {
  it('GET /v1/items/{itemId}/similar lists the published neighbours', async () => {
    const { handler } = setup();
    const response = await handler(request('similarItems', { itemId: 'A' }, { limit: '1' }));
    expect(JSON.parse(response.body)).toEqual({
      itemId: 'A',
      generatedAt: NOW.toISOString(),
      model: { cf: 'cf-2', trending: 'tr-7' },
      items: [{ itemId: 'X', score: 0.9, reason: 'similar to A', reasonKind: 'viewed' }],
    });
    expect(puts()).toHaveLength(0);
  });

  it('GET /v1/items/trending reads the category scope', async () => {
    const { handler } = setup();
    const body = TrendingResponseSchema.parse(
      JSON.parse((await handler(request('trendingItems', null, { category: 'books' }))).body),
    );
    expect(body.items).toEqual([
      { itemId: 'K', score: 3, reason: 'trending in books', reasonKind: 'trending', category: 'books' },
    ]);
  });

  it('serves the OpenAPI document', async () => {
    const { handler } = setup();
    const response = await handler(request('openApi', null));
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body).openapi).toBe('3.1.0');
  });

  it('answers 404 for an unknown resource and 500 when a read fails', async () => {
    const { handler } = setup();
    const unknown = { ...request('openApi', null), resource: '/v1/nope' };
    expect((await handler(unknown)).statusCode).toBe(404);
    dynamoMock.on(GetCommand).rejects(new Error('boom'));
    const failed = await handler(request('userRecommendations', { userId: 'alice' }));
    expect(failed.statusCode).toBe(500);
    expect(JSON.parse(failed.body).code).toBe('internal_error');
  });
});

describe('rules (RECOMMEND_RULES): ?filter= and ?boost= with their parameters', () => {
  const rules = checkRulesConfig({
    filters: {
      price_under: {
        params: { maxPrice: { type: 'number', min: 0 } },
        match: [{ field: 'price', max: { param: 'maxPrice' } }],
      },
    },
    boosts: { acme: { factor: 10, match: [{ field: 'attribute', name: 'brand', in: ['acme'] }] } },
  });
  beforeEach(() => {
    catalogueRows = {
      X: { itemId: 'X', price: 12.5 },
      Y: { itemId: 'Y', price: 30 },
      K: { itemId: 'K', price: 5, attributes: { brand: 'acme' } },
      G: { itemId: 'G', price: 25 },
    };
  });
  const itemIds = (body: string) =>
    (JSON.parse(body) as { items: { itemId: string }[] }).items.map((i) => i.itemId);

  it('returns only the items the named filter keeps, and records those in the impression', async () => {
    const { handler } = setup({ rules });
    const all = await handler(request('userRecommendations', { userId: 'alice' }, { limit: '4' }));
    expect(itemIds(all.body)).toEqual(['X', 'Y', 'K', 'G']);
    const cheap = await handler(
      request(
        'userRecommendations',
        { userId: 'alice' },
        { limit: '4', filter: 'price_under', maxPrice: '20' },
      ),
    );
    expect(cheap.statusCode).toBe(200);
    expect(itemIds(cheap.body)).toEqual(['X', 'K']);
    expect(puts()[1]?.event).toMatchObject({ itemIds: ['X', 'K'] });
  });

  it('boosts on request, on every route', async () => {
    const { handler } = setup({ rules });
    const boosted = await handler(
      request('userRecommendations', { userId: 'alice' }, { limit: '4', boost: 'acme' }),
    );
    expect(itemIds(boosted.body)[0]).toBe('K');
    const similar = await handler(
      request('similarItems', { itemId: 'A' }, { filter: 'price_under', maxPrice: '20' }),
    );
    expect(itemIds(similar.body)).toEqual(['X']);
  });

  it.each([
    [{ filter: 'cheap' }, "unknown filter 'cheap'; configured: price_under"],
    [{ filter: 'price_under' }, 'filter price_under needs the query parameter maxPrice (a number >= 0)'],
    [
      { filter: 'price_under', maxPrice: 'ten' },
      "maxPrice: expected a number, got 'ten' (filter price_under)",
    ],
    [
      { maxPrice: '20' },
      'maxPrice is a parameter of filter price_under, which the request does not name (e.g. filter=price_under)',
    ],
  ])('answers 400 for %j: %s', async (query, message) => {
    const { handler } = setup({ rules });
    const response = await handler(request('userRecommendations', { userId: 'alice' }, query));
    expect(response.statusCode).toBe(400);
    expect(ErrorResponseSchema.parse(JSON.parse(response.body))).toMatchObject({
      code: 'invalid_query_parameters',
      message,
    });
    expect(puts()).toHaveLength(0);
  });

  it('without rules configured, names no filter as known', async () => {
    const { handler } = setup();
    const response = await handler(request('trendingItems', null, { filter: 'price_under' }));
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).message).toBe("unknown filter 'price_under'; no filters are configured");
  });

  it("lists the deployment's rule parameters in the OpenAPI document", async () => {
    const { handler } = setup({ rules });
    const doc = JSON.parse((await handler(request('openApi', null))).body);
    const names = (route: string) =>
      (doc.paths[route].get.parameters as { name: string }[]).map((p) => p.name);
    for (const route of [
      '/v1/users/{userId}/recommendations',
      '/v1/items/{itemId}/similar',
      '/v1/items/trending',
    ]) {
      expect(names(route)).toEqual(expect.arrayContaining(['filter', 'boost', 'maxPrice']));
    }
  });
});

describe('new arrivals (cold start): RECOMMEND_EXPLORATION and ?exploration=', () => {
  const created = NOW.getTime() - 86_400_000;
  beforeEach(() => {
    catalogueRows = {
      [newArrivalsKey('books')]: {
        itemId: newArrivalsKey('books'),
        arrivals: new Set([encodeArrival({ itemId: 'NEW1', createdAt: created })]),
      },
      NEW1: { itemId: 'NEW1', category: 'books', createdAt: new Date(created).toISOString(), title: 'Fresh' },
      A: { itemId: 'A', category: 'books' },
      LONELY: { itemId: 'LONELY', category: 'books' },
    };
  });
  const items = async (response: Promise<{ body: string }>) =>
    (JSON.parse((await response).body) as { items: Array<{ itemId: string; reason: string }> }).items;

  it("gives a new item of the user's category the exploration slot, with its reason and title", async () => {
    const { handler } = setup();
    const list = await items(handler(request('userRecommendations', { userId: 'alice' }, { limit: '2' })));
    expect(list.map((i) => i.itemId)).toEqual(['X', 'NEW1']);
    expect(list[1]).toMatchObject({ reason: 'new in books', reasonKind: 'new', title: 'Fresh' });
    const newArrivalReads = batchGetCalls.filter((c) =>
      c.RequestItems?.Items?.Keys?.some((k) => k.itemId === newArrivalsKey('books')),
    );
    expect(newArrivalReads).toHaveLength(1);
  });

  it('?exploration=0 leaves new arrivals out; a bad value is a 400 naming the parameter', async () => {
    const { handler } = setup();
    const off = await items(
      handler(request('userRecommendations', { userId: 'alice' }, { limit: '2', exploration: '0' })),
    );
    expect(off.map((i) => i.itemId)).not.toContain('NEW1');
    const bad = await handler(request('userRecommendations', { userId: 'alice' }, { exploration: 'x' }));
    expect(bad.statusCode).toBe(400);
    expect(JSON.parse(bad.body).errors).toEqual([
      { field: 'exploration', message: expect.stringContaining('exploration') },
    ]);
  });

  it('similar adds the new arrivals of the seed category, and answers a seed without neighbours', async () => {
    const { handler } = setup();
    const withNeighbours = await items(handler(request('similarItems', { itemId: 'A' }, { limit: '2' })));
    expect(withNeighbours.map((i) => [i.itemId, i.reason])).toEqual([
      ['X', 'similar to A'],
      ['NEW1', 'new in books'],
    ]);
    const lonely = await items(handler(request('similarItems', { itemId: 'LONELY' })));
    expect(lonely.map((i) => i.itemId)).toEqual(['NEW1']);
  });

  it('an out-of-stock new arrival is left out from the next request', async () => {
    const { handler } = setup();
    (catalogueRows.NEW1 as Record<string, unknown>).availability = 'out_of_stock';
    const list = await items(handler(request('userRecommendations', { userId: 'alice' }, { limit: '2' })));
    expect(list.map((i) => i.itemId)).not.toContain('NEW1');
  });
});
