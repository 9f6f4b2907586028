/**
 * What the consumer needs from the feature store, independent of DynamoDB. Conditional writes
 * report a lost race as `false`; any thrown error is treated as transient and retried.
 */
import type { CounterDelta } from './item-stats';
import type { Profile } from './profile';

export interface ItemRowKey {
  readonly itemId: string;
  /** `TOTAL` or an hourly bucket `H#2026-11-26T03`. */
  readonly bucket: string;
}

export interface ItemRow extends ItemRowKey {
  readonly hwm: Readonly<Record<string, string>>;
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
