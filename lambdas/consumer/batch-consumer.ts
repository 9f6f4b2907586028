/**
 * One invocation of the stream consumer: parse every record with the Powertools batch processor
 * (zod schema of the canonical event), dead-letter the records that can never succeed, apply the
 * rest with exactly-once effect, and answer with the records Lambda must redeliver.
 */
import { BatchProcessor, EventType } from '@aws-lambda-powertools/batch';
import { parser } from '@aws-lambda-powertools/batch/parser';
import type { Logger } from '@aws-lambda-powertools/logger';
import type {
  Context,
  KinesisStreamBatchResponse,
  KinesisStreamEvent,
  KinesisStreamRecord,
} from 'aws-lambda';
import { type CanonicalEvent, CanonicalEventSchema } from '../shared/events';
import type { QueueSink } from '../shared/queue-sink';
import type { BatchOutcome, FeatureUpdater, PoisonRecord, StreamRecord } from './feature-updater';

export interface DeadLetterMessage {
  readonly source: 'stream-consumer';
  readonly reason: string;
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  readonly eventSourceArn: string;
  readonly approximateArrivalTimestamp: number;
  /** The record's data as text (or base64 when it is not UTF-8). */
  readonly payload: string;
  readonly deadLetteredAt: string;
}

export interface ConsumeResult {
  readonly response: KinesisStreamBatchResponse;
  readonly outcome: BatchOutcome;
  readonly unparseable: number;
}

type BatchLogger = Pick<Logger, 'warn' | 'error' | 'debug'>;

export class BatchConsumer {
  private readonly processor: BatchProcessor;

  constructor(
    private readonly updater: FeatureUpdater,
    private readonly deadLetters: QueueSink,
    private readonly logger: BatchLogger,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.processor = new BatchProcessor(EventType.KinesisDataStreams, {
      parser,
      innerSchema: CanonicalEventSchema,
      // 'base64' decodes the record data and parses the JSON inside; 'json' would skip the base64 step.
      transformer: 'base64',
      logger,
    });
  }

  async consume(event: KinesisStreamEvent, context?: Context): Promise<ConsumeResult> {
    const records = event.Records;
    this.processor.register(
      records,
      async (parsed: { kinesis: { data: CanonicalEvent } }) => parsed.kinesis.data,
      {
        context,
        throwOnFullBatchFailure: false,
        processInParallel: false,
      },
    );
    const results = await this.processor.process();

    const valid: StreamRecord[] = [];
    const unparseable: DeadLetterMessage[] = [];
    results.forEach(([status, result], index) => {
      const record = records[index] as KinesisStreamRecord;
      if (status === 'success') {
        valid.push({
          index,
          shardId: shardIdOf(record),
          sequenceNumber: record.kinesis.sequenceNumber,
          event: result as CanonicalEvent,
        });
      } else {
        const cause = this.processor.errors[unparseable.length];
        unparseable.push(this.deadLetter(record, `invalid record: ${describeError(cause, result)}`));
      }
    });

    const deadLetter = async (poison: readonly PoisonRecord[]) => {
      const messages = [
        ...unparseable,
        ...poison.map((p) => this.deadLetter(records[p.index] as KinesisStreamRecord, p.reason)),
      ];
      if (messages.length === 0) return;
      this.logger.warn('dead-lettering records', {
        count: messages.length,
        reasons: messages.map((m) => m.reason),
      });
      await this.deadLetters.sendAll(messages);
    };

    // Unparseable records go to the dead-letter queue first, even when nothing else is valid.
    const outcome = await this.updater.process(valid, async (poison) => deadLetter(poison));
    if (outcome.poison.length === 0 && unparseable.length > 0) await deadLetter([]);

    const failedFrom = outcome.failedFromIndex;
    if (failedFrom !== undefined) {
      this.logger.error('feature store writes failed; redelivering from the first affected record', {
        failedFromIndex: failedFrom,
        reason: outcome.failureReason,
        sequenceNumber: records[failedFrom]?.kinesis.sequenceNumber,
      });
    }
    const response: KinesisStreamBatchResponse = {
      batchItemFailures:
        failedFrom === undefined
          ? []
          : records.slice(failedFrom).map((r) => ({ itemIdentifier: r.kinesis.sequenceNumber })),
    };
    return { response, outcome, unparseable: unparseable.length };
  }

  private deadLetter(record: KinesisStreamRecord, reason: string): DeadLetterMessage {
    return {
      source: 'stream-consumer',
      reason,
      shardId: shardIdOf(record),
      sequenceNumber: record.kinesis.sequenceNumber,
      partitionKey: record.kinesis.partitionKey,
      eventSourceArn: record.eventSourceARN,
      approximateArrivalTimestamp: record.kinesis.approximateArrivalTimestamp,
      payload: decodePayload(record.kinesis.data),
      deadLetteredAt: this.clock().toISOString(),
    };
  }
}

/** `eventID` is `shardId-000000000000:<sequence number>`. */
export function shardIdOf(record: KinesisStreamRecord): string {
  const separator = record.eventID.indexOf(':');
  return separator > 0 ? record.eventID.slice(0, separator) : record.eventID;
}

function decodePayload(data: string): string {
  const bytes = Buffer.from(data, 'base64');
  const text = bytes.toString('utf8');
  return Buffer.from(text, 'utf8').equals(bytes) ? text : data;
}

function describeError(error: unknown, fallback: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return `${error.message}${cause}`.slice(0, 2000);
  }
  return String(fallback);
}
