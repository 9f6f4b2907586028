/**
 * What the consumer needs from the feature store, independent of DynamoDB. Conditional writes
 * report a lost race as `false`; a write the store refuses for good throws InvalidWriteError (the
 * records concerned are dead-lettered); any other thrown error is treated as transient and retried.
 */

import type { Profile } from '../shared/profile-record';
import type { CounterDelta } from './item-stats';

export interface ItemRowKey {
  readonly itemId: string;
  /** `TOTAL` or an hourly bucket `H#2026-11-26T03`. */
  readonly bucket: string;
}

/**
 * Sequence numbers of a shard, `lo < s < hi` (`lo` '' for no lower bound), whose records never reached
 * this row although the watermark has passed them: they were given up (the event source mapping's
 * on-failure destination). Written the first time the row moves past such a gap; `at` in epoch seconds.
 */
export type GapWindow = readonly [lo: string, hi: string, at: number];

export interface ItemRow extends ItemRowKey {
  /** Per shard: `<sequence>@<arrival epoch s>` of the last record applied (sequence.ts). */
  readonly hwm: Readonly<Record<string, string>>;
  /** Per shard: its gap windows. */
  readonly gaps?: Readonly<Record<string, readonly GapWindow[]>>;
  readonly counts: CounterDelta;
  readonly category?: string;
  readonly lastEventAt?: string;
}

export interface ItemRowUpdate {
  readonly key: ItemRowKey;
  readonly shardId: string;
  /** The shard watermark the delta was computed against; undefined when the row or shard entry is absent. */
  readonly expectedHwm: string | undefined;
  /** Whether the row already has a watermark map (decides how the new entry is written). */
  readonly rowHasHwm: boolean;
  readonly newHwm: string;
  readonly delta: CounterDelta;
  readonly category?: string;
  readonly lastEventAt: string;
  readonly conversionRate?: number;
  readonly expiresAt?: number;
  /** Replaces this shard's gap windows (absent: unchanged). */
  readonly gaps?: readonly GapWindow[];
  /**
   * Other shards whose watermark has expired (closed, or past the retention): their entries are removed,
   * each only if still at the value read.
   */
  readonly dropShards?: ReadonlyArray<{ readonly shardId: string; readonly expected: string }>;
}

/**
 * A write the store refuses whatever the retries (DynamoDB ValidationException: an item over 400 KB, a
 * key too long, ...). The consumer dead-letters the records concerned instead of retrying the shard.
 */
export class InvalidWriteError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvalidWriteError';
  }
}

export interface FeatureStorePort {
  getProfiles(userIds: readonly string[]): Promise<Map<string, Profile>>;
  /** Writes the whole profile if the stored version is still `expectedVersion` (0 = no profile yet). */
  putProfile(profile: Profile, expectedVersion: number): Promise<boolean>;
  getItemRows(keys: readonly ItemRowKey[]): Promise<Map<string, ItemRow>>;
  /** Adds the delta and moves the shard watermark if it is still `expectedHwm`. */
  applyItemDelta(update: ItemRowUpdate): Promise<boolean>;
}

/** Map key of an item row; feature-updater builds the same string inline on its hot path. */
export function itemRowId(key: ItemRowKey): string {
  return `${key.itemId}\u0000${key.bucket}`;
}
