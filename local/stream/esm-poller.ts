/**
 * A local Kinesis event source mapping with Lambda's semantics, configured from the mapping in the
 * synthesised template: batch size and batching window, parallelization factor (lanes by
 * partition key), ReportBatchItemFailures (retry from the lowest failed sequence number), bisect on
 * function error, finite retries, maximum record age and an on-failure destination that receives
 * Lambda's own invocation record (on-failure-destination.ts). Shards are read parents first (both
 * parents of a merge), as Lambda does. Progress is checkpointed to disk after each batch, so a restart
 * resumes where it stopped; the consumer's watermarks make the possible replay harmless.
 *
 * Tumbling windows (TumblingWindowInSeconds; which records share one and when it is due: tumbling-windows.ts):
 * each invocation gets the window, its `state` (what the previous successful invocation of the shard
 * returned) and `shardId`. When a window is due, the function is invoked once more with no records and
 * `isFinalInvokeForWindow`, retried until it succeeds, as Lambda does. The state is checkpointed with the
 * sequence number, so a restart keeps it.
 */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import type { _Record, KinesisClient } from '@aws-sdk/client-kinesis';
import type { KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import type { Invoke, LocalEventSourceMapping, LocalStream } from '../topology';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../topology';
import { CheckpointStore, type OpenWindow } from './checkpoints';
import { type GiveUp, OnFailureDestination, type OnFailureOptions } from './on-failure-destination';
import { type ShardPage, type ShardProgress, ShardReader } from './shard-reader';
import { TumblingWindows } from './tumbling-windows';
import { WakeableSleep } from './wakeable-sleep';

export interface PollerOptions {
  readonly mapping: LocalEventSourceMapping;
  readonly stream: LocalStream;
  /** The on-failure destinations (an SQS queue, an S3 bucket), each with its client: on-failure-destination.ts. */
  readonly onFailureQueue?: OnFailureOptions['queue'];
  readonly onFailureBucket?: OnFailureOptions['bucket'];
  /** Clock of tumbling windows' ends and of the on-failure records. @default () => new Date() */
  readonly now?: () => Date;
  /** Waits between polls and retries (tests pass their own). @default timers, cut short by stop() */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly kinesis: KinesisClient;
  readonly invoke: Invoke;
  readonly checkpointDir: string;
  /** How often an idle shard is polled (Lambda polls about once per second; locally faster). */
  readonly pollIntervalMs?: number;
  /** Base of the exponential backoff between retries of a failing batch. */
  readonly retryBaseDelayMs?: number;
  readonly log?: (message: string) => void;
}

export type ShardStats = ShardProgress;

export interface PollerStats {
  invocations: number;
  functionErrors: number;
  partialFailures: number;
  retries: number;
  bisections: number;
  recordsDelivered: number;
  recordsSentToOnFailure: number;
  shards: ShardStats[];
  /** Tumbling windows closed: final invocations that succeeded. */
  windowsClosed: number;
  /** Shards with a tumbling window still open (its final invocation still to come). */
  openWindows?: number;
}

type Outcome = { kind: 'ok' } | { kind: 'partial'; fromIndex: number } | { kind: 'error'; message: string };

export class EventSourceMappingPoller {
  private readonly reader: ShardReader;
  /** Records read and not yet delivered, per shard, and when the first of them was read. */
  private readonly buffers = new Map<string, { records: KinesisStreamRecord[]; firstBufferedAt: number }>();
  private readonly sleeper = new WakeableSleep();
  /** Open tumbling windows by shard (restored from the checkpoint when a shard is first read). */
  private readonly windows: TumblingWindows;
  private readonly onFailure: OnFailureDestination;
  readonly stats: PollerStats = {
    invocations: 0,
    functionErrors: 0,
    partialFailures: 0,
    retries: 0,
    bisections: 0,
    recordsDelivered: 0,
    recordsSentToOnFailure: 0,
    windowsClosed: 0,
    shards: [],
  };

  constructor(private readonly options: PollerOptions) {
    const { mapping } = options;
    if ((mapping.tumblingWindowSeconds ?? 0) > 0 && mapping.parallelizationFactor > 1)
      throw new Error(
        `mapping ${mapping.logicalId}: a tumbling window keeps one state per shard; parallelizationFactor must be 1`,
      );
    const checkpoints = new CheckpointStore(options.checkpointDir, mapping.logicalId);
    this.windows = new TumblingWindows(mapping.tumblingWindowSeconds, checkpoints);
    this.onFailure = new OnFailureDestination({
      mappingLogicalId: mapping.logicalId,
      functionId: mapping.functionId,
      streamArn: this.streamArn,
      ...(options.onFailureQueue ? { queue: options.onFailureQueue } : {}),
      ...(options.onFailureBucket ? { bucket: options.onFailureBucket } : {}),
      ...(options.now ? { now: options.now } : {}),
      ...(options.log ? { log: options.log } : {}),
    });
    this.reader = new ShardReader({
      kinesis: options.kinesis,
      streamName: options.stream.name,
      checkpoints,
      parentsFirst: true,
      // What was buffered of a failed shard is dropped with it: read again from the last delivered batch.
      resumeFrom: 'checkpoint',
      sleep: (ms) => this.sleep(ms),
      onError: (text) => options.log?.(text),
      log: (text) => options.log?.(text),
      consumer: {
        startPosition: () => ({ ShardIteratorType: mapping.startingPosition }),
        limit: (shardId) => mapping.batchSize - (this.buffers.get(shardId)?.records.length ?? 0),
        onPage: (state, page) => this.onPage(state.shardId, page),
        onShardFailure: (shardId) => this.buffers.delete(shardId),
      },
    });
  }

  private get streamArn(): string {
    return `arn:aws:kinesis:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stream/${this.options.stream.name}`;
  }

  async start(): Promise<void> {
    mkdirSync(this.options.checkpointDir, { recursive: true });
    await this.reader.start();
  }

  async stop(): Promise<void> {
    const stopping = this.reader.stop();
    this.sleeper.wakeAll();
    await stopping;
  }

  snapshot(): PollerStats {
    return { ...this.stats, shards: this.reader.progress(), openWindows: this.windows.size };
  }

  /** Buffers a page; delivers full batches, and the rest when the batching window passed or the shard closed. */
  private async onPage(shardId: string, page: ShardPage): Promise<number> {
    const { mapping } = this.options;
    this.windows.restore(shardId);
    let buffer = this.buffers.get(shardId);
    if (!buffer) {
      buffer = { records: [], firstBufferedAt: 0 };
      this.buffers.set(shardId, buffer);
    }
    for (const record of page.records) {
      if (buffer.records.length === 0) buffer.firstBufferedAt = Date.now();
      buffer.records.push(this.toLambdaRecord(shardId, record));
    }
    let delivered = false;
    for (;;) {
      await this.closeWindowIfDue(shardId, buffer.records[0]);
      const windowElapsed = Date.now() - buffer.firstBufferedAt >= mapping.maxBatchingWindowSeconds * 1000;
      const due =
        buffer.records.length >= mapping.batchSize ||
        (buffer.records.length > 0 && (windowElapsed || page.closed));
      if (!due) break;
      const batch = buffer.records.splice(0, this.windows.sameWindowCount(buffer.records, mapping.batchSize));
      this.windows.openFor(shardId, batch[0] as KinesisStreamRecord);
      await this.deliver(shardId, batch);
      this.checkpoint(shardId, (batch[batch.length - 1] as KinesisStreamRecord).kinesis.sequenceNumber);
      if (buffer.records.length > 0) buffer.firstBufferedAt = Date.now();
      delivered = true;
    }
    if (page.closed && buffer.records.length === 0) await this.closeWindowIfDue(shardId, undefined, true);
    return delivered || page.records.length > 0 ? 0 : (this.options.pollIntervalMs ?? 100);
  }

  /** The checkpoint with the shard's open window (if any), so a restart keeps its state. */
  private checkpoint(shardId: string, sequenceNumber: string): void {
    const window = this.windows.get(shardId);
    this.reader.checkpoint(shardId, sequenceNumber, window ? { window } : {});
  }

  /**
   * The final invocation of the shard's open window, once its end has passed on the clock or the next
   * record belongs to a later window (or the shard ended): retried until the function succeeds.
   */
  private async closeWindowIfDue(
    shardId: string,
    next: KinesisStreamRecord | undefined,
    shardEnded = false,
  ): Promise<void> {
    const now = (this.options.now?.() ?? new Date()).getTime();
    const open = this.windows.due(shardId, next, now, shardEnded);
    if (!open) return;
    for (let attempt = 1; this.reader.isRunning || shardEnded; attempt++) {
      const outcome = await this.invokeWindow(shardId, open, [], true);
      if (outcome.kind === 'ok') {
        this.stats.windowsClosed++;
        break;
      }
      this.stats.retries++;
      await this.sleep(Math.min(5000, (this.options.retryBaseDelayMs ?? 100) * 2 ** (attempt - 1)));
      if (!this.reader.isRunning) return;
    }
    this.windows.close(shardId);
    const done = this.reader.shards().find((s) => s.shardId === shardId)?.checkpoint;
    if (done) this.checkpoint(shardId, done);
  }

  /** Delivers one batch, split into lanes when the parallelization factor is above 1. */
  private async deliver(shardId: string, batch: KinesisStreamRecord[]): Promise<void> {
    const lanes = this.options.mapping.parallelizationFactor;
    if (lanes <= 1) return this.deliverLane(shardId, batch);
    const byLane = new Map<number, KinesisStreamRecord[]>();
    for (const record of batch) {
      const lane = createHash('md5').update(record.kinesis.partitionKey).digest().readUInt32BE(0) % lanes;
      byLane.set(lane, [...(byLane.get(lane) ?? []), record]);
    }
    await Promise.all([...byLane.values()].map((records) => this.deliverLane(shardId, records)));
  }

  /** Invokes until every record is processed, retried away or sent to the on-failure destination. */
  private async deliverLane(shardId: string, records: KinesisStreamRecord[]): Promise<void> {
    const { mapping } = this.options;
    const pending: Array<{ records: KinesisStreamRecord[]; attempts: number }> = [{ records, attempts: 0 }];
    while (pending.length > 0) {
      const work = pending.shift() as { records: KinesisStreamRecord[]; attempts: number };
      let batch = work.records;

      if (mapping.maxRecordAgeSeconds >= 0) {
        const oldestAllowed = Date.now() / 1000 - mapping.maxRecordAgeSeconds;
        const expired = batch.filter((r) => r.kinesis.approximateArrivalTimestamp < oldestAllowed);
        if (expired.length > 0) {
          await this.sendToOnFailure(expired, {
            shardId,
            condition: 'RecordAgeExceeded',
            attempts: work.attempts,
            message: 'record too old',
          });
          batch = batch.filter((r) => !expired.includes(r));
          if (batch.length === 0) continue;
        }
      }

      const open = this.windows.get(shardId);
      const outcome = open
        ? await this.invokeWindow(shardId, open, batch, false)
        : await this.invokeBatch(batch);
      if (outcome.kind === 'ok') {
        this.stats.recordsDelivered += batch.length;
        continue;
      }

      const attempts = work.attempts + 1;
      let remaining = batch;
      if (outcome.kind === 'partial') {
        this.stats.partialFailures++;
        this.stats.recordsDelivered += outcome.fromIndex;
        remaining = batch.slice(outcome.fromIndex);
      } else {
        this.stats.functionErrors++;
      }

      if (mapping.maxRetryAttempts >= 0 && attempts > mapping.maxRetryAttempts) {
        const message = outcome.kind === 'error' ? outcome.message : 'batch item failures reported';
        await this.sendToOnFailure(remaining, {
          shardId,
          condition: 'RetryAttemptsExhausted',
          attempts,
          message,
        });
        continue;
      }
      this.stats.retries++;
      await this.sleep(Math.min(5000, (this.options.retryBaseDelayMs ?? 100) * 2 ** (attempts - 1)));
      if (outcome.kind === 'error' && mapping.bisectBatchOnError && remaining.length > 1) {
        // Splitting does not use up a retry in Lambda; the halves keep the attempt count.
        this.stats.bisections++;
        const middle = Math.ceil(remaining.length / 2);
        pending.unshift(
          { records: remaining.slice(0, middle), attempts },
          { records: remaining.slice(middle), attempts },
        );
      } else {
        pending.unshift({ records: remaining, attempts });
      }
    }
  }

  /** An invocation inside a tumbling window: a response without `state` is a failure, as in Lambda. */
  private async invokeWindow(
    shardId: string,
    open: OpenWindow,
    batch: KinesisStreamRecord[],
    final: boolean,
  ): Promise<Outcome> {
    let returned: Record<string, unknown> | undefined;
    const outcome = await this.invokeBatch(
      batch,
      {
        window: { start: new Date(open.start).toISOString(), end: new Date(open.end).toISOString() },
        state: open.state,
        shardId,
        eventSourceARN: this.streamArn,
        isFinalInvokeForWindow: final,
        isWindowTerminatedEarly: false,
      },
      (result) => {
        returned = (result as { state?: Record<string, unknown> } | null)?.state;
      },
    );
    if (outcome.kind === 'error') return outcome;
    if (returned === undefined) return { kind: 'error', message: 'tumbling-window response without state' };
    open.state = returned;
    return outcome;
  }

  private async invokeBatch(
    batch: KinesisStreamRecord[],
    windowFields: Record<string, unknown> = {},
    onResult: (result: unknown) => void = () => undefined,
  ): Promise<Outcome> {
    const event: KinesisStreamEvent = { Records: batch, ...windowFields };
    this.stats.invocations++;
    let result: unknown;
    try {
      result = await this.options.invoke(this.options.mapping.functionId, event);
    } catch (error) {
      this.options.log?.(`consumer invocation failed: ${(error as Error).message}`);
      return { kind: 'error', message: (error as Error).message };
    }
    onResult(result);
    if (!this.options.mapping.reportBatchItemFailures) return { kind: 'ok' };
    const failures = (result as KinesisStreamBatchResponse | null)?.batchItemFailures ?? [];
    if (failures.length === 0) return { kind: 'ok' };
    // Lambda restarts from the lowest reported sequence number; an unknown identifier fails the batch.
    const indexes = failures.map((f) =>
      batch.findIndex((r) => r.kinesis.sequenceNumber === f.itemIdentifier),
    );
    if (indexes.some((i) => i < 0)) return { kind: 'error', message: 'invalid batchItemFailures identifier' };
    return { kind: 'partial', fromIndex: Math.min(...indexes) };
  }

  private async sendToOnFailure(records: KinesisStreamRecord[], giveUp: GiveUp): Promise<void> {
    await this.onFailure.send(records, giveUp);
    // Counted once sent, so whoever waits on the count finds the records at every destination.
    this.stats.recordsSentToOnFailure += records.length;
  }

  private toLambdaRecord(shardId: string, record: _Record): KinesisStreamRecord {
    const sequenceNumber = record.SequenceNumber as string;
    return {
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: record.PartitionKey as string,
        sequenceNumber,
        data: Buffer.from(record.Data ?? new Uint8Array()).toString('base64'),
        approximateArrivalTimestamp: (record.ApproximateArrivalTimestamp ?? new Date()).getTime() / 1000,
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `${shardId}:${sequenceNumber}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/local`,
      awsRegion: LOCAL_REGION,
      eventSourceARN: this.streamArn,
    };
  }

  private sleep(ms: number): Promise<void> {
    return this.options.sleep ? this.options.sleep(ms) : this.sleeper.sleep(ms);
  }
}
