/**
 * A lease in the DeletionRequests table (item `requestId = lease#lake-purge`, no `status`, so the pending
 * scan never returns it) that keeps two purge invocations from rewriting the same objects at once: a daily
 * execution may still be looping when the next one starts. It expires by itself after `ttlMs`, so a
 * crashed invocation blocks nobody for longer than its own timeout.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';

export const PURGE_LEASE_ID = 'lease#lake-purge';

export class DynamoPurgeLease {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async acquire(owner: string, nowMs: number, ttlMs: number): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { requestId: PURGE_LEASE_ID, owner, expiresAtMs: nowMs + ttlMs },
          ConditionExpression: 'attribute_not_exists(requestId) OR expiresAtMs < :now OR #owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':now': nowMs, ':owner': owner },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async release(owner: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { requestId: PURGE_LEASE_ID },
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': owner },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}
