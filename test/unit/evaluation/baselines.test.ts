/** The baselines on hand-made data: each list by hand, EASE against its closed form, the SPD inverse. */
import { easeList, fitEase } from '../../../evaluation/baselines/ease';
import { fitItemKnn, itemKnnList } from '../../../evaluation/baselines/item-knn';
import { spdInverse } from '../../../evaluation/baselines/linear-algebra';
import { neighbourSumList } from '../../../evaluation/baselines/neighbour-sum';
import { buyAgainList, popularityList, recentlyViewedList } from '../../../evaluation/baselines/simple';
import { historyOf, interactionMatrix } from '../../../evaluation/interactions';
import type { CanonicalEvent } from '../../../lambdas/shared/events';

const at = (d: number) => new Date(Date.UTC(2011, 0, d)).toISOString();
let n = 0;
const buy = (userId: string, orderId: string, d: number, items: string[]): CanonicalEvent => ({
  schemaVersion: 1,
  type: 'purchase',
  eventId: `b${++n}`,
  userId,
  orderId,
  currency: 'GBP',
  lineItems: items.map((itemId) => ({ itemId, quantity: 1, price: 1 })),
  occurredAt: at(d),
  receivedAt: at(d),
});
const view = (userId: string, itemId: string, d: number): CanonicalEvent => ({
  schemaVersion: 1,
  type: 'product_view',
  eventId: `v${++n}`,
  userId,
  itemId,
  occurredAt: at(d),
  receivedAt: at(d),
});

const train = [
  buy('u1', 'o1', 1, ['a', 'b']),
  buy('u2', 'o2', 1, ['a', 'b', 'c']),
  buy('u3', 'o3', 2, ['a', 'c']),
  buy('u4', 'o4', 2, ['d']),
  view('u4', 'a', 3),
];
const matrix = interactionMatrix(train);
const request = (k = 3, exclude: string[] = []) => ({
  k,
  exclude: new Set(exclude),
  popular: matrix.popular,
});

describe('popularity, buy again, recently viewed', () => {
  it('ranks by distinct buyers, then distinct users, then id', () => {
    // a: 3 buyers (and u4's view), b: 2, c: 2, d: 1.
    expect(matrix.popular).toEqual(['a', 'b', 'c', 'd']);
    expect(popularityList(request(2, ['a']))).toEqual(['b', 'c']);
  });

  it('buy again: most orders first, ties by the latest purchase, then popular items', () => {
    const history = historyOf([
      buy('x', 'p1', 1, ['c', 'd']),
      buy('x', 'p2', 5, ['d']),
      buy('x', 'p3', 3, ['b']),
    ]);
    // d: 2 orders; b (day 3) before c (day 1); then the popular a.
    expect(buyAgainList(history, request(4))).toEqual(['d', 'b', 'c', 'a']);
    expect(buyAgainList(history, request(2, ['d']))).toEqual(['b', 'c']);
  });

  it('recently viewed: latest interaction of any kind first', () => {
    const history = historyOf([buy('x', 'p1', 1, ['c']), view('x', 'd', 4), view('x', 'b', 2)]);
    expect(recentlyViewedList(history, request(4))).toEqual(['d', 'b', 'c', 'a']);
  });
});

describe('item-kNN', () => {
  it('sums shrunk cosines over the history', () => {
    // Signals: u1 a b; u2 a b c; u3 a c; u4 d, and a viewed (0.2).
    // norm(a)² = 1+1+1+0.04 = 3.04, norm(b)² = 2, norm(c)² = 2, norm(d)² = 1.
    // cos(a,b) = 2/sqrt(6.08), cos(a,c) = 2/sqrt(6.08), cos(b,c) = 1/2, cos(a,d) = 0.2/sqrt(3.04).
    const model = fitItemKnn(matrix, { neighbours: 10, shrinkage: 1 });
    const history = historyOf([buy('x', 'p', 1, ['b'])]);
    // From b: a = 2/sqrt(6.08)·2/3 = 0.5407, c = 0.5·1/2 = 0.25.
    expect(itemKnnList(model, history, request(2))).toEqual(['a', 'c']);
    const at = (item: string) => model.index.index.get(item) as number;
    expect(model.lists.weight(at('b'), at('a'))).toBeCloseTo((2 / Math.sqrt(6.08)) * (2 / 3), 12);
  });
});

