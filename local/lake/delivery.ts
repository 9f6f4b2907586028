/**
 * A local Kinesis Data Firehose delivery stream (Kinesis stream → S3 as Parquet), configured from
 * the AWS::KinesisFirehose::DeliveryStream in the synthesised template. Like Firehose it reads the
 * source stream with its own shard iterators and checkpoints (independent of the Lambda event
 * source mapping), buffers until BufferingHints' size or interval is reached, converts each record
 * (a canonical event) to a Parquet row under the dynamic-partitioning Prefix, sends records it
 * cannot convert to the ErrorOutputPrefix, and moves its checkpoints only after the objects are
 * written: delivery is at-least-once, as in AWS.
 *
 * Locally the buffer interval is shortened (at most 10 s unless told otherwise) so that a
 * developer sees the lake fill while watching; the buffer size stays the template's.
 *
 * A shard without a checkpoint starts where Firehose starts, at the newest record, but as
 * AT_TIMESTAMP of the loop's first start (kept in the checkpoint file), so a crash before the
 * first delivery loses nothing.
 */
import { randomUUID } from 'node:crypto';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { CanonicalEvent } from '../../lambdas/shared/events';
import { type Checkpoint, CheckpointStore } from '../stream/checkpoints';
import {
  type ShardPage,
  type ShardPosition,
  type ShardProgress,
  ShardReader,
  type ShardState,
} from '../stream/shard-reader';
import { WakeableSleep } from '../stream/wakeable-sleep';
import type { Invoke, LocalDeliveryStream, LocalStream } from '../topology';
import type { BucketStorage } from './bucket-storage';
import { type BufferedRecord, convertRecord, transformRecords } from './delivery-records';
import { writeErrorRecords, writeEventsParquet } from './writer';

export interface LakeDeliveryOptions {
  readonly delivery: LocalDeliveryStream;
  readonly stream: LocalStream;
  readonly kinesis: KinesisClient;
  /** The destination bucket: its folder under `<dataDir>/s3`, or the bucket on moto. */
  readonly bucket: BucketStorage;
  /** Checkpoints are `firehose-<logicalId>.<shardId>.json` files in this folder. */
  readonly checkpointDir: string;
  /** Buffer interval used locally. @default min(template interval, 10 s) */
  readonly localBufferIntervalSeconds?: number;
  /** Pause between GetRecords calls on a shard that has no backlog. @default 1000 */
  readonly pollIntervalMs?: number;
  readonly log?: (message: string) => void;
  /** Invokes the function of a `Lambda` processor (`delivery.transformFunctionId`); required when there is one. */
  readonly invoke?: Invoke;
}

export type DeliveryShardStats = ShardProgress;

export interface DeliveryStats {
  readonly deliveryStream: string;
  readonly bufferSizeMb: number;
  /** The interval actually used (local override), next to the template's. */
  readonly bufferIntervalSeconds: number;
  readonly templateBufferIntervalSeconds: number;
  readonly recordsRead: number;
  /** Records written to the lake as Parquet rows. */
  readonly recordsDelivered: number;
  /** Records written under the error prefix. */
  readonly recordsFailed: number;
  readonly files: number;
  readonly errorFiles: number;
  readonly bytes: number;
  readonly deliveries: number;
  readonly lastDeliveryAt?: string;
  /** Failed reads and failed deliveries (each retried). */
  readonly errors: number;
  readonly lastError?: string;
  readonly bufferedRecords: number;
  readonly bufferedBytes: number;
  /**
   * Age of the oldest record not yet in the lake (Firehose's DataFreshness): the oldest buffered or
   * in-flight record, or how far the readers are behind the stream, whichever is older.
   */
  readonly freshnessMs: number;
  readonly shards: DeliveryShardStats[];
}

const MAX_LOCAL_INTERVAL_SECONDS = 10;

