import { itemKnn, popularity, topK } from '../../../evaluation/baselines';
import { leaveLastOrderOut } from '../../../evaluation/holdout';
import { meanMetrics, pairedBootstrap, rankingMetrics } from '../../../evaluation/metrics';
import type { PurchaseEvent } from '../../../lambdas/shared/events';

function order(
  userId: string,
  orderId: string,
  at: string,
  items: string[],
  eventId = `e-${orderId}`,
): PurchaseEvent {
  return {
    schemaVersion: 1,
    type: 'purchase',
    eventId,
    userId,
    orderId,
    currency: 'GBP',
    lineItems: items.map((itemId) => ({ itemId, quantity: 1, price: 1 })),
    occurredAt: `2010-12-${at}:00.000Z`,
    receivedAt: `2010-12-${at}:00.000Z`,
  };
}

describe('leave-last-order-out split', () => {
  const events = [
    order('u1', 'o1', '01T10:00', ['a', 'b']),
    order('u1', 'o3', '03T10:00', ['b', 'c'], 'e-o3-part1'),
    order('u1', 'o3', '03T10:00', ['d'], 'e-o3-part2'),
    order('u1', 'o2', '02T10:00', ['a']),
    order('u2', 'o4', '01T11:00', ['a']),
    order('u3', 'o6', '05T09:00', ['x']),
    order('u3', 'o5', '05T09:00', ['y']),
  ];

  it('holds out the last order of each customer with two or more, including every event of a split order', () => {
    const { train, users } = leaveLastOrderOut(events);
    expect(
      users.map((u) => [u.userId, u.orderId, [...u.items].sort(), [...u.previouslyBought].sort()]),
    ).toEqual([
      ['u1', 'o3', ['b', 'c', 'd'], ['a', 'b']],
      // Same minute: the larger order id is the later one.
      ['u3', 'o6', ['x'], ['y']],
    ]);
    expect(train.map((e) => e.eventId).sort()).toEqual(['e-o1', 'e-o2', 'e-o4', 'e-o5']);
  });
});

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

describe('baselines', () => {
  it('ranks by distinct buyers with ties by item id, and skips excluded items', () => {
    const train = [
      order('u1', 'o1', '01T10:00', ['b', 'a']),
      order('u1', 'o2', '02T10:00', ['b']),
      order('u2', 'o3', '02T11:00', ['c', 'a']),
    ];
    expect(popularity(train)).toEqual(['a', 'b', 'c']);
    expect(topK(popularity(train), 2, new Set(['a']))).toEqual(['b', 'c']);
  });

  it('item-kNN sums the similarities from every bought item', () => {
    const neighbours = new Map([
      [
        'a',
        [
          { itemId: 'c', score: 0.5, support: 3 },
          { itemId: 'd', score: 0.4, support: 2 },
        ],
      ],
      [
        'b',
        [
          { itemId: 'd', score: 0.3, support: 2 },
          { itemId: 'a', score: 0.9, support: 5 },
        ],
      ],
    ]);
    // c: 0.5; d: 0.4 + 0.3 = 0.7; a: 0.9 (bought, excluded under the new-items protocol).
    expect(itemKnn(new Set(['a', 'b']), neighbours, 10)).toEqual(['a', 'd', 'c']);
    expect(itemKnn(new Set(['a', 'b']), neighbours, 10, new Set(['a', 'b']))).toEqual(['d', 'c']);
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
