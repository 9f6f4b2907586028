/**
 * Sends one impression record with PutRecord, with the retries of the client it is given (the recommendation
 * function passes one with the SDK's standard retries, shared/aws-clients.ts `retryingKinesisClient`). No
 * timeout of its own: the publisher (impression-publisher.ts) bounds how long a response waits, not the put.
 */
import { type KinesisClient, PutRecordCommand } from '@aws-sdk/client-kinesis';
import type { ImpressionSink } from './impression';

export class KinesisImpressionSink implements ImpressionSink {
  constructor(
    private readonly client: KinesisClient,
    private readonly streamName: string,
  ) {}

  async send(record: { partitionKey: string; data: Uint8Array }): Promise<void> {
    await this.client.send(
      new PutRecordCommand({
        StreamName: this.streamName,
        PartitionKey: record.partitionKey,
        Data: record.data,
      }),
    );
  }
}
