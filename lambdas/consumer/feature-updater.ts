/**
 * Applies one Kinesis batch (records of a single shard, in sequence order) to the feature store
 * with exactly-once effect. The design, also explained in the README:
 *
 * - Profiles: each user's events are folded in memory (user-fold.ts) and written once with a conditional
 *   put on the profile version. The profile remembers, per shard, the highest sequence number applied
 *   (`hwm`), so a redelivered record is skipped, and in its event ledger every event applied during the
 *   retry horizon with the record that carried it, so a producer duplicate (same eventId, new record) is
 *   skipped however many events came in between.
 * - Item rows (item-updates.ts): a record counts for items unless it is a producer duplicate. Each row
 *   keeps its own per-shard watermark; a row's delta only sums records above it, and the ADD is
 *   conditional on the watermark it was computed against. A crash between the profile write and the item
 *   writes is therefore harmless: the retry skips the profile (watermark) and applies the items once.
 * - When a write fails for good, every record from the first affected one on is reported as failed
 *   and redelivered; nothing at or after that record is allowed to move an item watermark, so the
 *   redelivery applies exactly what is missing. A write DynamoDB refuses (InvalidWriteError) is not
 *   retried: the records concerned are dead-lettered and the shard moves on.
 * - Records the event source mapping gives up on (after its retries) are re-published by `dlq replay`
 *   with their origins; shard-progress.ts records where the mapping skipped records, so item rows know
 *   which of them they never saw, and a replay applies exactly what none of its origins did.
 */

import type { Profile } from '../shared/profile-record';
import { type BatchOutcome, batchOutcome, type Counters, emptyOutcome, newCounters } from './batch-outcome';
import { mapWithConcurrency, type RetryPolicy, withRetries } from './concurrency';
import { type FeatureStorePort, InvalidWriteError, type ItemRow, itemRowId } from './feature-store-port';
import {
  type BatchIdentities,
  batchIdentities,
  foldHeld,
  foldWithLinks,
  linkedProfiles,
  type Routing,
  stitchBatch,
} from './identity-stitching';
import { type ItemAccumulator, itemContributions, itemUpdateFor } from './item-updates';
import type { ItemWindow } from './item-window';
import { emptyProfile, type ProfileLimits } from './profile';
import { type ShardGap, type ShardProgress, type ShardProgressPort, startProgress } from './shard-progress';
import { newestArrival, type PoisonRecord, type StreamRecord } from './stream-record';
import { errorMessage, type FoldOptions, type UserFold } from './user-fold';

export type { PoisonRecord, StreamRecord } from './stream-record';

/** A window's item row the store refused for good: what it would have added, for the dead-letter queue. */
export interface RefusedWindowRow {
  readonly accumulator: ItemAccumulator;
  readonly reason: string;
}

/** Watermarks are kept at least a week after their record arrived (Kinesis retention is 1 to 365 days). */
export const DEFAULT_WATERMARK_RETENTION_SECONDS = 7 * 24 * 3600;

export interface UpdaterOptions {
  readonly limits: ProfileLimits;
  readonly itemBucketTtlSeconds: number;
  readonly concurrency: number;
  readonly retry: RetryPolicy;
  /** Attempts when a conditional write loses a race (re-read, recompute, write again). */
  readonly conflictAttempts: number;
  /**
   * A shard watermark set by a record that arrived longer ago than this is dropped: no record at or below
   * it can be delivered again (stream retention, maximum record age) or replayed within the horizon.
   * @default DEFAULT_WATERMARK_RETENTION_SECONDS
   */
  readonly watermarkRetentionSeconds?: number;
}

const notRefused = (error: unknown) => !(error instanceof InvalidWriteError);

export class FeatureUpdater {
  constructor(
    private readonly store: FeatureStorePort,
    private readonly options: UpdaterOptions,
    /** Where give-ups are detected; without it (backfills) a replay's origin is judged by watermarks alone. */
    private readonly progress?: ShardProgressPort,
  ) {}

  private get foldOptions(): FoldOptions {
    return {
      limits: this.options.limits,
      watermarkRetentionSeconds: this.watermarkRetentionSeconds,
    };
  }

  private get watermarkRetentionSeconds(): number {
    return this.options.watermarkRetentionSeconds ?? DEFAULT_WATERMARK_RETENTION_SECONDS;
  }

  private get horizonSeconds(): number {
    return this.options.limits.dedupHorizonMinutes * 60;
  }

