/**
 * Item statistics summed across invocations. With a tumbling window on the event source mapping
 * (`TumblingWindowInSeconds`), Lambda hands each invocation of a shard the `state` the previous one
 * returned, and calls the function once more when the window closes (`isFinalInvokeForWindow`). Each
 * invocation adds its countable records' item contributions to that state instead of writing them; the
 * final invocation writes every touched row once. A popular item costs one write per row and window
 * instead of one per batch, and a recommendation impression adds to counters in memory, not to a write.
 *
 * Exactly-once: the state advances only with the records Lambda checkpoints (a failed invocation's state
 * is thrown away with it; a partial failure returns the state of the records before the first failed one).
 * Every row of a window moves its shard watermark to the window's last record in one conditional update,
 * so a retried final invocation skips the rows it already wrote. Replayed records (`dlq replay`) are kept
 * one by one and judged by their origins when the window is written, as on the per-batch path.
 */
import { z } from 'zod';
import type { RecordOrigin } from '../shared/replay-origin';
import { type ItemRowKey, itemRowId as rowId } from './feature-store-port';
import { addDelta, COUNTERS, type CounterDelta, contributionsOf } from './item-stats';
import { type ItemAccumulator, type RowContribution, rowKeysOf } from './item-updates';
import { compareSequence } from './sequence';
import type { StreamRecord } from './stream-record';

/** A row's window total: [newest occurredAt, category ('' if none), ...counters in COUNTERS order]. */
const RowTotalSchema = z.tuple([z.string(), z.string()]).rest(z.number());

const ReplaySchema = z.object({
  itemId: z.string(),
  bucket: z.string(),
  sequenceNumber: z.string(),
  arrivedAt: z.number().optional(),
  occurredAt: z.string(),
  origins: z.array(z.object({ shardId: z.string(), sequenceNumber: z.string() })),
  delta: z.partialRecord(z.enum(COUNTERS), z.number()),
  category: z.string().optional(),
});

/** The `state` a consumer invocation returns to Lambda inside a tumbling window. */
export const ItemWindowStateSchema = z.object({
  v: z.literal(1),
  shardId: z.string(),
  /** The newest record summed in: every row's new watermark when the window is written. */
  last: z.string(),
  lastAt: z.number().optional(),
  /** Row id (`itemId \0 bucket`) -> its total. */
  rows: z.record(z.string(), RowTotalSchema),
  replays: z.array(ReplaySchema),
});
export type ItemWindowState = z.infer<typeof ItemWindowStateSchema>;

/**
 * Lambda's state is at most 1 MB per shard (it ends the window early beyond that); the consumer writes
 * the window itself well before that size.
 */
export const WINDOW_STATE_FLUSH_BYTES = 512 * 1024;

interface RowTotal {
  occurredAt: string;
  category: string;
  counts: CounterDelta;
}

export class ItemWindow {
  private last: { sequence: string; at?: number } | undefined;
  private readonly rows = new Map<string, RowTotal>();
  private readonly replays: Array<z.infer<typeof ReplaySchema>> = [];

  private constructor(readonly shardId: string) {}

  /** The window of `shardId` from Lambda's `state` (empty at the start of a window). */
  static fromState(shardId: string, state: unknown): ItemWindow {
    const window = new ItemWindow(shardId);
    if (state === undefined || state === null || Object.keys(state as object).length === 0) return window;
    const parsed = ItemWindowStateSchema.parse(state);
    if (parsed.shardId !== shardId)
      throw new Error(`window state of ${parsed.shardId} handed to an invocation of ${shardId}`);
    window.last = { sequence: parsed.last, at: parsed.lastAt };
    for (const [id, [occurredAt, category, ...counts]] of Object.entries(parsed.rows)) {
      const delta: CounterDelta = {};
      COUNTERS.forEach((counter, i) => {
        if (counts[i]) delta[counter] = counts[i];
      });
      window.rows.set(id, { occurredAt, category, counts: delta });
    }
    window.replays.push(...parsed.replays);
    return window;
  }

  get isEmpty(): boolean {
    return this.last === undefined;
  }

  /** Adds the item contributions of countable records (in sequence order). */
  add(records: readonly StreamRecord[]): void {
    for (const record of records) {
      if (record.shardId !== this.shardId)
        throw new Error(`record of ${record.shardId} added to the window of ${this.shardId}`);
      if (!this.last || compareSequence(record.sequenceNumber, this.last.sequence) > 0)
        this.last = { sequence: record.sequenceNumber, at: record.arrivedAt };
      for (const { itemId, category, delta } of contributionsOf(record.event)) {
        for (const key of rowKeysOf(itemId, record.event.occurredAt)) {
          if (record.origins) {
            this.replays.push({
              ...key,
              sequenceNumber: record.sequenceNumber,
              ...(record.arrivedAt !== undefined ? { arrivedAt: record.arrivedAt } : {}),
              occurredAt: record.event.occurredAt,
              origins: [...record.origins],
              delta: { ...delta },
              ...(category !== undefined ? { category } : {}),
            });
            continue;
          }
          const id = rowId(key);
          const total = this.rows.get(id) ?? { occurredAt: '', category: '', counts: {} };
          total.counts = addDelta(total.counts, delta);
          if (record.event.occurredAt > total.occurredAt) total.occurredAt = record.event.occurredAt;
          if (category !== undefined) total.category = category;
          this.rows.set(id, total);
        }
      }
    }
  }

  /** One accumulator per touched row, ready for itemUpdateFor. */
  accumulators(): ItemAccumulator[] {
    const last = this.last;
    if (!last) return [];
    const byRow = new Map<string, ItemAccumulator>();
    const accumulatorOf = (key: ItemRowKey) => {
      const id = rowId(key);
      let accumulator = byRow.get(id);
      if (!accumulator) {
        accumulator = { key, contributions: [] };
        byRow.set(id, accumulator);
      }
      return accumulator;
    };
    for (const [id, total] of this.rows) {
      const contribution: RowContribution = {
        sequenceNumber: last.sequence,
        arrivedAt: last.at,
        occurredAt: total.occurredAt,
        delta: total.counts,
        ...(total.category ? { category: total.category } : {}),
      };
      accumulatorOf(rowKeyOf(id)).contributions.push(contribution);
    }
    for (const replay of this.replays) {
      const { itemId, bucket, origins, ...rest } = replay;
      accumulatorOf({ itemId, bucket }).contributions.push({
        ...rest,
        origins: origins as RecordOrigin[],
      });
    }
    return [...byRow.values()];
  }

  toState(): ItemWindowState | Record<string, never> {
    if (!this.last) return {};
    const rows: Record<string, z.infer<typeof RowTotalSchema>> = {};
    for (const [id, total] of this.rows)
      rows[id] = [total.occurredAt, total.category, ...COUNTERS.map((c) => total.counts[c] ?? 0)];
    return {
      v: 1,
      shardId: this.shardId,
      last: this.last.sequence,
      ...(this.last.at !== undefined ? { lastAt: this.last.at } : {}),
      rows,
      replays: this.replays,
    };
  }

  /** Size of the state as Lambda stores it (JSON). */
  stateBytes(): number {
    return Buffer.byteLength(JSON.stringify(this.toState()), 'utf8');
  }
}

function rowKeyOf(id: string): ItemRowKey {
  const separator = id.lastIndexOf('\u0000');
  return { itemId: id.slice(0, separator), bucket: id.slice(separator + 1) };
}
