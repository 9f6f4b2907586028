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
