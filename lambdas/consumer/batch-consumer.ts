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
  KinesisStreamStateResponse,
  KinesisStreamTumblingWindowEvent,
} from 'aws-lambda';
import { type CanonicalEvent, CanonicalEventSchema } from '../shared/events';
import type { ObjectStore } from '../shared/object-store';
import { quarantineObjectKey } from '../shared/quarantine-layout';
import type { QueueSink } from '../shared/queue-sink';
import { replayOriginsOf } from '../shared/replay-origin';
import { type BatchOutcome, emptyOutcome } from './batch-outcome';
import type { FeatureUpdater, PoisonRecord, RefusedWindowRow, StreamRecord } from './feature-updater';
import { addDelta, type CounterDelta } from './item-stats';
import { ItemWindow, WINDOW_STATE_FLUSH_BYTES } from './item-window';
import { compareSequence } from './sequence';

export type DeadLetterCode = 'invalid_record' | 'poison_record' | 'refused_window_row';

export interface DeadLetterMessage {
  readonly source: 'stream-consumer';
  /**
   * `invalid_record`: not a canonical event; `poison_record`: the domain code threw on it, or the feature
   * store refused the write it needed (DynamoDB ValidationException); `refused_window_row`: the store refused
   * a tumbling window's item row for good (its records were checkpointed before: `payload` is the row's
   * window total as JSON, WindowRowPayload; `sequenceNumber` the window's newest record).
   */
  readonly code: DeadLetterCode;
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

/** Where dead-lettered records are also kept for analysts: the lake's `quarantine/` prefix. */
export interface ConsumerQuarantine {
  readonly store: ObjectStore;
  readonly bucket: string;
  readonly prefix: string;
}

export interface ConsumeResult {
  readonly response: KinesisStreamBatchResponse;
  readonly outcome: BatchOutcome;
  readonly unparseable: number;
  /** The events that parsed (the catalogue fill reads them: writing one twice changes nothing). */
  readonly events: readonly CanonicalEvent[];
  /**
   * The events this invocation applied for the first time: what a per-event metric such as CTR counts, so
   * a producer's resent copy or a redelivered record is counted once.
   */
  readonly appliedEvents: readonly CanonicalEvent[];
}

/** A tumbling window's invocation: the state for Lambda, and the item rows written if the window closed. */
export interface WindowConsumeResult extends Omit<ConsumeResult, 'response'> {
  readonly response: KinesisStreamStateResponse;
  readonly windowItemWrites: number;
}

/** What a `refused_window_row` dead letter carries: the counts the refused row would have received. */
export interface WindowRowPayload {
  readonly itemId: string;
  readonly bucket: string;
  readonly window: { readonly start: string; readonly end: string };
  /** Counter totals of the window's contributions to the row. */
  readonly delta: CounterDelta;
  /** Newest occurredAt among them. */
  readonly occurredAt: string;
  readonly category?: string;
}

/** Lambda's tumbling-window event also names the shard and stream (a final invocation may carry no records). */
export type WindowEvent = KinesisStreamTumblingWindowEvent & {
  readonly shardId?: string;
  readonly eventSourceARN?: string;
};

export function isWindowEvent(event: KinesisStreamEvent): event is WindowEvent {
  return (event as Partial<WindowEvent>).window !== undefined;
}

type BatchLogger = Pick<Logger, 'warn' | 'error' | 'debug'>;

export class BatchConsumer {
  private readonly processor: BatchProcessor;

  constructor(
    private readonly updater: FeatureUpdater,
    private readonly deadLetters: QueueSink,
    private readonly logger: BatchLogger,
    private readonly clock: () => Date = () => new Date(),
    private readonly quarantine?: ConsumerQuarantine,
  ) {
    this.processor = new BatchProcessor(EventType.KinesisDataStreams, {
      parser,
      innerSchema: CanonicalEventSchema,
      // 'base64' decodes the record data and parses the JSON inside; 'json' would skip the base64 step.
      transformer: 'base64',
      logger,
    });
  }

  /**
   * An invocation inside a tumbling window: profiles as in `consume`, item contributions added to the
   * window's state; the rows are written when the window closes (or its state grows past
   * WINDOW_STATE_FLUSH_BYTES, well under Lambda's 1 MB). A final invocation that cannot finish throws, so
   * Lambda retries it with the same state.
   */
  async consumeInWindow(event: WindowEvent, context?: Context): Promise<WindowConsumeResult> {
    const first = event.Records[0];
    const shardId = event.shardId ?? (first ? shardIdOf(first) : undefined);
    if (shardId === undefined) throw new Error('tumbling-window invocation without a shard id or records');
    const window = ItemWindow.fromState(shardId, event.state);
    const result =
      event.Records.length > 0
        ? await this.consume(event, context, window)
        : {
            response: { batchItemFailures: [] },
            outcome: emptyOutcome(),
            unparseable: 0,
            events: [],
            appliedEvents: [],
          };
    const failures = result.response.batchItemFailures;
    const closing = event.isFinalInvokeForWindow || window.stateBytes() > WINDOW_STATE_FLUSH_BYTES;
    if (!closing || failures.length > 0) {
      if (event.isFinalInvokeForWindow)
        throw new Error(`final window invocation of ${shardId}: ${failures.length} records failed`);
      return {
        ...result,
        response: { state: window.toState(), batchItemFailures: failures },
        windowItemWrites: 0,
      };
    }
    const flushed = await this.updater.flushWindow(window);
    if (flushed.refusedRows.length > 0) {
      const arn = event.eventSourceARN ?? first?.eventSourceARN ?? '';
      const messages = flushed.refusedRows.map((row) => this.refusedRowLetter(event, shardId, arn, row));
      this.logger.error('item rows refused by the feature store; their window counts are dead-lettered', {
        reasons: messages.map((m) => m.reason),
      });
      // Throws when the queue cannot be reached: the final invocation is retried, written rows skip it.
      await this.deadLetters.sendAll(messages);
      await this.quarantineAll(messages);
    }
    return {
      ...result,
      response: { state: {}, batchItemFailures: [] },
      windowItemWrites: flushed.itemWrites,
    };
  }

