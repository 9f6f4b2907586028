/**
 * DynamoDB adapters of the deletion ports: the DeletionRequests audit table (partition key `requestId`)
 * and the profile eraser (Profiles, partition key `userId`).
 */
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';
import { parseProfileRecord } from '../shared/profile-record';
import type { DeletionRequest, DeletionRequestStore, ProfileEraser } from './deletion-request';

export class DynamoDeletionRequestStore implements DeletionRequestStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async put(request: DeletionRequest): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: { ...request } }));
  }

  async get(requestId: string): Promise<DeletionRequest | undefined> {
    const out = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { requestId } }));
    return out.Item as DeletionRequest | undefined;
  }

  /** A scan: the table holds one small item per request, and the purge reads it once an hour. */
  async pending(): Promise<DeletionRequest[]> {
    const items: DeletionRequest[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.client.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: '#status = :pending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':pending': 'pending' },
          ExclusiveStartKey: start,
        }),
      );
      items.push(...((out.Items ?? []) as DeletionRequest[]));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }
}

export class DynamoProfileEraser implements ProfileEraser {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async linkedAnonymousIds(userId: string): Promise<readonly string[]> {
    const out = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { userId },
        ProjectionExpression: '#linked',
        ExpressionAttributeNames: { '#linked': 'linkedAnonymous' },
      }),
    );
    return parseProfileRecord({ userId, version: 0, ...out.Item }).linkedAnonymous ?? [];
  }

  async deleteProfile(userId: string): Promise<boolean> {
    const out = await this.client.send(
      new DeleteCommand({ TableName: this.tableName, Key: { userId }, ReturnValues: 'ALL_OLD' }),
    );
    return out.Attributes !== undefined;
  }
}
