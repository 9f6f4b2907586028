/** Similarities, Trending and JobRuns tables with the keys lib/batch-jobs.ts gives them, on an emulator. */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createActiveTable } from '../../local/emulators';

export interface JobTableNames {
  readonly similarities: string;
  readonly trending: string;
  readonly jobRuns: string;
}

export async function createJobTables(
  client: DynamoDBDocumentClient,
  prefix: string,
): Promise<JobTableNames> {
  const names = {
    similarities: `${prefix}Similarities`,
    trending: `${prefix}Trending`,
    jobRuns: `${prefix}JobRuns`,
  };
  const keys: Array<[string, string, string]> = [
    [names.similarities, 'itemId', 'version'],
    [names.trending, 'scope', 'version'],
    [names.jobRuns, 'job', 'runId'],
  ];
  for (const [TableName, hash, range] of keys) {
    await createActiveTable(client, {
      TableName,
      KeySchema: [
        { AttributeName: hash, KeyType: 'HASH' },
        { AttributeName: range, KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: hash, AttributeType: 'S' },
        { AttributeName: range, AttributeType: 'S' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    });
  }
  return names;
}
