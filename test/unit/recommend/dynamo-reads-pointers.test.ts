/**
 * The ACTIVE pointers' cache of DynamoRecommendationReads: a complete answer is cached for pointerTtlMs,
 * but the absence of a version (before a job's first publish) only briefly, so that a first published
 * version is served within seconds instead of after the full TTL.
 */
import { BatchGetCommand, type BatchGetCommandInput, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { DynamoRecommendationReads } from '../../../lambdas/recommend/dynamo-reads';
import { mockedRecommendationReads } from '../../support/recommend-reads';

const dynamoMock = mockClient(DynamoDBDocumentClient);

function readsAt(clock: { now: number }): DynamoRecommendationReads {
  return mockedRecommendationReads({ now: () => clock.now });
}

function publish(pointers: Record<string, string>): void {
  dynamoMock.on(BatchGetCommand).callsFake((input: BatchGetCommandInput) => {
    const table = Object.keys(input.RequestItems ?? {})[0] as string;
    return {
      Responses: {
        [table]: Object.entries(pointers).map(([job, activeVersion]) => ({
          job,
          runId: 'ACTIVE',
          activeVersion,
        })),
      },
    };
  });
}

beforeEach(() => dynamoMock.reset());

test('a version published after a read that found none is served within seconds, not after the TTL', async () => {
  const clock = { now: 1_000_000 };
  const reads = readsAt(clock);
  publish({ cf: 'cf-1' });
  await expect(reads.activeVersions()).resolves.toEqual({ cf: 'cf-1' });
  publish({ cf: 'cf-1', trending: 'trending-1' });
  clock.now += 10_000;
  await expect(reads.activeVersions()).resolves.toEqual({ cf: 'cf-1', trending: 'trending-1' });
});

test('complete pointers are cached for the TTL: one read per minute', async () => {
  const clock = { now: 1_000_000 };
  const reads = readsAt(clock);
  publish({ cf: 'cf-1', trending: 'trending-1' });
  await reads.activeVersions();
  publish({ cf: 'cf-2', trending: 'trending-2' });
  clock.now += 59_000;
  await expect(reads.activeVersions()).resolves.toEqual({ cf: 'cf-1', trending: 'trending-1' });
  expect(dynamoMock.commandCalls(BatchGetCommand)).toHaveLength(1);
  clock.now += 2_000;
  await expect(reads.activeVersions()).resolves.toEqual({ cf: 'cf-2', trending: 'trending-2' });
});
