/** The metrics and the paired bootstrap on hand-computed values. */
import { meanMetrics, pairedBootstrap, rankingMetrics } from '../../../evaluation/metrics';

describe('ranking metrics', () => {
  it('computes HR, recall and NDCG at K by hand', () => {
    // Hits at ranks 2 and 4 of 3 relevant items: DCG = 1/log2(3) + 1/log2(5); IDCG = 1 + 1/log2(3) + 1/2.
    const m = rankingMetrics(['x', 'a', 'y', 'b', 'z'], new Set(['a', 'b', 'c']), 5);
    expect(m.hitRate).toBe(1);
    expect(m.recall).toBeCloseTo(2 / 3, 12);
    expect(m.ndcg).toBeCloseTo((1 / Math.log2(3) + 1 / Math.log2(5)) / (1 + 1 / Math.log2(3) + 0.5), 12);
  });

  it('caps the recall denominator at K and ignores hits below K', () => {
    const relevant = new Set(['a', 'b', 'c', 'd']);
    expect(rankingMetrics(['a', 'b', 'c'], relevant, 2)).toEqual({ hitRate: 1, recall: 1, ndcg: 1 });
    expect(rankingMetrics(['x', 'y', 'a'], relevant, 2)).toEqual({ hitRate: 0, recall: 0, ndcg: 0 });
  });

  it('refuses a user without relevant items, and averages over users', () => {
    expect(() => rankingMetrics(['a'], new Set(), 10)).toThrow(/no relevant items/);
    expect(
      meanMetrics([
        { hitRate: 1, recall: 0.5, ndcg: 0.25 },
        { hitRate: 0, recall: 0, ndcg: 0 },
      ]),
    ).toEqual({ users: 2, hitRate: 0.5, recall: 0.25, ndcg: 0.125 });
  });
});

describe('paired bootstrap', () => {
  it('brackets the mean difference, is reproducible, and spans 0 when the methods tie on average', () => {
    const a = [1, 0, 1, 1, 0, 1, 1, 1];
    const b = [0, 0, 1, 0, 0, 1, 0, 1];
    const ci = pairedBootstrap(a, b, 1000, 7);
    expect(ci.mean).toBeCloseTo(3 / 8, 12);
    expect(ci.low).toBeLessThanOrEqual(ci.mean);
    expect(ci.high).toBeGreaterThanOrEqual(ci.mean);
    expect(ci.low).toBeGreaterThan(0);
    expect(pairedBootstrap(a, b, 1000, 7)).toEqual(ci);
    const tie = pairedBootstrap([1, 0, 1, 0], [0, 1, 0, 1], 1000, 7);
    expect(tie.mean).toBe(0);
    expect(tie.low).toBeLessThan(0);
    expect(tie.high).toBeGreaterThan(0);
    expect(() => pairedBootstrap([1], [1, 2])).toThrow(/equally long/);
  });
});