  /**
   * Applies a batch. `deadLetter` receives poison records (possibly in several calls, each with new ones)
   * before any state that skips them is written, so a skipped record has always been dead-lettered first.
   * With `window` (a tumbling window, item-window.ts), item contributions are added to it instead of
   * written; `flushWindow` writes them when the window closes.
   */
  async process(
    records: readonly StreamRecord[],
    deadLetter: (poison: readonly PoisonRecord[]) => Promise<void>,
    window?: ItemWindow,
  ): Promise<BatchOutcome> {
    const counters = newCounters();
    const poison: PoisonRecord[] = [];
    let failureReason: string | undefined;
    const noteFailure = (error: unknown) => {
      failureReason ??= errorMessage(error);
    };
    const onRetry = () => {
      counters.retries++;
    };
    const sendPoison = async (found: readonly PoisonRecord[]) => {
      if (found.length === 0) return;
      await deadLetter(found);
      poison.push(...found);
    };
    const first = records[0];
    const last = records[records.length - 1];
    if (!first || !last) return { ...emptyOutcome(), ...counters };
    const failAll = (error: unknown): BatchOutcome => ({
      ...emptyOutcome(),
      failedFromIndex: first.index,
      failureReason: errorMessage(error),
      ...counters,
    });
    const nowSeconds = newestArrival(records);

    let progress: ShardProgress | undefined;
    let stored: Map<string, Profile>;
    let routing: Routing;
    const identities = batchIdentities(records);
    try {
      const [started, profiles] = await Promise.all([
        this.startProgress(first, last, nowSeconds, counters, onRetry),
        withRetries(this.options.retry, () => this.store.getProfiles(identities.keys), onRetry),
      ]);
      progress = started;
      ({ stored, routing } = await this.stitch(identities, profiles, records, counters, onRetry));
    } catch (error) {
      return failAll(error);
    }
    const byUser = routing.byProfile;
    const userIds = [...byUser.keys()];

    const folds = new Map<string, UserFold>();
    for (const [userId, userRecords] of byUser) {
      const linked = linkedProfiles(userId, stored);
      folds.set(
        userId,
        foldWithLinks(stored.get(userId) ?? emptyProfile(userId), linked, userRecords, this.foldOptions),
      );
    }
    for (const [key, held] of routing.held)
      folds.set(key, foldHeld(stored.get(key) as Profile, held, this.foldOptions));
    await sendPoison([...folds.values()].flatMap((f) => f.poison));

    // Profiles: one conditional write per changed user; a lost race re-reads and folds again.
    let failedFromIndex = Number.POSITIVE_INFINITY;
    const unwritten = new Set<string>();
    await mapWithConcurrency(userIds, this.options.concurrency, async (userId) => {
      const userRecords = byUser.get(userId) as StreamRecord[];
      try {
        const final = await this.writeProfile(
          userId,
          userRecords,
          linkedProfiles(userId, stored),
          folds.get(userId) as UserFold,
          counters,
          onRetry,
          sendPoison,
        );
        folds.set(userId, final);
      } catch (error) {
        noteFailure(error);
        unwritten.add(userId);
        failedFromIndex = Math.min(failedFromIndex, userRecords[0]?.index ?? Number.POSITIVE_INFINITY);
      }
    });

    // Items: only records before the first failure may move a watermark (the rest is redelivered).
    const countable = [...folds.values()]
      .flatMap((f) => f.countable)
      .filter((r) => r.index < failedFromIndex)
      .sort((a, b) => a.index - b.index);
    window?.add(countable);
    const items = window
      ? { failedFrom: Number.POSITIVE_INFINITY, refused: [] }
      : await this.writeItems(
          countable[0]?.shardId,
          [...itemContributions(countable).values()],
          progress?.gaps ?? [],
          nowSeconds,
          counters,
          onRetry,
          noteFailure,
        );
    failedFromIndex = Math.min(failedFromIndex, items.failedFrom);
    try {
      await sendPoison(items.refused);
    } catch (error) {
      noteFailure(error);
      failedFromIndex = Math.min(failedFromIndex, ...items.refused.map((p) => p.index));
    }

    const failed = Number.isFinite(failedFromIndex) ? failedFromIndex : undefined;
    if (progress) await this.endProgress(progress, records, failed, counters);
    return batchOutcome(folds, unwritten, { failedFromIndex: failed, failureReason, poison, counters });
  }

