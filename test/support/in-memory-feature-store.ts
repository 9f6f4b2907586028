/**
 * An in-memory feature store with the same conditional semantics as the DynamoDB adapter, plus
 * fault injection: fail (or "crash") after a number of writes, throw throttling errors, or fail the
 * writes of chosen profiles or item rows (`faults`).
 */
import type {
  FeatureStorePort,
  ItemRow,
  ItemRowKey,
  ItemRowUpdate,
} from '../../lambdas/consumer/feature-store-port';
import { itemRowId } from '../../lambdas/consumer/feature-store-port';
import { applyItemRowUpdate, type StoredItemRow } from '../../lambdas/consumer/item-row-update';
import type { ShardProgress, ShardProgressPort } from '../../lambdas/consumer/shard-progress';
import type { Profile } from '../../lambdas/shared/profile-record';

export class CrashError extends Error {
  constructor() {
    super('simulated crash');
    this.name = 'CrashError';
  }
}

export class InMemoryFeatureStore implements FeatureStorePort {
  readonly profiles = new Map<string, Profile>();
  readonly items = new Map<string, StoredItemRow>();
  writes = 0;
  /** Writes allowed before every further write throws `failure()` (simulates a crash or outage). */
  writeBudget = Number.POSITIVE_INFINITY;
  failure: () => Error = () => new CrashError();
  /** Throws a throttling error for the next N calls of any kind. */
  throttleNext = 0;
  /** An error for a given write (a profile by user id, an item row by item id and bucket), or undefined. */
  faults?: (
    write: { kind: 'profile'; userId: string } | { kind: 'item'; itemId: string; bucket: string },
  ) => Error | undefined;

  private guard(isWrite: boolean) {
    if (this.throttleNext > 0) {
      this.throttleNext--;
      const error = new Error('Rate of requests exceeds the allowed throughput.');
      error.name = 'ThrottlingException';
      throw error;
    }
    if (isWrite) {
      if (this.writes >= this.writeBudget) throw this.failure();
      this.writes++;
    }
  }

  async getProfiles(userIds: readonly string[]): Promise<Map<string, Profile>> {
    this.guard(false);
    const out = new Map<string, Profile>();
    for (const id of userIds) {
      const p = this.profiles.get(id);
      if (p) out.set(id, structuredClone(p));
    }
    return out;
  }

  async putProfile(profile: Profile, expectedVersion: number): Promise<boolean> {
    this.guard(true);
    const fault = this.faults?.({ kind: 'profile', userId: profile.userId });
    if (fault) throw fault;
    const current = this.profiles.get(profile.userId);
    if ((current?.version ?? 0) !== expectedVersion) return false;
    this.profiles.set(profile.userId, structuredClone(profile));
    return true;
  }

  async getItemRows(keys: readonly ItemRowKey[]): Promise<Map<string, ItemRow>> {
    this.guard(false);
    const out = new Map<string, ItemRow>();
    for (const key of keys) {
      const row = this.items.get(itemRowId(key));
      if (row) out.set(itemRowId(key), structuredClone(row));
    }
    return out;
  }

  async applyItemDelta(update: ItemRowUpdate): Promise<boolean> {
    this.guard(true);
    const fault = this.faults?.({ kind: 'item', ...update.key });
    if (fault) throw fault;
    const id = itemRowId(update.key);
    const next = applyItemRowUpdate(this.items.get(id), update);
    if (!next) return false;
    this.items.set(id, next);
    return true;
  }

  /** State without bookkeeping fields, for comparing two runs. */
  snapshot() {
    const profiles = [...this.profiles.values()]
      .map(({ version: _v, ...rest }) => rest)
      .sort((a, b) => a.userId.localeCompare(b.userId));
    const items = [...this.items.values()]
      .map((r) => ({ itemId: r.itemId, bucket: r.bucket, counts: r.counts, category: r.category }))
      .sort((a, b) => `${a.itemId}${a.bucket}`.localeCompare(`${b.itemId}${b.bucket}`));
    return { profiles, items };
  }
}

/** The shard progress port in memory, with a write counter and the same fault injection. */
export class InMemoryShardProgress implements ShardProgressPort {
  readonly progress = new Map<string, ShardProgress>();
  writes = 0;
  failWrites = false;

  async get(shardId: string): Promise<ShardProgress | undefined> {
    const p = this.progress.get(shardId);
    return p ? structuredClone(p) : undefined;
  }

  async put(progress: ShardProgress): Promise<void> {
    if (this.failWrites) throw new CrashError();
    this.writes++;
    this.progress.set(progress.shardId, structuredClone(progress));
  }
}
