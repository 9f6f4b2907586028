/**
 * The baseline for the write-amplification benchmark: what a straightforward per-record consumer
 * does. For each event, in order: one UpdateItem on the profile (ADD a per-type counter, SET
 * lastEventAt), then one UpdateItem per item row the event touches (the all-time row and the hourly
 * row of each item, ADD the counters). No batching, no read-before-write, no exactly-once protection.
 * The writes of one event go out together; the next event starts when they are done.
 */
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { contributionsOf, hourBucket, TOTAL_BUCKET } from '../lambdas/consumer/item-stats';
import type { CanonicalEvent } from '../lambdas/shared/events';
import { profileKeyOf } from '../lambdas/shared/profile-record';

export interface NaiveConsumerOptions {
  readonly profilesTable: string;
  readonly itemStatsTable: string;
  /** Called once per request sent, with the row kind it writes. */
  readonly onRequest?: (kind: 'read' | 'write', row: 'profile' | 'item') => void;
}

export class NaiveConsumer {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly options: NaiveConsumerOptions,
  ) {}

  async process(events: readonly CanonicalEvent[]): Promise<void> {
    for (const event of events) await this.apply(event);
  }

  private async apply(event: CanonicalEvent): Promise<void> {
    const writes: Promise<unknown>[] = [this.updateProfile(event)];
    for (const { itemId, category, delta } of contributionsOf(event)) {
      for (const bucket of [TOTAL_BUCKET, hourBucket(event.occurredAt)]) {
        const names: Record<string, string> = { '#last': 'lastEventAt' };
        const values: Record<string, unknown> = { ':last': event.occurredAt };
        const sets = ['#last = :last'];
        if (category !== undefined) {
          names['#category'] = 'category';
          values[':category'] = category;
          sets.push('#category = :category');
        }
        const adds: string[] = [];
        for (const [counter, value] of Object.entries(delta)) {
          names[`#${counter}`] = counter;
          values[`:${counter}`] = value;
          adds.push(`#${counter} :${counter}`);
        }
        writes.push(
          this.write(
            'item',
            new UpdateCommand({
              TableName: this.options.itemStatsTable,
              Key: { itemId, bucket },
              UpdateExpression: `SET ${sets.join(', ')} ADD ${adds.join(', ')}`,
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: values,
            }),
          ),
        );
      }
    }
    await Promise.all(writes);
  }

  private updateProfile(event: CanonicalEvent): Promise<unknown> {
    return this.write(
      'profile',
      new UpdateCommand({
        TableName: this.options.profilesTable,
        Key: { userId: profileKeyOf(event) },
        UpdateExpression: 'ADD #count :one SET #last = :at',
        ExpressionAttributeNames: { '#count': `count_${event.type}`, '#last': 'lastEventAt' },
        ExpressionAttributeValues: { ':one': 1, ':at': event.occurredAt },
      }),
    );
  }

  private write(row: 'profile' | 'item', command: UpdateCommand): Promise<unknown> {
    this.options.onRequest?.('write', row);
    return this.client.send(command);
  }
}