  private async startProgress(
    first: StreamRecord,
    last: StreamRecord,
    nowSeconds: number,
    counters: Counters,
    onRetry: () => void,
  ): Promise<ShardProgress | undefined> {
    const port = this.progress;
    if (!port) return undefined;
    const previous = await withRetries(this.options.retry, () => port.get(first.shardId), onRetry);
    const progress = startProgress(
      previous,
      { shardId: first.shardId, first: first.sequenceNumber, last: last.sequenceNumber },
      nowSeconds,
      this.horizonSeconds,
    );
    counters.progressWrites++;
    await withRetries(this.options.retry, () => port.put(progress), onRetry);
    return progress;
  }

  /** Best effort: a lost end write only makes the next invocation record a gap that holds nothing. */
  private async endProgress(
    progress: ShardProgress,
    records: readonly StreamRecord[],
    failedFromIndex: number | undefined,
    counters: Counters,
  ): Promise<void> {
    const failedAt = records.find((r) => r.index === failedFromIndex);
    const end = failedAt ? { ...progress, from: failedAt.sequenceNumber } : { ...progress, done: true };
    counters.progressWrites++;
    await this.progress?.put(end).catch(() => undefined);
  }

  /** Writes the batch's identity links and routes its records (identity-stitching.ts). */
  private async stitch(
    identities: BatchIdentities,
    read: Map<string, Profile>,
    records: readonly StreamRecord[],
    counters: Counters,
    onRetry: () => void,
  ): Promise<{ stored: Map<string, Profile>; routing: Routing }> {
    const retrying = {
      getProfiles: (keys: readonly string[]) =>
        withRetries(this.options.retry, () => this.store.getProfiles(keys), onRetry),
      putProfile: (profile: Profile, expected: number) =>
        withRetries(this.options.retry, () => this.store.putProfile(profile, expected), onRetry),
    };
    const stitched = await stitchBatch(retrying, identities, read, records, this.options.conflictAttempts);
    counters.profileWrites += stitched.sealed + stitched.conflicts;
    counters.conflicts += stitched.conflicts;
    const { stored, routing } = stitched;
    return { stored, routing };
  }

  private async writeProfile(
    userId: string,
    userRecords: readonly StreamRecord[],
    linked: ReadonlyMap<string, Profile>,
    initial: UserFold,
    counters: Counters,
    onRetry: () => void,
    sendPoison: (poison: readonly PoisonRecord[]) => Promise<void>,
  ): Promise<UserFold> {
    let fold = initial;
    let refusal: string | undefined;
    for (let attempt = 1; ; attempt++) {
      if (!fold.changed) return fold;
      const expectedVersion = fold.profile.version;
      const next = { ...fold.profile, version: expectedVersion + 1 };
      counters.profileWrites++;
      let written: boolean;
      try {
        written = await withRetries(
          this.options.retry,
          () => this.store.putProfile(next, expectedVersion),
          onRetry,
          notRefused,
        );
      } catch (error) {
        if (!(error instanceof InvalidWriteError)) throw error;
        // Refused even without this batch's events: the stored profile cannot be rewritten. The records
        // were dead-lettered; they stay unapplied (a redelivery dead-letters them again).
        if (refusal !== undefined)
          return { ...fold, profile: fold.base, changed: false, countable: [], appliedRecords: [] };
        refusal = `profile ${userId} refused by the feature store: ${error.message}`;
        const alreadySent = new Set(fold.poison.map((p) => p.index));
        fold = foldWithLinks(fold.base, linked, userRecords, { ...this.foldOptions, poisonAll: refusal });
        await sendPoison(fold.poison.filter((p) => !alreadySent.has(p.index)));
        continue;
      }
      if (written) return { ...fold, profile: next };
      counters.conflicts++;
      if (attempt >= this.options.conflictAttempts)
        throw new Error(`profile ${userId}: too many write conflicts`);
      const fresh = (
        await withRetries(this.options.retry, () => this.store.getProfiles([userId]), onRetry)
      ).get(userId);
      // Linked by another batch since it was read: redelivered, the records then go to the user.
      if (fresh?.linkedTo !== undefined)
        throw new Error(`profile ${userId} was linked to a user during the batch; redelivering its records`);
      fold = foldWithLinks(fresh ?? emptyProfile(userId), linked, userRecords, {
        ...this.foldOptions,
        ...(refusal !== undefined ? { poisonAll: refusal } : {}),
      });
    }
  }

