/**
 * The queues behind the local SQS endpoint (sqs-directory.ts): one JSON-lines file per queue,
 * `<rootDir>/<QueueName>.jsonl`, one message per line, so messages survive a restart of the runtime and can
 * be read with any text tool. A line is `{"MessageId","SentTimestamp","Body"}`; a line that is not (a queue
 * file from before the endpoint, which held the bodies themselves) is read as a message whose body is the
 * line.
 *
 * What is only in memory: which messages are in flight (received and not yet visible again) and how often
 * each was received. After a restart every message is visible again, as SQS's at-least-once delivery allows.
 * Each queue's calls run one after another, so the file is never written by two calls at once.
 */
import { createHash, randomUUID } from 'node:crypto';
import { appendFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SerialByKey } from './serial-by-key';

/** An error SQS would answer, with its JSON-protocol code and the query-protocol code the SDK also reads. */
export class SqsFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly queryCode = code,
  ) {
    super(message);
  }
}

export interface StoredMessage {
  readonly messageId: string;
  readonly body: string;
  readonly sentTimestamp: number;
  receiveCount: number;
  /** Epoch ms until which a receive does not return it (0: visible). */
  invisibleUntil: number;
  /** The receipt handle of its latest receive: only that one deletes it. */
  receiptHandle?: string;
}

export interface ReceivedMessage {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  readonly md5OfBody: string;
  readonly sentTimestamp: number;
  readonly receiveCount: number;
}

/** SQS's limits on a queue name: 1-80 characters, letters, digits, hyphens and underscores. */
const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;

