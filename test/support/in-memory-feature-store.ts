/**
 * The in-memory feature store of local/tools (the DynamoDB adapter's conditional semantics), plus
 * fault injection: fail (or "crash") after a number of writes, throw throttling errors, or fail the
 * writes of chosen profiles or item rows (`faults`).
 */
import type { ItemRow, ItemRowKey, ItemRowUpdate } from '../../lambdas/consumer/feature-store-port';
import type { ShardProgress, ShardProgressPort } from '../../lambdas/consumer/shard-progress';
import type { Profile } from '../../lambdas/shared/profile-record';
import { MemoryFeatureStore } from '../../local/tools/memory-feature-store';

export class CrashError extends Error {
  constructor() {
    super('simulated crash');
    this.name = 'CrashError';
  }
}

/** The local MemoryFeatureStore (same semantics as the DynamoDB adapter) with fault injection on top. */
export class InMemoryFeatureStore extends MemoryFeatureStore {
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

  override async getProfiles(userIds: readonly string[]): Promise<Map<string, Profile>> {
    this.guard(false);
    return super.getProfiles(userIds);
  }

  override async putProfile(profile: Profile, expectedVersion: number): Promise<boolean> {
    this.guard(true);
    const fault = this.faults?.({ kind: 'profile', userId: profile.userId });
    if (fault) throw fault;
    return super.putProfile(profile, expectedVersion);
  }

  override async getItemRows(keys: readonly ItemRowKey[]): Promise<Map<string, ItemRow>> {
    this.guard(false);
    return super.getItemRows(keys);
  }

  override async applyItemDelta(update: ItemRowUpdate): Promise<boolean> {
    this.guard(true);
    const fault = this.faults?.({ kind: 'item', ...update.key });
    if (fault) throw fault;
    return super.applyItemDelta(update);
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
