/**
 * Dead-letter destination for records that can never be processed: an SQS queue, in AWS and locally alike
 * (locally AWS_ENDPOINT_URL_SQS points the client at the local SQS endpoint or at moto; the local runtime's
 * event source mappings send their on-failure records through this sink too).
 */
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { sqsClient } from './aws-clients';

export interface QueueSink {
  /** Sends every message or throws; partial failures are retried inside. */
  sendAll(messages: readonly object[]): Promise<void>;
}

export class SqsQueueSink implements QueueSink {
  /** @param client @default the functions' shared client (aws-clients.ts) */
  constructor(
    private readonly queueUrl: string,
    private readonly client: () => SQSClient = sqsClient,
  ) {}

  async sendAll(messages: readonly object[]): Promise<void> {
    for (let start = 0; start < messages.length; start += 10) {
      let pending = messages
        .slice(start, start + 10)
        .map((m, i) => ({ Id: String(i), MessageBody: sqsMessageBody(m) }));
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt === 5)
          throw new Error(`SQS rejected ${pending.length} dead-letter messages after 5 attempts`);
        const out = await this.client().send(
          new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: pending }),
        );
        const failed = new Set((out.Failed ?? []).map((f) => f.Id));
        pending = pending.filter((e) => failed.has(e.Id));
        if (pending.length > 0) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
      }
    }
  }
}

/**
 * The message's JSON, with the only characters JSON.stringify leaves unescaped that SQS refuses in a body
 * (U+FFFE, U+FFFF; it escapes control characters and lone surrogates itself) written as `\uXXXX`: the same
 * JSON value, so a poison record whose payload holds one is dead-lettered instead of failing forever.
 */
export function sqsMessageBody(message: object): string {
  return JSON.stringify(message).replace(/[\uFFFE\uFFFF]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}
