/** DynamoDB implementation of the shard progress port: one item per shard in the ConsumerProgress table. */
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { ShardGap, ShardProgress, ShardProgressPort } from './shard-progress';

export class DynamoShardProgress implements ShardProgressPort {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    /** Counts requests, like DynamoFeatureStore's hook. */
    private readonly onRequest?: (kind: 'read' | 'write') => void,
  ) {}

  async get(shardId: string): Promise<ShardProgress | undefined> {
    this.onRequest?.('read');
    // Consistent: the previous invocation of the shard wrote it a moment ago, maybe from another container.
    const out = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { shardId }, ConsistentRead: true }),
    );
    const item = out.Item;
    if (!item) return undefined;
    return {
      shardId,
      from: String(item.from),
      to: String(item.to),
      done: item.done === true,
      gaps: ((item.gaps as ShardGap[] | undefined) ?? []).map((g) => ({
        before: g.before,
        at: Number(g.at),
      })),
    };
  }

  async put(progress: ShardProgress): Promise<void> {
    this.onRequest?.('write');
    await this.client.send(new PutCommand({ TableName: this.table, Item: { ...progress } }));
  }
}
