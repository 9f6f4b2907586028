/**
 * The tumbling windows of a local event source mapping (TumblingWindowInSeconds), one open window per
 * shard: records are grouped by arrival time into windows aligned to the window length, a batch never
 * spans two windows, and a window is due for its final invocation once its end has passed on the clock or
 * a record of a later window arrives. The open window (with the state the function last returned) is kept
 * in the shard's checkpoint, so a restart resumes it.
 */
import type { KinesisStreamRecord } from 'aws-lambda';
import type { CheckpointStore, OpenWindow } from './checkpoints';

export class TumblingWindows {
  private readonly open = new Map<string, OpenWindow>();
  private readonly restored = new Set<string>();
  private readonly windowMs: number;

  constructor(
    windowSeconds: number | undefined,
    private readonly checkpoints: CheckpointStore,
  ) {
    this.windowMs = (windowSeconds ?? 0) * 1000;
  }

  /** Shards with a window still open (its final invocation still to come). */
  get size(): number {
    return this.open.size;
  }

  get(shardId: string): OpenWindow | undefined {
    return this.open.get(shardId);
  }

  /** Forgets the shard's window once its final invocation succeeded. */
  close(shardId: string): void {
    this.open.delete(shardId);
  }

  /** On the first read of a shard: the window its checkpoint kept, if any. */
  restore(shardId: string): void {
    if (this.restored.has(shardId)) return;
    this.restored.add(shardId);
    const saved = this.checkpoints.read(shardId).window;
    if (saved && this.windowMs > 0) this.open.set(shardId, { ...saved, state: { ...saved.state } });
  }

  /** How many buffered records the next batch takes: at most `batchSize`, all of one window. */
  sameWindowCount(buffer: readonly KinesisStreamRecord[], batchSize: number): number {
    const max = Math.min(buffer.length, batchSize);
    const first = buffer[0];
    if (this.windowMs <= 0 || !first) return max;
    const start = this.startOf(first);
    let count = 1;
    while (count < max && this.startOf(buffer[count] as KinesisStreamRecord) === start) count++;
    return count;
  }

  /** Opens the window of a batch's first record, unless the shard has one open or windows are off. */
  openFor(shardId: string, first: KinesisStreamRecord): void {
    if (this.windowMs <= 0 || this.open.has(shardId)) return;
    const start = this.startOf(first);
    this.open.set(shardId, { start, end: start + this.windowMs, state: {} });
  }

  /**
   * The shard's open window when its final invocation is due: its end has passed (epoch ms `now`), the
   * next record belongs to a later window, or the shard ended.
   */
  due(
    shardId: string,
    next: KinesisStreamRecord | undefined,
    now: number,
    shardEnded: boolean,
  ): OpenWindow | undefined {
    const open = this.open.get(shardId);
    if (!open) return undefined;
    const due = shardEnded || now >= open.end || (next !== undefined && this.startOf(next) >= open.end);
    return due ? open : undefined;
  }

  private startOf(record: KinesisStreamRecord): number {
    const arrival = Math.floor(record.kinesis.approximateArrivalTimestamp * 1000);
    return arrival - (arrival % this.windowMs);
  }
}
