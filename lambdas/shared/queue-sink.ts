/**
 * Dead-letter destination for records that can never be processed. SQS in AWS; locally the queue
 * URL resolves to a file:// URL and each message becomes one JSON line in that file, where the
 * local runtime's ESM poller also writes its on-failure records.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { sqsClient } from './aws-clients';

export interface QueueSink {
  /** Sends every message or throws; partial failures are retried inside. */
  sendAll(messages: readonly object[]): Promise<void>;
}

export class SqsQueueSink implements QueueSink {
  constructor(private readonly queueUrl: string) {}

  async sendAll(messages: readonly object[]): Promise<void> {
    for (let start = 0; start < messages.length; start += 10) {
      let pending = messages
        .slice(start, start + 10)
        .map((m, i) => ({ Id: String(i), MessageBody: JSON.stringify(m) }));
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt === 5)
          throw new Error(`SQS rejected ${pending.length} dead-letter messages after 5 attempts`);
        const out = await sqsClient().send(
          new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: pending }),
        );
        const failed = new Set((out.Failed ?? []).map((f) => f.Id));
        pending = pending.filter((e) => failed.has(e.Id));
        if (pending.length > 0) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
      }
    }
  }
}

export class FileQueueSink implements QueueSink {
  private readonly path: string;
  constructor(fileUrl: string) {
    this.path = fileURLToPath(fileUrl);
  }

  async sendAll(messages: readonly object[]): Promise<void> {
    if (messages.length === 0) return;
    await mkdir(dirname(this.path), { recursive: true });
    await appendFile(this.path, messages.map((m) => `${JSON.stringify(m)}\n`).join(''));
  }
}

export function queueSinkFor(queueUrl: string): QueueSink {
  return queueUrl.startsWith('file://') ? new FileQueueSink(queueUrl) : new SqsQueueSink(queueUrl);
}