export class LakeDeliveryLoop {
  private running = false;
  private readonly reader: ShardReader;
  private readonly checkpoints: CheckpointStore;
  private buffer: BufferedRecord[] = [];
  private bufferedBytes = 0;
  private inFlight: BufferedRecord[] = [];
  private delivering: Promise<void> = Promise.resolve();
  private retryAfter = 0;
  /** Start of the latest flush(): readers poll without pausing until they have read past it. */
  private catchUpSince = 0;
  private failedDeliveries = 0;
  private intervalTimer?: NodeJS.Timeout;
  private readonly sleeper = new WakeableSleep();
  private readonly stats = {
    recordsRead: 0,
    recordsDelivered: 0,
    recordsFailed: 0,
    files: 0,
    errorFiles: 0,
    bytes: 0,
    deliveries: 0,
    lastDeliveryAt: undefined as string | undefined,
    errors: 0,
    lastError: undefined as string | undefined,
  };
  readonly bufferIntervalSeconds: number;
  private readonly bufferSizeBytes: number;

  constructor(private readonly options: LakeDeliveryOptions) {
    const template = options.delivery.bufferIntervalSeconds;
    this.bufferIntervalSeconds =
      options.localBufferIntervalSeconds ?? Math.min(template, MAX_LOCAL_INTERVAL_SECONDS);
    this.bufferSizeBytes = options.delivery.bufferSizeMb * 1024 * 1024;
    this.checkpoints = new CheckpointStore(options.checkpointDir, `firehose-${options.delivery.logicalId}`);
    this.reader = new ShardReader({
      kinesis: options.kinesis,
      streamName: options.stream.name,
      checkpoints: this.checkpoints,
      // The buffer keeps what was read of a failed shard: resume after it.
      resumeFrom: 'last-read',
      sleep: (ms) => this.sleep(ms),
      onError: (text) => this.recordError(text),
      log: (text) => options.log?.(`lake delivery ${options.delivery.name}: ${text}`),
      consumer: {
        startPosition: (shardId, checkpoint, initial) => this.startPosition(shardId, checkpoint, initial),
        beforeRead: () => this.waitForRoom(),
        onPage: (state, page) => this.onPage(state, page),
      },
    });
  }

  async start(): Promise<void> {
    if (this.running) return;
    const { delivery } = this.options;
    this.running = true;
    if (this.bufferIntervalSeconds !== delivery.bufferIntervalSeconds) {
      this.options.log?.(
        `lake delivery ${delivery.name}: buffer interval shortened locally to ${this.bufferIntervalSeconds} s ` +
          `(template: ${delivery.bufferIntervalSeconds} s; buffer size ${delivery.bufferSizeMb} MB as in the template)`,
      );
    }
    await this.reader.start();
    const tick = Math.max(50, Math.min(250, this.bufferIntervalSeconds * 1000));
    this.intervalTimer = setInterval(() => this.deliverIfIntervalElapsed(), tick);
  }

  /**
   * Reads every shard up to the records that were in the stream when called, then delivers the
   * buffer, whatever its size and age. Rejects when writing fails (the records stay buffered).
   */
  async flush(): Promise<void> {
    if (this.running) await this.catchUp(10_000);
    await this.deliver();
  }

  /** Flushes, stops reading, and delivers whatever was read meanwhile. Undelivered records stay in the stream. */
  async stop(): Promise<void> {
    if (!this.running) return;
    try {
      await this.flush();
    } catch (error) {
      this.options.log?.(
        `lake delivery ${this.options.delivery.name}: flush on stop failed: ${message(error)}`,
      );
    }
    this.running = false;
    clearInterval(this.intervalTimer);
    const stopping = this.reader.stop();
    this.sleeper.wakeAll();
    await stopping;
    await this.deliver().catch((error) =>
      this.options.log?.(
        `lake delivery ${this.options.delivery.name}: ${this.buffer.length} records not delivered ` +
          `(they stay in the stream after the checkpoint): ${message(error)}`,
      ),
    );
  }

