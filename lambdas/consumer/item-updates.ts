/**
 * Item statistics of a batch: contributions grouped by row (all-time and hourly), and the one
 * conditional update that brings a row up to date. Pure.
 *
 * A row keeps, per shard, the watermark of the last record applied to it; a contribution at or below it
 * was applied already (a redelivery). A replayed record (`dlq replay`) is also judged by its origins: it
 * counts on the rows none of them reached. A record reached a row if it is at or below the row's
 * watermark of its shard, unless inside a gap window (records given up before the row moved past them,
 * shard-progress.ts).
 */
import type { RecordOrigin } from '../shared/replay-origin';
import type { GapWindow, ItemRow, ItemRowKey, ItemRowUpdate } from './feature-store-port';
import {
  addDelta,
  type CounterDelta,
  contributionsOf,
  conversionRate,
  hourBucket,
  TOTAL_BUCKET,
} from './item-stats';
import { compareSequence, encodeWatermark, expiredShards, isAtOrBelow, watermarkSequence } from './sequence';
import type { ShardGap } from './shard-progress';
import type { StreamRecord } from './stream-record';

/** What one record (or a window's aggregate of records, item-window.ts) adds to one row. */
export interface RowContribution {
  readonly sequenceNumber: string;
  /** Arrival, epoch seconds (absent: a backfill's record). */
  readonly arrivedAt?: number;
  readonly occurredAt: string;
  readonly origins?: readonly RecordOrigin[];
  readonly delta: CounterDelta;
  readonly category?: string;
  /** The record itself; absent for a window's aggregate, whose records were checkpointed earlier. */
  readonly record?: StreamRecord;
}

export interface ItemAccumulator {
  readonly key: ItemRowKey;
  readonly contributions: RowContribution[];
}

/** The rows an event's contributions go to: the item's all-time row and the row of its hour. */
export function rowKeysOf(itemId: string, occurredAt: string): ItemRowKey[] {
  return [
    { itemId, bucket: TOTAL_BUCKET },
    { itemId, bucket: hourBucket(occurredAt) },
  ];
}

/** Groups the item contributions of countable records by row (all-time and hourly). */
export function itemContributions(records: readonly StreamRecord[]): Map<string, ItemAccumulator> {
  const rows = new Map<string, ItemAccumulator>();
  for (const record of records) {
    for (const contribution of contributionsOf(record.event)) {
      for (const key of rowKeysOf(contribution.itemId, record.event.occurredAt)) {
        const id = `${key.itemId}\u0000${key.bucket}`;
        let row = rows.get(id);
        if (!row) {
          row = { key, contributions: [] };
          rows.set(id, row);
        }
        row.contributions.push({
          sequenceNumber: record.sequenceNumber,
          arrivedAt: record.arrivedAt,
          occurredAt: record.event.occurredAt,
          ...(record.origins ? { origins: record.origins } : {}),
          delta: contribution.delta,
          category: contribution.category,
          record,
        });
      }
    }
  }
  return rows;
}

export interface ItemUpdateContext {
  /** The batch's shard. */
  readonly shardId: string;
  readonly itemBucketTtlSeconds: number;
  /** The batch's newest arrival, epoch seconds (what pruning measures against). */
  readonly nowSeconds: number;
  /** Watermarks of other shards set longer ago than this are dropped. */
  readonly watermarkRetentionSeconds: number;
  /** Gap windows older than this are dropped (the retry horizon). */
  readonly horizonSeconds: number;
  /** Give-ups detected on this shard within the horizon. */
  readonly gaps: readonly ShardGap[];
}

/** Whether the record `origin` names reached `row`. */
export function originApplied(row: ItemRow | undefined, origin: RecordOrigin): boolean {
  if (!row) return false;
  const seq = origin.sequenceNumber;
  if (!isAtOrBelow(seq, watermarkSequence(row.hwm[origin.shardId]))) return false;
  const windows = row.gaps?.[origin.shardId] ?? [];
  return !windows.some(
    ([lo, hi]) => (lo === '' || compareSequence(lo, seq) < 0) && compareSequence(seq, hi) < 0,
  );
}