describe('item-kNN on more data', () => {
  it('keeps, per item, the best `neighbours` of every pair by shrunk cosine (ties by index)', () => {
    // 40 users, 25 items, a fixed pseudo-random pattern of views and purchases.
    const events: CanonicalEvent[] = [];
    let seed = 7;
    const next = () => {
      seed = (seed * 48271) % 2147483647;
      return seed / 2147483647;
    };
    for (let u = 0; u < 40; u++)
      for (let i = 0; i < 25; i++) {
        const r = next();
        if (r < 0.15) events.push(buy(`u${u}`, `o${u}-${i}`, 1 + (i % 5), [`i${i}`]));
        else if (r < 0.3) events.push(view(`u${u}`, `i${i}`, 2));
      }
    const big = interactionMatrix(events);
    const settings = { neighbours: 4, shrinkage: 3 };
    const model = fitItemKnn(big, settings);
    const items = model.index.items;
    // By the definition, pair by pair: Σ s_ui·s_uj over common users, cosine, shrunk by c / (c + λ).
    const signal = (user: ReadonlyMap<string, { signal: number }>, item: string) =>
      user.get(item)?.signal ?? 0;
    const users = [...big.users.values()];
    items.forEach((a, i) => {
      const expected = items
        .map((b, j) => {
          if (j === i) return undefined;
          const common = users.filter((h) => h.has(a) && h.has(b));
          if (common.length === 0) return undefined;
          const dot = common.reduce((s, h) => s + signal(h, a) * signal(h, b), 0);
          const norm = (x: string) => Math.sqrt(users.reduce((s, h) => s + signal(h, x) ** 2, 0));
          const cosine = dot / (norm(a) * norm(b));
          return { j, weight: (cosine * common.length) / (common.length + settings.shrinkage) };
        })
        .filter((x): x is { j: number; weight: number } => x !== undefined)
        .sort((x, y) => y.weight - x.weight || x.j - y.j)
        .slice(0, settings.neighbours);
      const { neighbours, weights } = model.lists.row(i);
      expect([...neighbours]).toEqual(expected.map((x) => x.j));
      for (const [x, w] of weights.entries()) expect(w).toBeCloseTo(expected[x]?.weight as number, 12);
    });
  });
});

describe('item-kNN ties', () => {
  it('breaks equal similarities by item index (the most popular first)', () => {
    // b and c have the same users, so the same similarity to a; a keeps one neighbour.
    const tied = interactionMatrix([
      buy('u1', 'o1', 1, ['a', 'b', 'c']),
      buy('u2', 'o2', 2, ['a', 'b', 'c']),
    ]);
    const model = fitItemKnn(tied, { neighbours: 1, shrinkage: 0 });
    const at = (item: string) => model.index.index.get(item) as number;
    expect(at('b')).toBeLessThan(at('c'));
    expect([...model.lists.row(at('a')).neighbours]).toEqual([at('b')]);
    expect([...model.lists.row(at('c')).neighbours]).toEqual([at('a')]);
  });
});

describe('EASE', () => {
  it('matches the closed form B = I − P·diag(1/diag P) on a tiny matrix', () => {
    const model = fitEase(matrix, { lambda: 1, items: 10 });
    // Gram of the signals (a b c d order = popularity order) plus λI, inverted by hand-checked math.
    const x = [
      [1, 1, 0, 0],
      [1, 1, 1, 0],
      [1, 0, 1, 0],
      [0.2, 0, 0, 1],
    ];
    const g = [0, 1, 2, 3].map((i) =>
      [0, 1, 2, 3].map(
        (j) => x.reduce((s, row) => s + (row[i] as number) * (row[j] as number), 0) + (i === j ? 1 : 0),
      ),
    );
    const p = spdInverse(Float64Array.from(g.flat()), 4);
    for (let i = 0; i < 4; i++)
      for (let j = 0; j < 4; j++) {
        const expected = i === j ? 0 : -(p[i * 4 + j] as number) / (p[j * 4 + j] as number);
        expect(model.weights[i * 4 + j]).toBeCloseTo(expected, 12);
      }
    // A buyer of b alone: c gets B[b][c] > 0, d gets a negative weight: listed by weight, then popular fill.
    const list = easeList(model, historyOf([buy('x', 'p', 1, ['b'])]), request(4, ['b']));
    expect(list[0]).toBe('a');
    expect(list).toHaveLength(3);
  });

  it('keeps only the most popular items when asked', () => {
    expect(fitEase(matrix, { lambda: 1, items: 2 }).index.items).toEqual(['a', 'b']);
  });
});

describe('spdInverse', () => {
  it('inverts a symmetric positive-definite matrix, and refuses one that is not', () => {
    const a = Float64Array.from([4, 2, 0.6, 2, 5, 1, 0.6, 1, 3]);
    const inv = spdInverse(a, 3);
    for (let i = 0; i < 3; i++)
      for (let j = 0; j < 3; j++) {
        let sum = 0;
        for (let k = 0; k < 3; k++) sum += (a[i * 3 + k] as number) * (inv[k * 3 + j] as number);
        expect(sum).toBeCloseTo(i === j ? 1 : 0, 12);
      }
    expect(() => spdInverse(Float64Array.from([1, 2, 2, 1]), 2)).toThrow(/not positive definite/);
    expect(() => spdInverse(new Float64Array(3), 2)).toThrow(/expected a 2x2 matrix/);
  });
});

describe('the cf job alone (neighbour sum)', () => {
  it('sums the published scores over the history', () => {
    const neighbours = new Map([
      [
        'a',
        [
          { itemId: 'c', score: 0.5, support: 2 },
          { itemId: 'd', score: 0.4, support: 2 },
        ],
      ],
      ['b', [{ itemId: 'd', score: 0.3, support: 2 }]],
    ]);
    const history = historyOf([buy('x', 'p', 1, ['a', 'b'])]);
    expect(neighbourSumList(neighbours, history, request(3, ['a', 'b']))).toEqual(['d', 'c']);
  });
});
