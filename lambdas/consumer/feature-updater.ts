/**
 * Applies one Kinesis batch (records of a single shard, in sequence order) to the feature store
 * with exactly-once effect. The design, also explained in the README:
 *
 * - Profiles: each user's events are folded in memory and written once with a conditional put on
 *   the profile version. The profile remembers, per shard, the highest sequence number applied
 *   (`hwm`), so a replayed record is skipped, and the last few hundred eventIds with the sequence
 *   number that carried them (`seen`), so a producer duplicate (same eventId, new record) is skipped.
 * - Item rows: a record counts for items unless it is a producer duplicate. Each row keeps its own
 *   per-shard watermark; a row's delta only sums records above it, and the ADD is conditional on
 *   the watermark it was computed against. A crash between the profile write and the item writes
 *   is therefore harmless: the retry skips the profile (watermark) and applies the items once.
 * - When a write fails for good, every record from the first affected one on is reported as failed
 *   and redelivered; nothing at or after that record is allowed to move an item watermark, so the
 *   redelivery applies exactly what is missing.
 */
import type { CanonicalEvent } from '../shared/events';
import { mapWithConcurrency, type RetryPolicy, withRetries } from './concurrency';
import type { FeatureStorePort, ItemRow, ItemRowKey, ItemRowUpdate } from './feature-store-port';
import { itemRowId } from './feature-store-port';
import {
  addDelta,
  type CounterDelta,
  contributionsOf,
  conversionRate,
  hourBucket,
  TOTAL_BUCKET,
} from './item-stats';
import {
  applyEventToDraft,
  draftProfile,
  emptyProfile,
  finishProfile,
  type Profile,
  type ProfileLimits,
  profileKeyOf,
} from './profile';
import { isAtOrBelow, maxSequence } from './sequence';

export interface StreamRecord {
  /** Position in the Lambda batch. */
  readonly index: number;
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly event: CanonicalEvent;
}

export interface PoisonRecord {
  readonly index: number;
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly reason: string;
  readonly event: CanonicalEvent;
}

export interface UpdaterOptions {
  readonly limits: ProfileLimits;
  readonly itemBucketTtlSeconds: number;
  readonly concurrency: number;
  readonly retry: RetryPolicy;
  /** Attempts when a conditional write loses a race (re-read, recompute, write again). */
  readonly conflictAttempts: number;
}

export interface BatchOutcome {
  /** Batch index of the first record that must be redelivered, if any. */
  readonly failedFromIndex?: number;
  /** Why the first failed write failed, for the log. */
  readonly failureReason?: string;
  readonly applied: number;
  readonly replays: number;
  readonly duplicates: number;
  readonly poison: readonly PoisonRecord[];
  readonly profileWrites: number;
  readonly itemWrites: number;
  readonly conflicts: number;
  readonly retries: number;
}

interface UserFold {
  readonly profile: Profile;
  readonly changed: boolean;
  /** Records that count for item statistics (not producer duplicates). */
  readonly countable: readonly StreamRecord[];
  readonly applied: number;
  readonly replays: number;
  readonly duplicates: number;
  readonly poison: readonly PoisonRecord[];
}

/**
 * Folds a user's records (in sequence order) into their stored profile. Pure; a record that makes
 * the domain code throw is returned as poison and skipped, but still moves the watermark so it is
 * never retried.
 */
export function foldUser(stored: Profile, records: readonly StreamRecord[], limits: ProfileLimits): UserFold {
  const draft = draftProfile(stored);
  const hwm: Record<string, string> = { ...stored.hwm };
  const seen = new Map(stored.seen);
  const countable: StreamRecord[] = [];
  const poison: PoisonRecord[] = [];
  let applied = 0;
  let replays = 0;
  let duplicates = 0;

  for (const record of records) {
    const firstSequence = seen.get(record.event.eventId);
    if (isAtOrBelow(record.sequenceNumber, hwm[record.shardId])) {
      replays++;
      // Replayed record: it counts for items only if it was the first carrier of its eventId
      // (or has fallen out of the bounded window, in which case the item watermark decides).
      if (firstSequence === undefined || firstSequence === record.sequenceNumber) countable.push(record);
      continue;
    }
    hwm[record.shardId] = record.sequenceNumber;
    if (firstSequence !== undefined && firstSequence !== record.sequenceNumber) {
      duplicates++;
      continue;
    }
    try {
      applyEventToDraft(draft, record.event, limits);
    } catch (error) {
      poison.push({ ...recordRef(record), reason: `profile update failed: ${errorMessage(error)}` });
      // Remembered with a marker so a replay of this record does not count it for items either.
      seen.set(record.event.eventId, `!${record.sequenceNumber}`);
      continue;
    }
    seen.delete(record.event.eventId);
    seen.set(record.event.eventId, record.sequenceNumber);
    countable.push(record);
    applied++;
  }

  const changed = applied + duplicates + poison.length > 0;
  return {
    profile: changed
      ? { ...finishProfile(draft, limits), hwm, seen: [...seen.entries()].slice(-limits.seenEventIds) }
      : stored,
    changed,
    countable,
    applied,
    replays,
    duplicates,
    poison,
  };
}

