/**
 * Kinesis sequence numbers are decimal strings of up to 128 bits; they only compare correctly as
 * numbers, so they are compared as BigInt (string comparison breaks when lengths differ).
 */
export function compareSequence(a: string, b: string): number {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** True when `sequence` is at or below the watermark, i.e. it was already applied. */
export function isAtOrBelow(sequence: string, watermark: string | undefined): boolean {
  return watermark !== undefined && compareSequence(sequence, watermark) <= 0;
}

export function maxSequence(a: string | undefined, b: string): string {
  return a === undefined || compareSequence(b, a) > 0 ? b : a;
}

/**
 * A stored watermark: the sequence number, and (since watermarks are pruned) the arrival time of the
 * record that set it, as `<sequence>@<epoch seconds>`. Values written before pruning existed are the bare
 * sequence number; they are read as such and never pruned.
 */
export interface Watermark {
  readonly sequence: string;
  /** Arrival time of the record (approximateArrivalTimestamp), epoch seconds. */
  readonly at?: number;
}

export function encodeWatermark(watermark: Watermark): string {
  return watermark.at === undefined ? watermark.sequence : `${watermark.sequence}@${watermark.at}`;
}

export function decodeWatermark(value: string | undefined): Watermark | undefined {
  if (value === undefined) return undefined;
  const at = value.indexOf('@');
  if (at < 0) return { sequence: value };
  return { sequence: value.slice(0, at), at: Number(value.slice(at + 1)) };
}

/** The sequence number of a stored watermark value. */
export function watermarkSequence(value: string | undefined): string | undefined {
  return decodeWatermark(value)?.sequence;
}

/**
 * Shards of a watermark map that no record can be redelivered from any more: their watermark was set by
 * a record that arrived more than `retentionSeconds` before `nowSeconds` (the newest arrival of the batch,
 * not the wall clock), so every record at or below it is past the stream's retention or the mapping's
 * maximum record age. Legacy values without a time are kept.
 */
export function expiredShards(
  watermarks: Readonly<Record<string, string>>,
  nowSeconds: number,
  retentionSeconds: number,
): string[] {
  return Object.entries(watermarks)
    .filter(([, value]) => {
      const at = decodeWatermark(value)?.at;
      return at !== undefined && Number.isFinite(at) && at < nowSeconds - retentionSeconds;
    })
    .map(([shard]) => shard);
}
