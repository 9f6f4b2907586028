/**
 * An in-memory feature store with the same conditional semantics as the DynamoDB adapter, plus
 * fault injection: fail (or "crash") after a number of writes, or throw throttling errors.
 */
import type {
  FeatureStorePort,
  ItemRow,
  ItemRowKey,
  ItemRowUpdate,
} from '../../lambdas/consumer/feature-store-port';
import { itemRowId } from '../../lambdas/consumer/feature-store-port';
import { addDelta } from '../../lambdas/consumer/item-stats';
import type { Profile } from '../../lambdas/consumer/profile';

export class CrashError extends Error {
  constructor() {
    super('simulated crash');
    this.name = 'CrashError';
  }
}

export class InMemoryFeatureStore implements FeatureStorePort {
  readonly profiles = new Map<string, Profile>();
  readonly items = new Map<string, ItemRow & { conversionRate?: number; expiresAt?: number }>();
  writes = 0;
  /** Writes allowed before every further write throws `failure()` (simulates a crash or outage). */
  writeBudget = Number.POSITIVE_INFINITY;
  failure: () => Error = () => new CrashError();
  /** Throws a throttling error for the next N calls of any kind. */
  throttleNext = 0;

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
    const id = itemRowId(update.key);
    const row = this.items.get(id);
    const hasHwm = row !== undefined && Object.keys(row.hwm).length > 0;
    if (update.rowHasHwm !== hasHwm) return false;
    if (hasHwm && row?.hwm[update.shardId] !== update.expectedHwm) return false;
    this.items.set(id, {
      itemId: update.key.itemId,
      bucket: update.key.bucket,
      hwm: { ...(row?.hwm ?? {}), [update.shardId]: update.newHwm },
      counts: addDelta(row?.counts ?? {}, update.delta),
      category: update.category ?? row?.category,
      lastEventAt: update.lastEventAt,
      conversionRate: update.conversionRate,
      expiresAt: update.expiresAt,
    });
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
