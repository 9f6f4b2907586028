/**
 * A document client for a local DynamoDB emulator and fresh Profiles/ItemStats tables with the
 * stack's key schema, for tests and benchmarks that run the consumer's store directly.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { createActiveTable } from '../../local/provision';

export function localDocumentClient(endpoint: string): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      requestHandler: new NodeHttpHandler(),
    }),
    { marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false } },
  );
}

export interface FeatureTableNames {
  readonly profiles: string;
  readonly items: string;
}

/** Creates `<prefix>Profiles` (userId) and `<prefix>ItemStats` (itemId, bucket), as lib/feature-store.ts defines them. */
export async function createFeatureTables(
  client: DynamoDBDocumentClient,
  prefix: string,
): Promise<FeatureTableNames> {
  const names = { profiles: `${prefix}Profiles`, items: `${prefix}ItemStats` };
  await createActiveTable(client, {
    TableName: names.profiles,
    KeySchema: [{ AttributeName: 'userId', KeyType: 'HASH' }],
    AttributeDefinitions: [{ AttributeName: 'userId', AttributeType: 'S' }],
    BillingMode: 'PAY_PER_REQUEST',
  });
  await createActiveTable(client, {
    TableName: names.items,
    KeySchema: [
      { AttributeName: 'itemId', KeyType: 'HASH' },
      { AttributeName: 'bucket', KeyType: 'RANGE' },
    ],
    AttributeDefinitions: [
      { AttributeName: 'itemId', AttributeType: 'S' },
      { AttributeName: 'bucket', AttributeType: 'S' },
    ],
    BillingMode: 'PAY_PER_REQUEST',
  });
  return names;
}
