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
