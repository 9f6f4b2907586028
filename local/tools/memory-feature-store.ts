/**
 * The feature store in memory, with the DynamoDB adapter's conditional semantics (a profile write expects a
 * version, an item delta applies once) and its copy semantics (what is read or written is a copy). The
 * backfill's `--dry-run` folds into it; the tests' fault-injecting store (test/support) extends it.
 */
import {
  type FeatureStorePort,
  type ItemRow,
  type ItemRowKey,
  type ItemRowUpdate,
  itemRowId,
} from '../../lambdas/consumer/feature-store-port';
import { applyItemRowUpdate, type StoredItemRow } from '../../lambdas/consumer/item-row-update';
import type { Profile } from '../../lambdas/shared/profile-record';

export class MemoryFeatureStore implements FeatureStorePort {
  readonly profiles = new Map<string, Profile>();
  readonly items = new Map<string, StoredItemRow>();

  async getProfiles(userIds: readonly string[]): Promise<Map<string, Profile>> {
    const out = new Map<string, Profile>();
    for (const id of userIds) {
      const profile = this.profiles.get(id);
      if (profile) out.set(id, structuredClone(profile));
    }
    return out;
  }

  async putProfile(profile: Profile, expectedVersion: number): Promise<boolean> {
    if ((this.profiles.get(profile.userId)?.version ?? 0) !== expectedVersion) return false;
    this.profiles.set(profile.userId, structuredClone(profile));
    return true;
  }

  async getItemRows(keys: readonly ItemRowKey[]): Promise<Map<string, ItemRow>> {
    const out = new Map<string, ItemRow>();
    for (const key of keys) {
      const row = this.items.get(itemRowId(key));
      if (row) out.set(itemRowId(key), structuredClone(row));
    }
    return out;
  }

  async applyItemDelta(update: ItemRowUpdate): Promise<boolean> {
    const id = itemRowId(update.key);
    const next = applyItemRowUpdate(this.items.get(id), update);
    if (!next) return false;
    this.items.set(id, next);
    return true;
  }
}