  /**
   * Writes a closed window's item rows (each once). Throws when a write fails, so the final invocation is
   * retried; the rows already written skip the retry by their watermark. Rows the store refuses for good
   * are returned with their window totals: their records were checkpointed in earlier invocations, so the
   * caller dead-letters the rows themselves.
   */
  async flushWindow(window: ItemWindow): Promise<{ itemWrites: number; refusedRows: RefusedWindowRow[] }> {
    const counters = newCounters();
    const accumulators = window.accumulators();
    if (accumulators.length === 0) return { itemWrites: 0, refusedRows: [] };
    const onRetry = () => {
      counters.retries++;
    };
    const progress = this.progress;
    const gaps = progress
      ? ((await withRetries(this.options.retry, () => progress.get(window.shardId), onRetry))?.gaps ?? [])
      : [];
    let failure: unknown;
    const nowSeconds = Math.max(
      0,
      ...accumulators.flatMap((a) => a.contributions.map((c) => c.arrivedAt ?? 0)),
    );
    const result = await this.writeItems(
      window.shardId,
      accumulators,
      gaps,
      nowSeconds,
      counters,
      onRetry,
      (e) => {
        failure ??= e;
      },
    );
    if (failure !== undefined) throw failure;
    return { itemWrites: counters.itemWrites, refusedRows: result.refusedRows };
  }

  /** Writes the item rows; returns the batch index of the first record whose contribution failed. */
  private async writeItems(
    shardId: string | undefined,
    accumulators: readonly ItemAccumulator[],
    gaps: readonly ShardGap[],
    nowSeconds: number,
    counters: Counters,
    onRetry: () => void,
    noteFailure: (error: unknown) => void,
  ): Promise<{ failedFrom: number; refused: PoisonRecord[]; refusedRows: RefusedWindowRow[] }> {
    const refused = new Map<number, PoisonRecord>();
    const refusedRows: RefusedWindowRow[] = [];
    if (shardId === undefined || accumulators.length === 0)
      return { failedFrom: Number.POSITIVE_INFINITY, refused: [], refusedRows };
    const context = {
      shardId,
      itemBucketTtlSeconds: this.options.itemBucketTtlSeconds,
      nowSeconds,
      watermarkRetentionSeconds: this.watermarkRetentionSeconds,
      horizonSeconds: this.horizonSeconds,
      gaps,
    };
    let rows: Map<string, ItemRow>;
    try {
      rows = await withRetries(
        this.options.retry,
        () => this.store.getItemRows(accumulators.map((a) => a.key)),
        onRetry,
      );
    } catch (error) {
      noteFailure(error);
      return { failedFrom: firstIndex(accumulators), refused: [], refusedRows };
    }

    let failedFrom = Number.POSITIVE_INFINITY;
    await mapWithConcurrency(accumulators, this.options.concurrency, async (accumulator) => {
      let row = rows.get(itemRowId(accumulator.key));
      try {
        for (let attempt = 1; ; attempt++) {
          const update = itemUpdateFor(accumulator, row, context);
          if (!update) return;
          counters.itemWrites++;
          const written = await withRetries(
            this.options.retry,
            () => this.store.applyItemDelta(update),
            onRetry,
            notRefused,
          );
          if (written) return;
          counters.conflicts++;
          if (attempt >= this.options.conflictAttempts) throw new Error('too many item write conflicts');
          row = (
            await withRetries(this.options.retry, () => this.store.getItemRows([accumulator.key]), onRetry)
          ).get(itemRowId(accumulator.key));
        }
      } catch (error) {
        if (error instanceof InvalidWriteError) {
          const { itemId, bucket } = accumulator.key;
          const reason = `item statistics not updated: row ${itemId} ${bucket} refused by the feature store: ${error.message}`;
          refusedRows.push({ accumulator, reason });
          for (const { record } of accumulator.contributions)
            if (record && !refused.has(record.index))
              refused.set(record.index, {
                index: record.index,
                shardId: record.shardId,
                sequenceNumber: record.sequenceNumber,
                event: record.event,
                reason,
              });
          return;
        }
        noteFailure(error);
        failedFrom = Math.min(failedFrom, firstIndex([accumulator]));
      }
    });
    return { failedFrom, refused: [...refused.values()], refusedRows };
  }
}

/** Batch index of the first record behind these rows (a window's aggregate has none: index 0). */
function firstIndex(accumulators: readonly ItemAccumulator[]): number {
  return Math.min(...accumulators.flatMap((a) => a.contributions.map((c) => c.record?.index ?? 0)));
}