/** The update that brings a row up to date with the contributions it has not seen. */
export function itemUpdateFor(
  accumulator: ItemAccumulator,
  row: ItemRow | undefined,
  context: ItemUpdateContext,
): ItemRowUpdate | undefined {
  const { shardId, nowSeconds } = context;
  const expectedHwm = row?.hwm[shardId];
  const watermark = watermarkSequence(expectedHwm);
  let delta: CounterDelta = {};
  let newest: RowContribution | undefined;
  let category: string | undefined;
  let lastEventAt = row?.lastEventAt ?? '';
  for (const contribution of accumulator.contributions) {
    if (isAtOrBelow(contribution.sequenceNumber, watermark)) continue;
    if (contribution.origins?.some((origin) => originApplied(row, origin))) continue;
    delta = addDelta(delta, contribution.delta);
    if (!newest || compareSequence(contribution.sequenceNumber, newest.sequenceNumber) > 0)
      newest = contribution;
    category = contribution.category ?? category;
    if (contribution.occurredAt > lastEventAt) lastEventAt = contribution.occurredAt;
  }
  if (!newest) return undefined;

  const isTotal = accumulator.key.bucket === TOTAL_BUCKET;
  const hourStartSeconds = isTotal ? 0 : Date.parse(`${accumulator.key.bucket.slice(2)}:00:00.000Z`) / 1000;
  const keepFrom = nowSeconds - context.horizonSeconds;
  return {
    key: accumulator.key,
    shardId,
    expectedHwm,
    rowHasHwm: row !== undefined && Object.keys(row.hwm).length > 0,
    // Timed only when Kinesis gave the arrival: a backfill's synthetic shard keeps its watermark for good.
    newHwm: encodeWatermark({ sequence: newest.sequenceNumber, at: newest.arrivedAt }),
    delta,
    category: category ?? row?.category,
    lastEventAt,
    conversionRate: isTotal ? conversionRate(addDelta(row?.counts ?? {}, delta)) : undefined,
    expiresAt: isTotal ? undefined : hourStartSeconds + context.itemBucketTtlSeconds,
    ...gapWindowsUpdate(row?.gaps?.[shardId] ?? [], watermark, context.gaps, keepFrom, nowSeconds),
    ...dropShardsUpdate(row, context),
  };
}

/**
 * When the row moves past a give-up for the first time, the records between its watermark and the
 * give-up's end are remembered as a window: they never reached it (per shard, a row only ever applies
 * records in order, so everything after its watermark that came before this batch was given up).
 */
function gapWindowsUpdate(
  current: readonly GapWindow[],
  watermark: string | undefined,
  gaps: readonly ShardGap[],
  keepFrom: number,
  nowSeconds: number,
): { gaps?: readonly GapWindow[] } {
  let windows = current.filter(([, , at]) => at >= keepFrom);
  let end: string | undefined;
  for (const gap of gaps)
    if (watermark === undefined || compareSequence(gap.before, watermark) > 0)
      if (end === undefined || compareSequence(gap.before, end) > 0) end = gap.before;
  if (end !== undefined) windows = [...windows, [watermark ?? '', end, nowSeconds]];
  const changed = windows.length !== current.length || end !== undefined;
  return changed ? { gaps: windows } : {};
}

function dropShardsUpdate(
  row: ItemRow | undefined,
  context: ItemUpdateContext,
): { dropShards?: ItemRowUpdate['dropShards'] } {
  if (!row) return {};
  const expired = expiredShards(row.hwm, context.nowSeconds, context.watermarkRetentionSeconds).filter(
    (shard) => shard !== context.shardId,
  );
  if (expired.length === 0) return {};
  return { dropShards: expired.map((shard) => ({ shardId: shard, expected: row.hwm[shard] as string })) };
}
