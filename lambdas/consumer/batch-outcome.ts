/** What applying one batch did: the counts the consumer logs and reports as metrics, and where to redeliver from. */
import type { PoisonRecord } from './stream-record';

export interface BatchOutcome {
  /** Batch index of the first record that must be redelivered, if any. */
  readonly failedFromIndex?: number;
  /** Why the first failed write failed, for the log. */
  readonly failureReason?: string;
  readonly applied: number;
  /** Batch indexes of the records whose event was applied for the first time (its profile written). */
  readonly appliedIndexes: readonly number[];
  readonly replays: number;
  readonly duplicates: number;
  readonly poison: readonly PoisonRecord[];
  readonly profileWrites: number;
  readonly itemWrites: number;
  /** Writes of the shard's progress (start and end of the invocation). */
  readonly progressWrites: number;
  readonly conflicts: number;
  readonly retries: number;
}

/** What one invocation's writes cost, added up while it runs. */
export interface Counters {
  profileWrites: number;
  itemWrites: number;
  progressWrites: number;
  conflicts: number;
  retries: number;
}

export function newCounters(): Counters {
  return { profileWrites: 0, itemWrites: 0, progressWrites: 0, conflicts: 0, retries: 0 };
}

/** The outcome of a batch that applied nothing. */
export function emptyOutcome(): Omit<BatchOutcome, 'failedFromIndex'> {
  return {
    applied: 0,
    appliedIndexes: [],
    replays: 0,
    duplicates: 0,
    poison: [],
    profileWrites: 0,
    itemWrites: 0,
    progressWrites: 0,
    conflicts: 0,
    retries: 0,
  };
}