  snapshot(): DeliveryStats {
    const now = Date.now();
    let oldest = Number.POSITIVE_INFINITY;
    for (const record of this.inFlight) oldest = Math.min(oldest, record.arrivedAt);
    for (const record of this.buffer) oldest = Math.min(oldest, record.arrivedAt);
    const shards = this.reader.progress();
    const behind = Math.max(0, ...shards.map((s) => s.millisBehindLatest));
    return {
      deliveryStream: this.options.delivery.name,
      bufferSizeMb: this.options.delivery.bufferSizeMb,
      bufferIntervalSeconds: this.bufferIntervalSeconds,
      templateBufferIntervalSeconds: this.options.delivery.bufferIntervalSeconds,
      ...this.stats,
      bufferedRecords: this.buffer.length,
      bufferedBytes: this.bufferedBytes,
      freshnessMs: Math.max(behind, Number.isFinite(oldest) ? now - oldest : 0),
      shards,
    };
  }

  // --- delivery -------------------------------------------------------------------------------

  private deliverIfIntervalElapsed(): void {
    const first = this.buffer[0];
    if (!first || Date.now() < this.retryAfter) return;
    if (Date.now() - first.bufferedAt < this.bufferIntervalSeconds * 1000) return;
    void this.deliver().catch(() => undefined);
  }

  /** Delivers everything buffered; one delivery at a time, in reading order. */
  private deliver(): Promise<void> {
    const run = this.delivering.then(() => this.deliverBuffered());
    this.delivering = run.catch(() => undefined);
    return run;
  }

  private async deliverBuffered(): Promise<void> {
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    this.bufferedBytes = 0;
    this.inFlight = batch;
    try {
      await this.write(batch);
      this.failedDeliveries = 0;
      this.retryAfter = 0;
    } catch (error) {
      // Like Firehose after an S3 failure: keep the records and retry, with a growing pause.
      this.buffer = [...batch, ...this.buffer];
      this.bufferedBytes = this.buffer.reduce((sum, r) => sum + r.data.length, 0);
      this.failedDeliveries++;
      this.retryAfter = Date.now() + Math.min(30_000, 500 * 2 ** this.failedDeliveries);
      this.recordError(`delivery of ${batch.length} records failed: ${message(error)}`);
      throw error;
    } finally {
      this.inFlight = [];
    }
  }

  private async write(batch: readonly BufferedRecord[]): Promise<void> {
    const { delivery } = this.options;
    const events: CanonicalEvent[] = [];
    const { records, failed } = await transformRecords(batch, {
      delivery,
      stream: this.options.stream,
      invoke: this.options.invoke,
      log: this.options.log,
    });
    for (const record of records) {
      const outcome = convertRecord(record, delivery.dynamicPartitioning);
      if ('event' in outcome) events.push(outcome.event);
      else failed.push(outcome.failure);
    }
    const now = new Date();
    const written = await writeEventsParquet(events, {
      bucket: this.options.bucket,
      prefixTemplate: delivery.prefix,
      fileName: () => firehoseObjectName(delivery.name, now, 'parquet'),
      now,
    });
    const errors =
      failed.length > 0
        ? await writeErrorRecords(failed, {
            bucket: this.options.bucket,
            errorPrefixTemplate: delivery.errorPrefix,
            fileName: () => firehoseObjectName(delivery.name, now, 'jsonl'),
            now,
          })
        : { files: [], rows: 0, bytes: 0 };

    // Only now is the batch durable: move each shard's checkpoint to its last delivered record.
    const lastByShard = new Map<string, string>();
    for (const record of batch) lastByShard.set(record.shardId, record.sequenceNumber);
    for (const [shardId, sequenceNumber] of lastByShard) this.reader.checkpoint(shardId, sequenceNumber);

    this.stats.recordsDelivered += written.rows;
    this.stats.recordsFailed += errors.rows;
    this.stats.files += written.files.length;
    this.stats.errorFiles += errors.files.length;
    this.stats.bytes += written.bytes + errors.bytes;
    this.stats.deliveries++;
    this.stats.lastDeliveryAt = new Date().toISOString();
    if (failed.length > 0) {
      this.options.log?.(
        `lake delivery ${delivery.name}: ${failed.length} records could not be converted; see ${errors.files.join(', ')}`,
      );
    }
  }

