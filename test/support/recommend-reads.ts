/**
 * The recommendation API's DynamoDB adapter over a client that aws-sdk-client-mock intercepts
 * (`mockClient(DynamoDBDocumentClient)` in the test), with the tables named after their role.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type DynamoReadsOptions, DynamoRecommendationReads } from '../../lambdas/recommend/dynamo-reads';

export const RECOMMEND_TABLES = {
  profilesTable: 'Profiles',
  similaritiesTable: 'Similarities',
  trendingTable: 'Trending',
  jobRunsTable: 'JobRuns',
  itemStatsTable: 'ItemStats',
  itemsTable: 'Items',
} as const;

export function mockedRecommendationReads(
  options: Partial<Omit<DynamoReadsOptions, 'client'>> = {},
): DynamoRecommendationReads {
  return new DynamoRecommendationReads({
    client: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })),
    ...RECOMMEND_TABLES,
    ...options,
  });
}
