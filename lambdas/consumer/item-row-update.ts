/**
 * The conditional item-row update of DynamoFeatureStore, on a plain value: the in-memory stores (the
 * backfill's dry run, the tests) share it, so they cannot drift from each other.
 */
import type { ItemRow, ItemRowUpdate } from './feature-store-port';
import { addDelta } from './item-stats';

export type StoredItemRow = ItemRow & { readonly conversionRate?: number; readonly expiresAt?: number };

/** The row after `update`, or undefined when its condition fails (a lost race). */
export function applyItemRowUpdate(
  row: StoredItemRow | undefined,
  update: ItemRowUpdate,
): StoredItemRow | undefined {
  const hasHwm = row !== undefined && Object.keys(row.hwm).length > 0;
  if (update.rowHasHwm !== hasHwm) return undefined;
  if (hasHwm && row?.hwm[update.shardId] !== update.expectedHwm) return undefined;
  for (const drop of update.dropShards ?? []) if (row?.hwm[drop.shardId] !== drop.expected) return undefined;

  const hwm: Record<string, string> = { ...(row?.hwm ?? {}), [update.shardId]: update.newHwm };
  const gaps = { ...(row?.gaps ?? {}) };
  if (update.gaps) gaps[update.shardId] = update.gaps;
  for (const { shardId } of update.dropShards ?? []) {
    delete hwm[shardId];
    delete gaps[shardId];
  }
  return {
    itemId: update.key.itemId,
    bucket: update.key.bucket,
    hwm,
    ...(Object.keys(gaps).length > 0 ? { gaps } : {}),
    counts: addDelta(row?.counts ?? {}, update.delta),
    category: update.category ?? row?.category,
    lastEventAt: update.lastEventAt,
    conversionRate: update.conversionRate ?? row?.conversionRate,
    expiresAt: update.expiresAt ?? row?.expiresAt,
  };
}
