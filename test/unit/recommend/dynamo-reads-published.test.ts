/**
 * Published lists through DynamoRecommendationReads: packed rows and legacy rows both decode (a version
 * published before the packed format stays readable), a request reads only its source items' keys and the
 * list attribute, and rows of a version are cached per environment while a new version reads again.
 */
import { BatchGetCommand, type BatchGetCommandInput, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { DynamoRecommendationReads } from '../../../lambdas/recommend/dynamo-reads';
import { storedSimilarityRow, storedTrendingRow } from '../../../lambdas/shared/published-encoding';
import { mockedRecommendationReads } from '../../support/recommend-reads';

const dynamoMock = mockClient(DynamoDBDocumentClient);

function reads(cacheEntries?: number): DynamoRecommendationReads {
  return mockedRecommendationReads(cacheEntries === undefined ? {} : { cacheEntries });
}

const rows: Record<string, object[]> = {
  Similarities: [
    storedSimilarityRow({
      itemId: 'a',
      version: 'v2',
      neighbours: [
        { itemId: 'b', score: 0.75, support: 4 },
        { itemId: 'c', score: 0.5, support: 2 },
      ],
    }),
    // Published before the packed format: a list of maps.
    { itemId: 'a', version: 'v1', neighbours: [{ itemId: 'z', score: 0.9, support: 7 }] },
  ],
  Trending: [
    storedTrendingRow({
      scope: 'global',
      version: 't1',
      items: [
        { itemId: 'x', score: 10, category: 'shoes' },
        { itemId: 'y', score: 5 },
      ],
    }),
  ],
};
let calls: BatchGetCommandInput[] = [];

beforeEach(() => {
  dynamoMock.reset();
  calls = [];
  dynamoMock.on(BatchGetCommand).callsFake((input: BatchGetCommandInput) => {
    calls.push(input);
    const [table, request] = Object.entries(input.RequestItems ?? {})[0] as [string, { Keys: object[] }];
    const wanted = request.Keys.map((k) => JSON.stringify(Object.values(k)));
    return {
      Responses: {
        [table]: (rows[table] ?? []).filter((row) =>
          wanted.includes(JSON.stringify(Object.values(row).slice(0, 2))),
        ),
      },
    };
  });
});

test('packed and legacy neighbour rows decode to the same views', async () => {
  const r = reads();
  expect(await r.neighbours(['a', 'missing'], 'v2')).toEqual(
    new Map([
      [
        'a',
        [
          { itemId: 'b', score: 0.75, support: 4 },
          { itemId: 'c', score: 0.5, support: 2 },
        ],
      ],
    ]),
  );
  expect(await r.neighbours(['a'], 'v1')).toEqual(
    new Map([['a', [{ itemId: 'z', score: 0.9, support: 7 }]]]),
  );
});

test('trending rows decode with their categories', async () => {
  expect(await reads().trending(['global'], 't1')).toEqual(
    new Map([
      [
        'global',
        [
          { itemId: 'x', score: 10, category: 'shoes' },
          { itemId: 'y', score: 5 },
        ],
      ],
    ]),
  );
});

test('a request reads only its source items, projected to the keys and the list', async () => {
  await reads().neighbours(['a', 'b', 'a'], 'v2');
  expect(calls).toHaveLength(1);
  const request = calls[0]?.RequestItems?.Similarities;
  expect(request?.Keys).toEqual([
    { itemId: 'a', version: 'v2' },
    { itemId: 'b', version: 'v2' },
  ]);
  expect(request?.ProjectionExpression).toBe('#itemId, #version, #neighbours');
  expect(request?.ExpressionAttributeNames).toEqual({
    '#itemId': 'itemId',
    '#version': 'version',
    '#neighbours': 'neighbours',
  });
});

test('rows of a version are cached, absent ones too; another version is read again', async () => {
  const r = reads();
  await r.neighbours(['a', 'missing'], 'v2');
  await r.neighbours(['missing', 'a'], 'v2');
  expect(calls).toHaveLength(1);
  expect(await r.neighbours(['a'], 'v1')).toEqual(
    new Map([['a', [{ itemId: 'z', score: 0.9, support: 7 }]]]),
  );
  expect(calls).toHaveLength(2);
});

test('cacheEntries 0 reads every request from the table', async () => {
  const r = reads(0);
  await r.neighbours(['a'], 'v2');
  await r.neighbours(['a'], 'v2');
  expect(calls).toHaveLength(2);
});

test('each read of published rows says how many the row cache held and how many were read', async () => {
  const counted: Array<[number, number]> = [];
  const r = mockedRecommendationReads({ onRowCache: (hits, misses) => counted.push([hits, misses]) });
  await r.neighbours(['a', 'missing'], 'v2');
  await r.neighbours(['a', 'missing', 'b'], 'v2');
  await r.trending(['global'], 't1');
  expect(counted).toEqual([
    [0, 2],
    [2, 1],
    [0, 1],
  ]);
});

test('a fractional cacheEntries keeps its whole rows; below 1 the cache is off', async () => {
  const r = reads(1.5);
  await r.neighbours(['a'], 'v2');
  await r.neighbours(['a'], 'v2');
  expect(calls).toHaveLength(1);
  const off = reads(0.5);
  await off.neighbours(['a'], 'v2');
  await off.neighbours(['a'], 'v2');
  expect(calls).toHaveLength(3);
});

test('the cache is bounded: the least recently used row is read again', async () => {
  const r = reads(2);
  await r.neighbours(['a', 'b'], 'v2');
  await r.neighbours(['a'], 'v2');
  await r.neighbours(['c'], 'v2'); // evicts b, the least recently used
  expect(calls).toHaveLength(2);
  await r.neighbours(['a'], 'v2');
  expect(calls).toHaveLength(2);
  await r.neighbours(['b'], 'v2');
  expect(calls).toHaveLength(3);
});
