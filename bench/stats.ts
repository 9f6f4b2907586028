/** Small statistics helpers for the benchmarks: percentiles over raw samples, rounding for reports. */

/** Percentile `p` (0–100) with linear interpolation between closest ranks (type 7, as numpy and Excel). */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  if (!(p >= 0 && p <= 100)) throw new Error(`percentile must be within [0, 100], got ${p}`);
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lower = Math.floor(rank);
  const upper = Math.ceil(rank);
  const low = sorted[lower] as number;
  const high = sorted[upper] as number;
  return low + (high - low) * (rank - lower);
}

export interface Summary {
  readonly count: number;
  readonly min: number;
  readonly mean: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

export function summarize(samples: readonly number[], digits = 2): Summary {
  const total = samples.reduce((sum, x) => sum + x, 0);
  return {
    count: samples.length,
    min: round(Math.min(...samples), digits),
    mean: round(total / samples.length, digits),
    p50: round(percentile(samples, 50), digits),
    p95: round(percentile(samples, 95), digits),
    p99: round(percentile(samples, 99), digits),
    max: round(Math.max(...samples), digits),
  };
}

export function median(samples: readonly number[]): number {
  return percentile(samples, 50);
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Events (or anything) per second from a count and a duration in milliseconds. */
export function perSecond(count: number, ms: number): number {
  return ms > 0 ? (count * 1000) / ms : Number.NaN;
}
