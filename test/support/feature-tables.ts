/**
 * A document client for a local DynamoDB emulator and fresh Profiles/ItemStats tables with the
 * stack's key schema, for tests and benchmarks that run the consumer's store directly.
 */
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';

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
  readonly progress: string;
}

/**
 * Creates `<prefix>Profiles` (userId), `<prefix>ItemStats` (itemId, bucket) and `<prefix>ConsumerProgress`
 * (shardId), as lib/feature-store.ts defines them.
 */
export async function createFeatureTables(
  client: DynamoDBDocumentClient,
  prefix: string,
): Promise<FeatureTableNames> {
  const names = {
    profiles: `${prefix}Profiles`,
    items: `${prefix}ItemStats`,
    progress: `${prefix}ConsumerProgress`,
  };
  await client.send(
    new CreateTableCommand({
      TableName: names.progress,
      KeySchema: [{ AttributeName: 'shardId', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'shardId', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  await client.send(
    new CreateTableCommand({
      TableName: names.profiles,
      KeySchema: [{ AttributeName: 'userId', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'userId', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  await client.send(
    new CreateTableCommand({
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
    }),
  );
  return names;
}
