/**
 * Top-K accuracy of a ranked list against the set of items the user really bought next (binary
 * relevance): hit rate (any hit), recall (share of the relevant items found; the denominator is capped
 * at K so a perfect list scores 1) and NDCG (hits discounted by log2 of their rank).
 */
export interface RankingMetrics {
  readonly hitRate: number;
  readonly recall: number;
  readonly ndcg: number;
}

export function rankingMetrics(
  ranked: readonly string[],
  relevant: ReadonlySet<string>,
  k: number,
): RankingMetrics {
  if (relevant.size === 0) throw new Error('no relevant items: the user cannot be evaluated');
  const top = ranked.slice(0, k);
  let hits = 0;
  let dcg = 0;
  top.forEach((item, i) => {
    if (relevant.has(item)) {
      hits++;
      dcg += 1 / Math.log2(i + 2);
    }
  });
  const ideal = Math.min(relevant.size, k);
  let idcg = 0;
  for (let i = 0; i < ideal; i++) idcg += 1 / Math.log2(i + 2);
  return { hitRate: hits > 0 ? 1 : 0, recall: hits / ideal, ndcg: dcg / idcg };
}

/** Mean of each metric over users. */
export function meanMetrics(all: readonly RankingMetrics[]): RankingMetrics & { readonly users: number } {
  const n = all.length;
  const sum = (pick: (m: RankingMetrics) => number) =>
    n === 0 ? 0 : all.reduce((s, m) => s + pick(m), 0) / n;
  return { users: n, hitRate: sum((m) => m.hitRate), recall: sum((m) => m.recall), ndcg: sum((m) => m.ndcg) };
}

export interface DifferenceInterval {
  /** Mean of a − b over users. */
  readonly mean: number;
  /** 95% percentile-bootstrap interval of that mean. */
  readonly low: number;
  readonly high: number;
}

/**
 * Paired bootstrap of the mean difference between two methods scored on the same users: resamples users
 * with replacement (a fixed-seed generator, so the report is reproducible). An interval that contains 0
 * means the data cannot tell the two methods apart.
 */
export function pairedBootstrap(
  a: readonly number[],
  b: readonly number[],
  iterations = 2000,
  seed = 1,
): DifferenceInterval {
  if (a.length !== b.length || a.length === 0)
    throw new Error('paired samples must be non-empty and equally long');
  const diffs = a.map((x, i) => x - (b[i] as number));
  const n = diffs.length;
  let state = seed >>> 0 || 1;
  const random = () => {
    // xorshift32: enough for resampling indices, and identical on every machine.
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 0x100000000;
  };
  const means: number[] = [];
  for (let it = 0; it < iterations; it++) {
    let sum = 0;
    for (let j = 0; j < n; j++) sum += diffs[Math.floor(random() * n)] as number;
    means.push(sum / n);
  }
  means.sort((x, y) => x - y);
  return {
    mean: diffs.reduce((s, d) => s + d, 0) / n,
    low: means[Math.floor(0.025 * iterations)] as number,
    high: means[Math.ceil(0.975 * iterations) - 1] as number,
  };
}