  // --- reading (the shard reader calls these) --------------------------------------------------

  /** Firehose starts at the newest record; pinning that moment keeps restarts from skipping records. */
  private startPosition(shardId: string, checkpoint: Checkpoint, initial: boolean): ShardPosition {
    if (!checkpoint.startedAt && !initial) {
      // A shard that appeared while running (resharding): all of it is new.
      return { ShardIteratorType: 'TRIM_HORIZON' };
    }
    const startedAt = checkpoint.startedAt ?? new Date().toISOString();
    if (!checkpoint.startedAt) this.checkpoints.write(shardId, { startedAt });
    return { ShardIteratorType: 'AT_TIMESTAMP', Timestamp: new Date(startedAt) };
  }

  /** Back-pressure: while the buffer is twice the size hint (deliveries keep failing), deliver before reading. */
  private async waitForRoom(): Promise<void> {
    while (this.running && this.bufferedBytes >= 2 * this.bufferSizeBytes)
      await this.deliver().catch(() => this.sleep(500));
  }

  private async onPage(state: ShardState, page: ShardPage): Promise<number> {
    this.stats.recordsRead += page.records.length;
    const now = Date.now();
    for (const record of page.records) {
      const data = record.Data ?? new Uint8Array();
      this.buffer.push({
        shardId: state.shardId,
        sequenceNumber: record.SequenceNumber as string,
        data,
        arrivedAt: record.ApproximateArrivalTimestamp?.getTime() ?? now,
        bufferedAt: now,
      });
      this.bufferedBytes += data.length;
    }
    if (this.bufferedBytes >= this.bufferSizeBytes && Date.now() >= this.retryAfter) {
      await this.deliver().catch(() => undefined);
    }
    // Like Firehose, one GetRecords per shard and second unless the shard has a backlog; this also
    // leaves the emulator to the event source mapping, which polls much faster. flush() wakes it.
    const flushWaiting = state.caughtUpAt < this.catchUpSince;
    return page.full || flushWaiting ? 0 : (this.options.pollIntervalMs ?? 1000);
  }

  /** Waits until every active shard has read everything that was in the stream when called. */
  private async catchUp(timeoutMs: number): Promise<void> {
    const since = Date.now();
    this.catchUpSince = Math.max(this.catchUpSince, since);
    this.sleeper.wakeAll();
    while (Date.now() - since < timeoutMs && this.running) {
      const behind = this.reader.shards().filter((s) => s.active && s.caughtUpAt < since);
      if (behind.length === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    if (this.running) {
      this.options.log?.(
        `lake delivery ${this.options.delivery.name}: flush did not catch up within ${timeoutMs} ms`,
      );
    }
  }

  // --- helpers --------------------------------------------------------------------------------

  private recordError(text: string): void {
    this.stats.errors++;
    this.stats.lastError = text;
    this.options.log?.(`lake delivery ${this.options.delivery.name}: ${text}`);
  }

  private sleep(ms: number): Promise<void> {
    return this.sleeper.sleep(ms);
  }
}

/** Firehose's object names: `<stream>-<version>-<yyyy-MM-dd-HH-mm-ss>-<uuid>`, here with an extension. */
function firehoseObjectName(deliveryStream: string, at: Date, extension: string): string {
  const stamp = at.toISOString().slice(0, 19).replace(/[T:]/g, '-');
  return `${deliveryStream}-1-${stamp}-${randomUUID()}.${extension}`;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
