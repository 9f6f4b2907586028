/**
 * Sends one impression record with PutRecord. One attempt, no SDK retries (the client is created with
 * maxAttempts 1): the caller bounds it with a short timeout through the abort signal, so a slow or
 * throttled stream costs the request at most that timeout and the record is counted as lost.
 */
import { type KinesisClient, PutRecordCommand } from '@aws-sdk/client-kinesis';
import type { ImpressionSink } from './impression';

export class KinesisImpressionSink implements ImpressionSink {
  constructor(
    private readonly client: KinesisClient,
    private readonly streamName: string,
  ) {}

  async send(record: { partitionKey: string; data: Uint8Array }, signal: AbortSignal): Promise<void> {
    await this.client.send(
      new PutRecordCommand({
        StreamName: this.streamName,
        PartitionKey: record.partitionKey,
        Data: record.data,
      }),
      { abortSignal: signal },
    );
  }
}