interface ItemAccumulator {
  key: ItemRowKey;
  contributions: Array<{ record: StreamRecord; delta: CounterDelta; category?: string }>;
}

/** Groups the item contributions of countable records by row (all-time and hourly). */
export function itemContributions(records: readonly StreamRecord[]): Map<string, ItemAccumulator> {
  const rows = new Map<string, ItemAccumulator>();
  for (const record of records) {
    for (const contribution of contributionsOf(record.event)) {
      for (const bucket of [TOTAL_BUCKET, hourBucket(record.event.occurredAt)]) {
        const id = `${contribution.itemId}\u0000${bucket}`;
        let row = rows.get(id);
        if (!row) {
          row = { key: { itemId: contribution.itemId, bucket }, contributions: [] };
          rows.set(id, row);
        }
        row.contributions.push({ record, delta: contribution.delta, category: contribution.category });
      }
    }
  }
  return rows;
}

/** The update that brings a row up to date with the contributions above its shard watermark. */
export function itemUpdateFor(
  accumulator: ItemAccumulator,
  row: ItemRow | undefined,
  shardId: string,
  itemBucketTtlSeconds: number,
): ItemRowUpdate | undefined {
  const expectedHwm = row?.hwm[shardId];
  let delta: CounterDelta = {};
  let newHwm: string | undefined;
  let category: string | undefined;
  let lastEventAt = row?.lastEventAt ?? '';
  for (const contribution of accumulator.contributions) {
    if (isAtOrBelow(contribution.record.sequenceNumber, expectedHwm)) continue;
    delta = addDelta(delta, contribution.delta);
    newHwm = maxSequence(newHwm, contribution.record.sequenceNumber);
    category = contribution.category ?? category;
    if (contribution.record.event.occurredAt > lastEventAt)
      lastEventAt = contribution.record.event.occurredAt;
  }
  if (newHwm === undefined) return undefined;
  const isTotal = accumulator.key.bucket === TOTAL_BUCKET;
  const hourStartSeconds = isTotal ? 0 : Date.parse(`${accumulator.key.bucket.slice(2)}:00:00.000Z`) / 1000;
  return {
    key: accumulator.key,
    shardId,
    expectedHwm,
    rowHasHwm: row !== undefined && Object.keys(row.hwm).length > 0,
    newHwm,
    delta,
    category: category ?? row?.category,
    lastEventAt,
    conversionRate: isTotal ? conversionRate(addDelta(row?.counts ?? {}, delta)) : undefined,
    expiresAt: isTotal ? undefined : hourStartSeconds + itemBucketTtlSeconds,
  };
}

export class FeatureUpdater {
  constructor(
    private readonly store: FeatureStorePort,
    private readonly options: UpdaterOptions,
  ) {}

  /**
   * Applies a batch. `deadLetter` receives poison records before any state is written, so a record
   * that is skipped by a watermark has always reached the dead-letter destination first.
   */
  async process(
    records: readonly StreamRecord[],
    deadLetter: (poison: readonly PoisonRecord[]) => Promise<void>,
  ): Promise<BatchOutcome> {
    const counters = { profileWrites: 0, itemWrites: 0, conflicts: 0, retries: 0 };
    let failureReason: string | undefined;
    const noteFailure = (error: unknown) => {
      failureReason ??= errorMessage(error);
    };
    const onRetry = () => {
      counters.retries++;
    };
    const byUser = groupBy(records, (r) => profileKeyOf(r.event));
    const userIds = [...byUser.keys()];

    let stored: Map<string, Profile>;
    try {
      stored = await this.readProfiles(userIds, onRetry);
    } catch (error) {
      return {
        ...emptyOutcome(),
        failedFromIndex: records[0]?.index,
        failureReason: errorMessage(error),
        ...counters,
      };
    }

    const folds = new Map<string, UserFold>();
    for (const [userId, userRecords] of byUser) {
      folds.set(
        userId,
        foldUser(stored.get(userId) ?? emptyProfile(userId), userRecords, this.options.limits),
      );
    }
    const poison = [...folds.values()].flatMap((f) => f.poison);
    if (poison.length > 0) await deadLetter(poison);

    // Profiles: one conditional write per changed user; a lost race re-reads and folds again.
    let failedFromIndex = Number.POSITIVE_INFINITY;
    await mapWithConcurrency(userIds, this.options.concurrency, async (userId) => {
      const userRecords = byUser.get(userId) as StreamRecord[];
      try {
        const final = await this.writeProfile(
          userId,
          userRecords,
          folds.get(userId) as UserFold,
          counters,
          onRetry,
        );
        folds.set(userId, final);
      } catch (error) {
        noteFailure(error);
        failedFromIndex = Math.min(failedFromIndex, userRecords[0]?.index ?? Number.POSITIVE_INFINITY);
      }
    });

    // Items: only records before the first failure may move a watermark (the rest is redelivered).
    const countable = [...folds.values()]
      .flatMap((f) => f.countable)
      .filter((r) => r.index < failedFromIndex)
      .sort((a, b) => a.index - b.index);
    const itemFailure = await this.writeItems(countable, counters, onRetry, noteFailure);
    failedFromIndex = Math.min(failedFromIndex, itemFailure);

    const folded = [...folds.values()];
    return {
      failedFromIndex: Number.isFinite(failedFromIndex) ? failedFromIndex : undefined,
      failureReason,
      applied: sum(folded, (f) => f.applied),
      replays: sum(folded, (f) => f.replays),
      duplicates: sum(folded, (f) => f.duplicates),
      poison,
      ...counters,
    };
  }

