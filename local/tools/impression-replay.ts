/**
 * `recostream impressions replay`: puts the impressions of the recommendation API's dead-letter queue
 * (lambdas/recommend/impression-dead-letter.ts: a PutRecord that failed for good) back on the events stream,
 * then deletes each message the stream took.
 *
 * Same events: each letter's `event` goes back as it was to be put, with its partition key and its eventId
 * (the recommendationId). If the failed put had in fact reached the stream (an ambiguous timeout), the
 * consumer's event ledger skips the second copy as a producer duplicate; the CTR metrics count what it
 * applied (lambdas/consumer/batch-consumer.ts `appliedEvents`), so the impression counts once either way.
 *
 * Within the retry horizon: the ledger forgets an event a horizon after its receivedAt, so an older
 * impression is left in the queue (and counted) unless forced. A message that is not an impression dead
 * letter is left too, and reported: nothing is deleted that was not sent.
 *
 * Each message is received with a visibility timeout, so a run sees each once and a crash leaves the rest
 * to the next run (a message sent but not yet deleted is sent again: the ledger makes that harmless).
 * No AWS imports: the queue and the publisher are passed in.
 */
import type { EventPublisher, PublishRecord } from '../../lambdas/ingest/kinesis-publisher';
import {
  type ImpressionDeadLetter,
  parseImpressionDeadLetter,
} from '../../lambdas/recommend/impression-dead-letter';
import { DEFAULT_HORIZON_HOURS } from './dlq-replay';

/** One received message of a queue. */
export interface QueueMessage {
  readonly id: string;
  readonly body: string;
  /** What deletes this receipt of the message. */
  readonly receipt: string;
}

/** The queue as the replay uses it (an SQS queue: local/tools/sqs-message-queue.ts). */
export interface MessageQueue {
  readonly description: string;
  /** Up to 10 visible messages, hidden from other receivers for `visibilitySeconds`; [] when none is visible. */
  receive(visibilitySeconds: number): Promise<readonly QueueMessage[]>;
  /** Deletes the messages of these receipts; throws when any stays. */
  delete(receipts: readonly string[]): Promise<void>;
}

export interface ImpressionReplayOptions {
  readonly queue: MessageQueue;
  /** Required unless dryRun. */
  readonly publisher?: EventPublisher;
  readonly dryRun?: boolean;
  /** The consumer's retry horizon: impressions received longer ago are left unless `force`. */
  readonly horizonHours?: number;
  readonly force?: boolean;
  /** How long a received message stays hidden. @default 60 */
  readonly visibilitySeconds?: number;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

export interface ImpressionReplaySummary {
  readonly dryRun: boolean;
  /** Messages received. */
  readonly messages: number;
  /** Impressions the stream took (in a dry run: that it would be sent). */
  readonly sent: number;
  /** Messages deleted after the stream took their impression. */
  readonly deleted: number;
  /** Older than the horizon: left in the queue. */
  readonly beyondHorizon: number;
  /** Not an impression dead letter: left in the queue. */
  readonly unreadable: ReadonlyArray<{ readonly id: string; readonly reason: string }>;
  /** The stream did not take them: left in the queue. */
  readonly failures: ReadonlyArray<{ readonly recommendationId: string; readonly errorCode: string }>;
}

export async function replayImpressionDeadLetters(
  options: ImpressionReplayOptions,
): Promise<ImpressionReplaySummary> {
  const { queue, publisher, dryRun = false, force = false } = options;
  if (!dryRun && !publisher) throw new Error('a publisher is required unless dryRun');
  const now = options.now ?? (() => new Date());
  const oldestReceived = now().getTime() - (options.horizonHours ?? DEFAULT_HORIZON_HOURS) * 3_600_000;
  const seen = new Set<string>();
  const unreadable: Array<{ id: string; reason: string }> = [];
  const failures: Array<{ recommendationId: string; errorCode: string }> = [];
  let messages = 0;
  let sent = 0;
  let deleted = 0;
  let beyondHorizon = 0;

  for (;;) {
    const batch = (await queue.receive(options.visibilitySeconds ?? 60)).filter((m) => !seen.has(m.id));
    // Empty, or only messages this run saw already (their visibility ran out): the queue is done.
    if (batch.length === 0) break;
    const toSend: Array<{ message: QueueMessage; letter: ImpressionDeadLetter }> = [];
    for (const message of batch) {
      seen.add(message.id);
      messages++;
      const parsed = parseImpressionDeadLetter(message.body);
      if (!parsed.ok) {
        unreadable.push({ id: message.id, reason: parsed.error });
        continue;
      }
      const receivedAt = Date.parse(parsed.letter.event.receivedAt);
      if (!force && receivedAt < oldestReceived) {
        beyondHorizon++;
        continue;
      }
      toSend.push({ message, letter: parsed.letter });
    }
    if (dryRun) {
      sent += toSend.length;
      continue;
    }
    const records: PublishRecord[] = toSend.map(({ letter }) => ({
      id: letter.event.eventId,
      partitionKey: letter.partitionKey,
      data: Buffer.from(JSON.stringify(letter.event)),
    }));
    const result = records.length > 0 ? await (publisher as EventPublisher).publish(records) : undefined;
    const failed = new Set(result?.failed.map((f) => f.record.id) ?? []);
    for (const f of result?.failed ?? [])
      failures.push({ recommendationId: f.record.id, errorCode: f.errorCode });
    const taken = toSend.filter(({ letter }) => !failed.has(letter.event.eventId));
    sent += taken.length;
    if (taken.length > 0) {
      await queue.delete(taken.map(({ message }) => message.receipt));
      deleted += taken.length;
    }
  }
  return { dryRun, messages, sent, deleted, beyondHorizon, unreadable, failures };
}

export function formatImpressionReplaySummary(summary: ImpressionReplaySummary): string {
  if (summary.dryRun)
    return (
      `${summary.messages} message(s): ${summary.sent} impression(s) would be sent, ${summary.beyondHorizon} beyond ` +
      `the horizon, ${summary.unreadable.length} unreadable (dry run: nothing sent or deleted)`
    );
  return (
    `${summary.messages} message(s): ${summary.sent} impression(s) sent and ${summary.deleted} message(s) deleted, ` +
    `${summary.beyondHorizon} beyond the horizon, ${summary.unreadable.length} unreadable, ` +
    `${summary.failures.length} not taken by the stream`
  );
}
