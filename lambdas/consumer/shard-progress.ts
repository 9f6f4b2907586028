/**
 * Give-up detection. The event source mapping gives up on records after its retries (they go to the
 * on-failure destination) and moves on; nothing in the next batch says so. Item rows must know, though:
 * a row's per-shard watermark says "every record up to here reached me", and a later record moving it
 * past a given-up one would make a replay of that record look applied.
 *
 * So each invocation records its range before it writes anything, and marks it done at the end:
 *
 *   start: { from: first sequence, to: last sequence, done: false }   (one write, before any other)
 *   end:   { done: true }, or { from: first failed record } when it reports a partial failure
 *
 * The next invocation reads it. If the previous one did not finish and this batch starts after where it
 * was (`from`), the mapping skipped records: a gap ending before this batch's first record. Gaps stay for
 * the retry horizon; every row this shard moves past one records a window (item-updates.ts). A gap
 * recorded wrongly (a lost end write) is harmless: per shard, a row applies records in order, so a window
 * between its watermark and a later batch never holds a record it applied.
 */
import { compareSequence } from './sequence';

export interface ShardGap {
  /** First sequence number of the batch that found the gap: given-up records come before it. */
  readonly before: string;
  /** Epoch seconds (the batch's newest arrival). */
  readonly at: number;
}

export interface ShardProgress {
  readonly shardId: string;
  /** First sequence number of the last invocation's records still to be processed. */
  readonly from: string;
  /** Its last sequence number. */
  readonly to: string;
  readonly done: boolean;
  readonly gaps: readonly ShardGap[];
}

export interface ShardProgressPort {
  get(shardId: string): Promise<ShardProgress | undefined>;
  put(progress: ShardProgress): Promise<void>;
}

/** The progress an invocation over [first, last] records before it writes anything. */
export function startProgress(
  previous: ShardProgress | undefined,
  batch: { readonly shardId: string; readonly first: string; readonly last: string },
  nowSeconds: number,
  horizonSeconds: number,
): ShardProgress {
  const gaps = (previous?.gaps ?? []).filter((g) => g.at >= nowSeconds - horizonSeconds);
  if (previous && !previous.done && compareSequence(batch.first, previous.from) > 0)
    gaps.push({ before: batch.first, at: nowSeconds });
  return { shardId: batch.shardId, from: batch.first, to: batch.last, done: false, gaps };
}
