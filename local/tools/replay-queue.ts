/**
 * The publishing half of the replays (dlq-replay.ts, quarantine-replay.ts): records wait with the source object
 * they came from, go to the stream in rounds, and after each round the ledger of every source that had a record
 * taken is written once, so a replay stopped half way resumes without publishing a record twice.
 */
import type { EventPublisher, PublishFailure, PublishRecord } from '../../lambdas/ingest/kinesis-publisher';

/** Records published per PutRecords round (the publisher splits further by size). */
export const FLUSH_RECORDS = 500;

export interface QueuedRecord {
  /** The source object whose ledger records the replay. */
  readonly key: string;
  readonly record: PublishRecord;
}

/** What a replay does with the outcome of a round. */
export interface ReplayRound<Q extends QueuedRecord> {
  /** The stream took the record; `replayedAt` is the round's one time stamp. */
  replayed(queued: Q, replayedAt: string): void;
  failed(queued: Q, failure: PublishFailure): void;
  /** Called once a round for each source with a record taken, after all its `replayed` calls. */
  writeLedger(key: string): Promise<void>;
}

export class ReplayQueue<Q extends QueuedRecord> {
  private pending: Q[] = [];

  /** Without a publisher (a dry run) nothing is published and the queue is never flushed. */
  constructor(
    private readonly publisher: EventPublisher | undefined,
    private readonly now: () => Date,
    private readonly round: ReplayRound<Q>,
  ) {}

  get size(): number {
    return this.pending.length;
  }

  push(queued: Q): void {
    this.pending.push(queued);
  }

  async flushWhenFull(): Promise<void> {
    if (this.pending.length >= FLUSH_RECORDS) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.pending.length === 0 || !this.publisher) return;
    const batch = this.pending;
    this.pending = [];
    const result = await this.publisher.publish(batch.map((queued) => queued.record));
    const failed = new Map(result.failed.map((failure) => [failure.record.id, failure]));
    const replayedAt = this.now().toISOString();
    const touched = new Set<string>();
    for (const queued of batch) {
      const failure = failed.get(queued.record.id);
      if (failure) {
        this.round.failed(queued, failure);
        continue;
      }
      this.round.replayed(queued, replayedAt);
      touched.add(queued.key);
    }
    for (const key of touched) await this.round.writeLedger(key);
  }
}
