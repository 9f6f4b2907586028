/**
 * A document client for a local DynamoDB emulator and fresh Profiles/ItemStats (and Items) tables with the
 * stack's key schema, for tests and benchmarks that run the consumer's store directly.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { createActiveTable } from '../../local/emulators';

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
  const keys: Array<[string, Array<[string, 'HASH' | 'RANGE']>]> = [
    [names.profiles, [['userId', 'HASH']]],
    [
      names.items,
      [
        ['itemId', 'HASH'],
        ['bucket', 'RANGE'],
      ],
    ],
    [names.progress, [['shardId', 'HASH']]],
  ];
  for (const [TableName, schema] of keys) {
    await createActiveTable(client, {
      TableName,
      KeySchema: schema.map(([AttributeName, KeyType]) => ({ AttributeName, KeyType })),
      AttributeDefinitions: schema.map(([AttributeName]) => ({ AttributeName, AttributeType: 'S' })),
      BillingMode: 'PAY_PER_REQUEST',
    });
  }
  return names;
}

/** A catalogue Items table (partition key `itemId`, lib/item-catalogue.ts) on the emulator. */
export async function createItemsTable(client: DynamoDBDocumentClient, tableName: string): Promise<void> {
  await createActiveTable(client, {
    TableName: tableName,
    KeySchema: [{ AttributeName: 'itemId', KeyType: 'HASH' }],
    AttributeDefinitions: [{ AttributeName: 'itemId', AttributeType: 'S' }],
    BillingMode: 'PAY_PER_REQUEST',
  });
}