export function md5Hex(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

export class DirectoryQueueStore {
  private readonly queues = new Map<string, StoredMessage[]>();
  private readonly serial = new SerialByKey();

  constructor(
    readonly rootDir: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** Creates the queue's (empty) file unless it exists; CreateQueue of an existing queue is not an error. */
  async createQueue(name: string): Promise<void> {
    if (!QUEUE_NAME.test(name))
      throw new SqsFailure(
        400,
        'InvalidParameterValue',
        `queue name '${name}' must be 1-80 letters, digits, hyphens or underscores`,
      );
    await this.serial.run(name, async () => {
      await mkdir(this.rootDir, { recursive: true });
      await writeFile(this.fileOf(name), '', { flag: 'a' });
      await this.load(name);
    });
  }

  async send(name: string, bodies: readonly string[]): Promise<Array<{ messageId: string; md5: string }>> {
    return this.serial.run(name, async () => {
      const messages = await this.existing(name);
      const sent = bodies.map((body) => ({
        messageId: randomUUID(),
        body,
        sentTimestamp: this.now(),
        receiveCount: 0,
        invisibleUntil: 0,
      }));
      await appendFile(this.fileOf(name), sent.map(line).join(''));
      messages.push(...sent);
      return sent.map((m) => ({ messageId: m.messageId, md5: md5Hex(m.body) }));
    });
  }

  /** Up to `max` visible messages, oldest first; each is invisible for `visibilityTimeoutSeconds` after. */
  async receive(name: string, max: number, visibilityTimeoutSeconds: number): Promise<ReceivedMessage[]> {
    return this.serial.run(name, async () => {
      const now = this.now();
      const taken = (await this.existing(name)).filter((m) => m.invisibleUntil <= now).slice(0, max);
      return taken.map((m) => {
        m.receiveCount++;
        m.invisibleUntil = now + visibilityTimeoutSeconds * 1000;
        m.receiptHandle = `${m.messageId}:${randomUUID()}`;
        return {
          messageId: m.messageId,
          receiptHandle: m.receiptHandle,
          body: m.body,
          md5OfBody: md5Hex(m.body),
          sentTimestamp: m.sentTimestamp,
          receiveCount: m.receiveCount,
        };
      });
    });
  }

  /**
   * Deletes the messages the receipt handles name; returns, per handle, undefined or why it was refused.
   * A handle of a message already deleted succeeds, as in SQS.
   */
  async delete(name: string, receiptHandles: readonly string[]): Promise<Array<SqsFailure | undefined>> {
    return this.serial.run(name, async () => {
      const messages = await this.existing(name);
      const results = receiptHandles.map((handle) => {
        const messageId = handle.split(':')[0] ?? '';
        if (!handle.includes(':'))
          return new SqsFailure(400, 'ReceiptHandleIsInvalid', `receipt handle '${handle}' is invalid`);
        const message = messages.find((m) => m.messageId === messageId);
        if (message && message.receiptHandle !== handle)
          return new SqsFailure(
            400,
            'ReceiptHandleIsInvalid',
            `receipt handle '${handle}' is not the latest receive of message ${messageId}`,
          );
        return undefined;
      });
      const deleted = new Set(
        receiptHandles.filter((_, i) => results[i] === undefined).map((h) => h.split(':')[0]),
      );
      const kept = messages.filter((m) => !deleted.has(m.messageId));
      if (kept.length !== messages.length) await this.rewrite(name, kept);
      return results;
    });
  }

  async purge(name: string): Promise<void> {
    await this.serial.run(name, async () => {
      await this.existing(name);
      await this.rewrite(name, []);
    });
  }

  /** ApproximateNumberOfMessages (visible) and ApproximateNumberOfMessagesNotVisible (in flight). */
  async counts(name: string): Promise<{ visible: number; inFlight: number }> {
    return this.serial.run(name, async () => {
      const now = this.now();
      const messages = await this.existing(name);
      const inFlight = messages.filter((m) => m.invisibleUntil > now).length;
      return { visible: messages.length - inFlight, inFlight };
    });
  }

  /** Throws QueueDoesNotExist unless the queue has been created (its file exists). */
  async assertExists(name: string): Promise<void> {
    await this.serial.run(name, () => this.existing(name));
  }

  fileOf(name: string): string {
    return join(this.rootDir, `${name}.jsonl`);
  }

  private async existing(name: string): Promise<StoredMessage[]> {
    const loaded = this.queues.get(name) ?? (await this.load(name));
    if (!loaded)
      throw new SqsFailure(
        400,
        'QueueDoesNotExist',
        `The specified queue ${name} does not exist.`,
        'AWS.SimpleQueueService.NonExistentQueue',
      );
    return loaded;
  }

  private async load(name: string): Promise<StoredMessage[] | undefined> {
    const cached = this.queues.get(name);
    if (cached) return cached;
    if (!QUEUE_NAME.test(name)) return undefined;
    let text: string;
    try {
      text = await readFile(this.fileOf(name), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const messages = text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l, index) => parseLine(l, index, this.now()));
    this.queues.set(name, messages);
    return messages;
  }

  private async rewrite(name: string, messages: StoredMessage[]): Promise<void> {
    const file = this.fileOf(name);
    const temporary = `${file}.${process.pid}.tmp`;
    await writeFile(temporary, messages.map(line).join(''));
    await rename(temporary, file);
    this.queues.set(name, messages);
  }
}

function line(m: StoredMessage): string {
  return `${JSON.stringify({ MessageId: m.messageId, SentTimestamp: m.sentTimestamp, Body: m.body })}\n`;
}

function parseLine(text: string, index: number, now: number): StoredMessage {
  try {
    const parsed = JSON.parse(text) as { MessageId?: unknown; SentTimestamp?: unknown; Body?: unknown };
    if (typeof parsed?.MessageId === 'string' && typeof parsed.Body === 'string')
      return {
        messageId: parsed.MessageId,
        body: parsed.Body,
        sentTimestamp: typeof parsed.SentTimestamp === 'number' ? parsed.SentTimestamp : now,
        receiveCount: 0,
        invisibleUntil: 0,
      };
  } catch {
    // not JSON: a body of an older queue file
  }
  // An id derived from the line and its place, so two equal bodies stay two messages.
  return {
    messageId: createHash('sha1').update(`${index}\n${text}`).digest('hex'),
    body: text,
    sentTimestamp: now,
    receiveCount: 0,
    invisibleUntil: 0,
  };
}