  async consume(event: KinesisStreamEvent, context?: Context, window?: ItemWindow): Promise<ConsumeResult> {
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
        const origins = replayOriginsOf(record.kinesis.partitionKey);
        valid.push({
          index,
          shardId: shardIdOf(record),
          sequenceNumber: record.kinesis.sequenceNumber,
          arrivedAt: Math.floor(record.kinesis.approximateArrivalTimestamp),
          ...(origins ? { origins } : {}),
          event: result as CanonicalEvent,
        });
      } else {
        const cause = this.processor.errors[unparseable.length];
        unparseable.push(
          this.deadLetter(record, 'invalid_record', `invalid record: ${describeError(cause, result)}`),
        );
      }
    });

    // The updater may call this more than once (poison found while folding, then writes the store
    // refused); the unparseable records go with the first call.
    let pendingUnparseable: readonly DeadLetterMessage[] = unparseable;
    const deadLetter = async (poison: readonly PoisonRecord[]) => {
      const messages = [
        ...pendingUnparseable,
        ...poison.map((p) =>
          this.deadLetter(records[p.index] as KinesisStreamRecord, 'poison_record', p.reason),
        ),
      ];
      if (messages.length === 0) return;
      this.logger.warn('dead-lettering records', {
        count: messages.length,
        reasons: messages.map((m) => m.reason),
      });
      await this.deadLetters.sendAll(messages);
      pendingUnparseable = [];
      await this.quarantineAll(messages);
    };

    // Unparseable records go to the dead-letter queue first, even when nothing else is valid.
    const outcome = await this.updater.process(valid, deadLetter, window);
    if (pendingUnparseable.length > 0) await deadLetter([]);

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
    const byIndex = new Map(valid.map((v) => [v.index, v.event]));
    return {
      response,
      outcome,
      unparseable: unparseable.length,
      events: valid.map((v) => v.event),
      appliedEvents: outcome.appliedIndexes.flatMap((index) => byIndex.get(index) ?? []),
    };
  }

  /** Best effort: the DLQ already holds the records, the quarantine copy is for Athena. */
  private async quarantineAll(messages: readonly DeadLetterMessage[]): Promise<void> {
    if (!this.quarantine || messages.length === 0) return;
    const { store, bucket, prefix } = this.quarantine;
    const now = this.clock();
    const byCode = new Map<DeadLetterCode, DeadLetterMessage[]>();
    for (const m of messages) byCode.set(m.code, [...(byCode.get(m.code) ?? []), m]);
    for (const [code, group] of byCode) {
      const first = group[0] as DeadLetterMessage;
      const key = quarantineObjectKey(prefix, now, code, `${first.shardId}-${first.sequenceNumber}`);
      const body = group
        .map((m) =>
          JSON.stringify({
            reason: code,
            field: '',
            message: m.reason,
            source: m.source,
            route: null,
            index: null,
            receivedAt: new Date(m.approximateArrivalTimestamp * 1000).toISOString(),
            requestId: null,
            writeKeyName: null,
            shardId: m.shardId,
            sequenceNumber: m.sequenceNumber,
            rawPayload: m.payload,
          }),
        )
        .join('\n');
      try {
        await store.put(bucket, key, `${body}\n`);
      } catch (error) {
        this.logger.error('could not copy dead-lettered records to the quarantine prefix', {
          key,
          error: String(error),
        });
      }
    }
  }

  private refusedRowLetter(
    event: WindowEvent,
    shardId: string,
    eventSourceArn: string,
    { accumulator, reason }: RefusedWindowRow,
  ): DeadLetterMessage {
    const { contributions, key } = accumulator;
    let delta: CounterDelta = {};
    let newest = contributions[0];
    let occurredAt = '';
    for (const c of contributions) {
      delta = addDelta(delta, c.delta);
      if (c.occurredAt > occurredAt) occurredAt = c.occurredAt;
      if (newest && compareSequence(c.sequenceNumber, newest.sequenceNumber) > 0) newest = c;
    }
    const category = contributions.find((c) => c.category !== undefined)?.category;
    const payload: WindowRowPayload = {
      itemId: key.itemId,
      bucket: key.bucket,
      window: event.window,
      delta,
      occurredAt,
      ...(category !== undefined ? { category } : {}),
    };
    return {
      source: 'stream-consumer',
      code: 'refused_window_row',
      reason,
      shardId,
      sequenceNumber: newest?.sequenceNumber ?? '',
      partitionKey: key.itemId,
      eventSourceArn,
      approximateArrivalTimestamp: newest?.arrivedAt ?? 0,
      payload: JSON.stringify(payload),
      deadLetteredAt: this.clock().toISOString(),
    };
  }

  private deadLetter(record: KinesisStreamRecord, code: DeadLetterCode, reason: string): DeadLetterMessage {
    return {
      source: 'stream-consumer',
      code,
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
