/** An SQS queue as `MessageQueue` (impression-replay.ts): on AWS, or the local SQS endpoint / moto. */
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { MessageQueue, QueueMessage } from './impression-replay';

export class SqsMessageQueue implements MessageQueue {
  readonly description: string;

  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {
    this.description = `queue ${queueUrl}`;
  }

  async receive(visibilitySeconds: number): Promise<readonly QueueMessage[]> {
    const out = await this.client.send(
      new ReceiveMessageCommand({
        QueueUrl: this.queueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: visibilitySeconds,
        WaitTimeSeconds: 0,
      }),
    );
    return (out.Messages ?? []).flatMap((m) =>
      m.MessageId && m.ReceiptHandle
        ? [{ id: m.MessageId, body: m.Body ?? '', receipt: m.ReceiptHandle }]
        : [],
    );
  }

  async delete(receipts: readonly string[]): Promise<void> {
    for (let start = 0; start < receipts.length; start += 10) {
      const entries = receipts
        .slice(start, start + 10)
        .map((ReceiptHandle, i) => ({ Id: String(i), ReceiptHandle }));
      const out = await this.client.send(
        new DeleteMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: entries }),
      );
      if (out.Failed && out.Failed.length > 0)
        throw new Error(
          `SQS did not delete ${out.Failed.length} message(s): ${out.Failed.map((f) => f.Message ?? f.Code).join('; ')}`,
        );
    }
  }
}
