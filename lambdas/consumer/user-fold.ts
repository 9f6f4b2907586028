/**
 * Folds one user's records of a batch (in sequence order) into their stored profile. Pure.
 *
 * Each record is classified by the shard watermark (`hwm`: a redelivery of a record at or below it) and
 * by the event ledger (lambdas/consumer/dedup-ledger.ts: was this eventId applied, and through which
 * record):
 *
 * | record                                         | profile       | item statistics                         |
 * |------------------------------------------------|---------------|-----------------------------------------|
 * | new event                                      | applied       | counted                                 |
 * | redelivery of the record the ledger names      | skipped       | counted where the item watermark allows |
 * | replay (`dlq replay`) of the record it names   | skipped       | counted on the rows no origin reached   |
 * | another record with the same eventId           | skipped       | not counted (producer duplicate)        |
 * | poison (the domain code throws)                | dead-lettered, remembered so it is never counted      |
 *
 * A replay that applies anything takes over the ledger entry: a second replay of the same records (a lost
 * replay ledger) is then a duplicate, and a redelivery of the replay itself counts where it may.
 */

import type { Profile } from '../shared/profile-record';
import { DedupLedger } from './dedup-ledger';
import { applyEventToDraft, draftProfile, finishProfile, type ProfileLimits } from './profile';
import { encodeWatermark, expiredShards, isAtOrBelow, watermarkSequence } from './sequence';
import { newestArrival, type PoisonRecord, type StreamRecord } from './stream-record';

export interface FoldOptions {
  readonly limits: ProfileLimits;
  /** A shard watermark set by a record that arrived longer ago than this is dropped, seconds. */
  readonly watermarkRetentionSeconds: number;
  /**
   * Dead-letter, with this reason, every record that would be applied (used when DynamoDB refuses the
   * profile with them). They are still remembered in the ledger, so a redelivery does not count them.
   */
  readonly poisonAll?: string;
}

export interface UserFold {
  /** The profile the fold started from. */
  readonly base: Profile;
  readonly profile: Profile;
  readonly changed: boolean;
  /** Records that count for item statistics (not producer duplicates, not poison). */
  readonly countable: readonly StreamRecord[];
  /** Records whose event this fold applied to the profile for the first time (`applied` of them). */
  readonly appliedRecords: readonly StreamRecord[];
  readonly applied: number;
  readonly replays: number;
  readonly duplicates: number;
  readonly poison: readonly PoisonRecord[];
}

export function foldUser(stored: Profile, records: readonly StreamRecord[], options: FoldOptions): UserFold {
  const { limits } = options;
  const draft = draftProfile(stored);
  const hwm: Record<string, string> = { ...stored.hwm };
  const ledger = DedupLedger.decode(stored.ledger);
  const countable: StreamRecord[] = [];
  const appliedRecords: StreamRecord[] = [];
  const poison: PoisonRecord[] = [];
  let applied = 0;
  let replays = 0;
  let duplicates = 0;
  let advanced = false;

  for (const record of records) {
    const { event } = record;
    const origins = (record.origins ?? []).map((o) => o.sequenceNumber);
    const verdict = ledger.check(event.eventId, record.sequenceNumber, origins);
    if (isAtOrBelow(record.sequenceNumber, watermarkSequence(hwm[record.shardId]))) {
      replays++;
      // A redelivered record counts for items only if it was the first carrier of its event (or its
      // entry has left the ledger; the item watermark then decides).
      if (verdict === 'first-carrier' || verdict === 'new') countable.push(record);
      continue;
    }
    // Timed only when Kinesis gave the arrival: a backfill's synthetic shard keeps its watermark for good
    // (the same source can be fed again at any time).
    hwm[record.shardId] = encodeWatermark({ sequence: record.sequenceNumber, at: record.arrivedAt });
    advanced = true;
    if (verdict === 'first-carrier' || verdict === 'origin') {
      // A replay of the record that applied it: the profile has it, the item rows decide. The replay
      // becomes the record the ledger names.
      replays++;
      ledger.record(event.eventId, record.sequenceNumber, event.receivedAt);
      countable.push(record);
      continue;
    }
    if (verdict !== 'new') {
      duplicates++;
      continue;
    }
    const carrier = record.sequenceNumber;
    if (options.poisonAll !== undefined) {
      poison.push({ ...recordRef(record), reason: options.poisonAll });
      ledger.record(event.eventId, carrier, event.receivedAt, true);
      continue;
    }
    try {
      applyEventToDraft(draft, event, limits);
    } catch (error) {
      poison.push({ ...recordRef(record), reason: `profile update failed: ${errorMessage(error)}` });
      // Remembered as poison so a redelivery does not count it for items either.
      ledger.record(event.eventId, carrier, event.receivedAt, true);
      continue;
    }
    ledger.record(event.eventId, carrier, event.receivedAt);
    countable.push(record);
    appliedRecords.push(record);
    applied++;
  }

  // Every record above the watermark moves it, so the profile is written whenever one was seen.
  const changed = advanced;
  if (!changed) {
    return {
      base: stored,
      profile: stored,
      changed,
      countable,
      appliedRecords,
      applied,
      replays,
      duplicates,
      poison,
    };
  }
  const now = newestArrival(records);
  const current = new Set(records.map((r) => r.shardId));
  for (const shard of expiredShards(hwm, now, options.watermarkRetentionSeconds))
    if (!current.has(shard)) delete hwm[shard];
  const profile: Profile = {
    ...finishProfile(draft, limits),
    hwm,
    ledger: ledger.encode({
      horizonMinutes: limits.dedupHorizonMinutes,
      maxEntries: limits.ledgerMaxEntries,
    }),
  };
  return { base: stored, profile, changed, countable, appliedRecords, applied, replays, duplicates, poison };
}

function recordRef(record: StreamRecord) {
  return {
    index: record.index,
    shardId: record.shardId,
    sequenceNumber: record.sequenceNumber,
    event: record.event,
  };
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
