/** What applying one batch did: the counts the consumer logs and reports as metrics, and where to redeliver from. */
import type { PoisonRecord } from './stream-record';
import type { UserFold } from './user-fold';

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

/** The outcome of a batch from each user's fold (`unwritten`: the users whose profile write failed). */
export function batchOutcome(
  folds: ReadonlyMap<string, UserFold>,
  unwritten: ReadonlySet<string>,
  rest: {
    readonly failedFromIndex: number | undefined;
    readonly failureReason: string | undefined;
    readonly poison: readonly PoisonRecord[];
    readonly counters: Counters;
  },
): BatchOutcome {
  const folded = [...folds.values()];
  const sum = (value: (fold: UserFold) => number) => folded.reduce((total, fold) => total + value(fold), 0);
  return {
    failedFromIndex: rest.failedFromIndex,
    failureReason: rest.failureReason,
    applied: sum((f) => f.applied),
    // A written profile holds these events: their redelivery is a replay, so they are new only now.
    appliedIndexes: [...folds]
      .filter(([userId]) => !unwritten.has(userId))
      .flatMap(([, f]) => f.appliedRecords.map((r) => r.index))
      .sort((a, b) => a - b),
    replays: sum((f) => f.replays),
    duplicates: sum((f) => f.duplicates),
    poison: rest.poison,
    ...rest.counters,
  };
}
