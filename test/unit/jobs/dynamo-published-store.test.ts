import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoPublishedStore, UnprocessedItemsError } from '../../../lambdas/jobs/dynamo-published-store';
import type { SimilarityItem } from '../../../lambdas/shared/published';
import { decodeNeighbours, decodeTrendingEntries } from '../../../lambdas/shared/published-encoding';

const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const ddb = mockClient(doc);
const tables = { cf: 'Similarities', trending: 'Trending' };
const items: SimilarityItem[] = Array.from({ length: 60 }, (_, i) => ({
  itemId: `i${i}`,
  version: 'v1',
  neighbours: [],
}));
const put = (item: SimilarityItem) => ({ PutRequest: { Item: { ...item } } });

beforeEach(() => ddb.reset());

describe('DynamoPublishedStore', () => {
  it('writes in chunks of 25', async () => {
    ddb.on(BatchWriteCommand).resolves({});
    await new DynamoPublishedStore(tables, doc, { concurrency: 1 }).write('cf', items);
    const sizes = ddb
      .commandCalls(BatchWriteCommand)
      .map((c) => c.args[0].input.RequestItems?.Similarities?.length);
    expect(sizes).toEqual([25, 25, 10]);
  });

  it('writes each list as one packed string attribute that the readers decode', async () => {
    ddb.on(BatchWriteCommand).resolves({});
    const store = new DynamoPublishedStore(tables, doc);
    const neighbours = [{ itemId: 'b', score: 0.5, support: 3 }];
    await store.write('cf', [{ itemId: 'a', version: 'v1', neighbours, expiresAt: 9 }]);
    await store.write('trending', [{ scope: 'global', version: 'v1', items: [{ itemId: 'x', score: 2 }] }]);
    const [cf, trending] = ddb
      .commandCalls(BatchWriteCommand)
      .map((c) => Object.values(c.args[0].input.RequestItems ?? {})[0]?.[0]?.PutRequest?.Item);
    expect(cf).toEqual({ itemId: 'a', version: 'v1', neighbours: expect.any(String), expiresAt: 9 });
    expect(decodeNeighbours(cf?.neighbours)).toEqual(neighbours);
    expect(trending).toEqual({ scope: 'global', version: 'v1', items: expect.any(String) });
    expect(decodeTrendingEntries(trending?.items)).toEqual([{ itemId: 'x', score: 2 }]);
  });

  it('retries UnprocessedItems with growing, jittered backoff until all are written', async () => {
    const sleeps: number[] = [];
    const chunk = items.slice(0, 3);
    ddb
      .on(BatchWriteCommand)
      .resolvesOnce({
        UnprocessedItems: {
          Similarities: [put(chunk[1] as SimilarityItem), put(chunk[2] as SimilarityItem)],
        },
      })
      .resolvesOnce({ UnprocessedItems: { Similarities: [put(chunk[2] as SimilarityItem)] } })
      .resolves({});
    const store = new DynamoPublishedStore(tables, doc, {
      baseDelayMs: 100,
      sleep: async (ms) => void sleeps.push(ms),
      random: () => 0.5,
    });
    await store.write('cf', chunk);
    const sent = ddb
      .commandCalls(BatchWriteCommand)
      .map((c) => c.args[0].input.RequestItems?.Similarities?.map((r) => r.PutRequest?.Item?.itemId));
    expect(sent).toEqual([['i0', 'i1', 'i2'], ['i1', 'i2'], ['i2']]);
    expect(sleeps).toEqual([50, 100]);
  });

  it('gives up after maxAttempts with the number still unprocessed', async () => {
    ddb.on(BatchWriteCommand).resolves({ UnprocessedItems: { Trending: [put(items[0] as SimilarityItem)] } });
    const store = new DynamoPublishedStore(tables, doc, { maxAttempts: 3, sleep: async () => undefined });
    await expect(store.write('trending', items.slice(0, 1) as never)).rejects.toThrow(
      new UnprocessedItemsError('Trending', 1, 3),
    );
    expect(ddb.commandCalls(BatchWriteCommand)).toHaveLength(3);
  });
});