  private async readProfiles(userIds: readonly string[], onRetry: () => void): Promise<Map<string, Profile>> {
    return withRetries(this.options.retry, () => this.store.getProfiles(userIds), onRetry);
  }

  private async writeProfile(
    userId: string,
    userRecords: readonly StreamRecord[],
    initial: UserFold,
    counters: { profileWrites: number; conflicts: number },
    onRetry: () => void,
  ): Promise<UserFold> {
    let fold = initial;
    for (let attempt = 1; ; attempt++) {
      if (!fold.changed) return fold;
      const expectedVersion = fold.profile.version;
      const next = { ...fold.profile, version: expectedVersion + 1 };
      counters.profileWrites++;
      const written = await withRetries(
        this.options.retry,
        () => this.store.putProfile(next, expectedVersion),
        onRetry,
      );
      if (written) return { ...fold, profile: next };
      counters.conflicts++;
      if (attempt >= this.options.conflictAttempts)
        throw new Error(`profile ${userId}: too many write conflicts`);
      const fresh = (await this.readProfiles([userId], onRetry)).get(userId) ?? emptyProfile(userId);
      fold = foldUser(fresh, userRecords, this.options.limits);
    }
  }

  /** Returns the batch index of the first record whose item contribution could not be written. */
  private async writeItems(
    records: readonly StreamRecord[],
    counters: { itemWrites: number; conflicts: number },
    onRetry: () => void,
    noteFailure: (error: unknown) => void,
  ): Promise<number> {
    const shardId = records[0]?.shardId;
    if (shardId === undefined) return Number.POSITIVE_INFINITY;
    const accumulators = [...itemContributions(records).values()];
    let rows: Map<string, ItemRow>;
    try {
      rows = await withRetries(
        this.options.retry,
        () => this.store.getItemRows(accumulators.map((a) => a.key)),
        onRetry,
      );
    } catch (error) {
      noteFailure(error);
      return records[0]?.index ?? Number.POSITIVE_INFINITY;
    }

    let failedFrom = Number.POSITIVE_INFINITY;
    await mapWithConcurrency(accumulators, this.options.concurrency, async (accumulator) => {
      let row = rows.get(itemRowId(accumulator.key));
      try {
        for (let attempt = 1; ; attempt++) {
          const update = itemUpdateFor(accumulator, row, shardId, this.options.itemBucketTtlSeconds);
          if (!update) return;
          counters.itemWrites++;
          if (await withRetries(this.options.retry, () => this.store.applyItemDelta(update), onRetry)) return;
          counters.conflicts++;
          if (attempt >= this.options.conflictAttempts) throw new Error('too many item write conflicts');
          row = (
            await withRetries(this.options.retry, () => this.store.getItemRows([accumulator.key]), onRetry)
          ).get(itemRowId(accumulator.key));
        }
      } catch (error) {
        noteFailure(error);
        const first = Math.min(...accumulator.contributions.map((c) => c.record.index));
        failedFrom = Math.min(failedFrom, first);
      }
    });
    return failedFrom;
  }
}

function recordRef(record: StreamRecord) {
  return {
    index: record.index,
    shardId: record.shardId,
    sequenceNumber: record.sequenceNumber,
    event: record.event,
  };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}

function sum<T>(items: readonly T[], value: (item: T) => number): number {
  return items.reduce((total, item) => total + value(item), 0);
}

function emptyOutcome(): Omit<BatchOutcome, 'failedFromIndex'> {
  return {
    applied: 0,
    replays: 0,
    duplicates: 0,
    poison: [],
    profileWrites: 0,
    itemWrites: 0,
    conflicts: 0,
    retries: 0,
  };
}
