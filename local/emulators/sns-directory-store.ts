/**
 * The topics behind the local SNS endpoint (sns-directory.ts): one JSON-lines file per topic,
 * `<rootDir>/<TopicName>.jsonl`, one published message per line in SNS's notification envelope
 * (sns-notification.ts), so what was published survives a restart and can be read with any text tool.
 * A topic exists when its file does. Each topic's calls run one after another, so lines never interleave.
 */
import { randomUUID } from 'node:crypto';
import { access, appendFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { localArn } from '../topology';
import { SerialByKey } from './serial-by-key';
import { parseSnsNotification, type SnsNotification } from './sns-notification';

/** An error SNS would answer: HTTP status, its query-protocol code and message. */
export class SnsFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** SNS's limits on a standard topic's name: 1-256 letters, digits, hyphens and underscores. */
const TOPIC_NAME = /^[A-Za-z0-9_-]{1,256}$/;

export function topicArnOf(name: string): string {
  return localArn('sns', name);
}

export class DirectoryTopicStore {
  private readonly serial = new SerialByKey();

  constructor(
    readonly rootDir: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** Creates the topic's (empty) file unless it exists; CreateTopic of an existing topic is not an error. */
  async createTopic(name: string): Promise<string> {
    if (!TOPIC_NAME.test(name))
      throw new SnsFailure(
        400,
        'InvalidParameter',
        `Invalid parameter: Topic Name '${name}' must be 1-256 letters, digits, hyphens or underscores`,
      );
    await this.serial.run(name, async () => {
      await mkdir(this.rootDir, { recursive: true });
      await writeFile(this.fileOf(name), '', { flag: 'a' });
    });
    return topicArnOf(name);
  }

  /** The ARNs of every topic, in name order. */
  async topicArns(): Promise<string[]> {
    const names = await readdir(this.rootDir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [] as string[];
      throw error;
    });
    return names
      .filter((n) => n.endsWith('.jsonl') && TOPIC_NAME.test(n.slice(0, -'.jsonl'.length)))
      .map((n) => topicArnOf(n.slice(0, -'.jsonl'.length)))
      .sort();
  }

  /** Appends one notification to the topic's file; returns its MessageId. */
  async publish(name: string, message: { subject?: string; message: string }): Promise<string> {
    return this.serial.run(name, async () => {
      await this.assertExists(name);
      const notification: SnsNotification = {
        Type: 'Notification',
        MessageId: randomUUID(),
        TopicArn: topicArnOf(name),
        ...(message.subject === undefined ? {} : { Subject: message.subject }),
        Message: message.message,
        Timestamp: new Date(this.now()).toISOString(),
      };
      await appendFile(this.fileOf(name), `${JSON.stringify(notification)}\n`);
      return notification.MessageId;
    });
  }

  /** Every notification published to the topic, oldest first. */
  async notifications(name: string): Promise<SnsNotification[]> {
    return this.serial.run(name, async () => {
      await this.assertExists(name);
      const text = await readFile(this.fileOf(name), 'utf8');
      return text
        .split('\n')
        .map((line, index) => ({ line, index }))
        .filter(({ line }) => line.trim() !== '')
        .map(({ line, index }) => parseSnsNotification(line, `${this.fileOf(name)}:${index + 1}`));
    });
  }

  /** Throws NotFound unless the topic has been created (its file exists). */
  async assertExists(name: string): Promise<void> {
    const exists =
      TOPIC_NAME.test(name) &&
      (await access(this.fileOf(name)).then(
        () => true,
        (error: NodeJS.ErrnoException) => {
          if (error.code === 'ENOENT') return false;
          throw error;
        },
      ));
    if (!exists) throw new SnsFailure(404, 'NotFound', `Topic does not exist: ${topicArnOf(name)}`);
  }

  fileOf(name: string): string {
    return join(this.rootDir, `${name}.jsonl`);
  }
}
