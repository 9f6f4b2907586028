/**
 * The cf job's EASE solve: the in-place SPD inverse against A·A⁻¹ = I, the Gram matrix summed from the
 * user vectors, and the neighbour rows against EASE's closed form computed by hand on a small example.
 */

import {
  cfNeighbourRows,
  cfSolveSettings,
  easeSimilarityRows,
  gramMatrix,
  vectorRows,
} from '../../../lambdas/jobs/ease-solve';
import { invertSpdInPlace, NotPositiveDefiniteError } from '../../../lambdas/jobs/spd-inverse';

/** A deterministic SPD matrix: XᵀX of a pseudo-random 0/1 matrix, plus λI. */
function spd(n: number, lambda: number): Float64Array {
  let seed = 7;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const users = 3 * n;
  const x = Array.from({ length: users }, () => Array.from({ length: n }, () => (random() < 0.2 ? 1 : 0)));
  const a = new Float64Array(n * n);
  for (const row of x)
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) a[i * n + j] += (row[i] as number) * (row[j] as number);
  for (let i = 0; i < n; i++) a[i * n + i] += lambda;
  return a;
}

describe('invertSpdInPlace', () => {
  it.each([1, 2, 3, 7, 64, 65, 130])('inverts an n × n matrix (n = %i): A·A⁻¹ = I, and symmetric', (n) => {
    const a = spd(n, 1.5);
    const inverse = Float64Array.from(a);
    invertSpdInPlace(inverse, n);
    let worst = 0;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let k = 0; k < n; k++) sum += (a[i * n + k] as number) * (inverse[k * n + j] as number);
        worst = Math.max(worst, Math.abs(sum - (i === j ? 1 : 0)));
      }
    expect(worst).toBeLessThan(1e-9);
    // Symmetric, as the solve reads it.
    for (let i = 0; i < n; i++)
      for (let j = 0; j < i; j++) expect(inverse[i * n + j]).toBe(inverse[j * n + i]);
  });

  it('refuses a matrix that is not positive definite, naming the pivot', () => {
    expect(() => invertSpdInPlace(Float64Array.from([1, 2, 2, 1]), 2)).toThrow(NotPositiveDefiniteError);
    expect(() => invertSpdInPlace(new Float64Array(3), 2)).toThrow(/expected a 2x2 matrix/);
  });
});

describe('easeSimilarityRows', () => {
  // Users {a, b}, {a, b}, {b, c}: G = [[2, 2, 0], [2, 3, 1], [0, 1, 1]]; rows in no particular order.
  const rows = vectorRows([
    { user_key: 'u3', item_id: 'c', signal: 1 },
    { user_key: 'u1', item_id: 'b', signal: '1' },
    { user_key: 'u2', item_id: 'a', signal: 1 },
    { user_key: 'u1', item_id: 'a', signal: 1 },
    { user_key: 'u3', item_id: 'b', signal: 1 },
    { user_key: 'u2', item_id: 'b', signal: 1 },
  ]);

  it('sums G = XᵀX and the users per pair from the vectors, signals multiplied', () => {
    const { items, gram, support } = gramMatrix(rows);
    expect(items).toEqual(['a', 'b', 'c']);
    expect([...gram]).toEqual([2, 2, 0, 2, 3, 1, 0, 1, 1]);
    expect([...support]).toEqual([2, 2, 0, 2, 3, 1, 0, 1, 1]);
    const weighted = gramMatrix(
      vectorRows([
        { user_key: 'u', item_id: 'a', signal: 1 },
        { user_key: 'u', item_id: 'b', signal: 0.5 },
        { user_key: 'v', item_id: 'a', signal: 0.2 },
      ]),
    );
    expect([...weighted.gram]).toEqual([1 + 0.2 * 0.2, 0.5, 0.5, 0.25]);
    expect([...weighted.support]).toEqual([2, 1, 1, 1]);
  });

  it('publishes B = −P / diag(P) (P = (G + λI)⁻¹), positive weights only, scaled so the best is 1', () => {
    const lambda = 1;
    // G + I = [[3, 2, 0], [2, 4, 1], [0, 1, 2]], det = 3·7 − 2·4 = 13; its adjugate / 13:
    const p = [
      [7, -4, 2],
      [-4, 6, -3],
      [2, -3, 8],
    ].map((r) => r.map((v) => v / 13));
    const b = (i: number, j: number) => -(p[i]?.[j] as number) / (p[j]?.[j] as number);
    // B[a][c] = −2/8 < 0 and B[c][a] = −2/7 < 0: a and c are not neighbours.
    const weights = { ab: b(0, 1), ba: b(1, 0), bc: b(1, 2), cb: b(2, 1) };
    const max = Math.max(...Object.values(weights));
    const out = easeSimilarityRows(rows, { lambda, topK: 5 });
    expect(out.map((r) => [r.item_id, r.neighbour_id, r.rank, r.support])).toEqual([
      ['a', 'b', 1, 2],
      ['b', 'a', 1, 2],
      ['b', 'c', 2, 1],
      ['c', 'b', 1, 1],
    ]);
    const score = (x: string, y: string) => out.find((r) => r.item_id === x && r.neighbour_id === y)?.score;
    expect(score('a', 'b')).toBeCloseTo(weights.ab / max, 10);
    expect(score('b', 'a')).toBeCloseTo(weights.ba / max, 10);
    expect(score('b', 'c')).toBeCloseTo(weights.bc / max, 10);
    expect(score('c', 'b')).toBeCloseTo(weights.cb / max, 10);
    expect(Math.max(...out.map((r) => r.score))).toBe(1);
  });

  it('keeps the top K per item', () => {
    const out = easeSimilarityRows(rows, { lambda: 1, topK: 1 });
    expect(out.filter((r) => r.item_id === 'b').map((r) => r.neighbour_id)).toEqual(['a']);
  });

  it('refuses bad rows and settings with the reason', () => {
    expect(() => vectorRows([{ item_id: 'a', signal: 1 }])).toThrow(/no user_key \/ item_id/);
    expect(() => vectorRows([{ user_key: 'u', item_id: 'a', signal: 0 }])).toThrow(/no positive signal/);
    expect(() => vectorRows([{ user_key: 'u', item_id: 'a', signal: null }])).toThrow(/no positive signal/);
    expect(() => easeSimilarityRows(rows, { lambda: 0, topK: 5 })).toThrow(/lambda must be > 0/);
  });

  it("is the cf job's solve only for the EASE model; RP3beta's rows pass through", () => {
    expect(cfSolveSettings({ model: 'ease', easeLambda: 300, topK: 20 })).toEqual({ lambda: 300, topK: 20 });
    expect(cfSolveSettings({ model: 'rp3beta', easeLambda: 300, topK: 20 })).toBeUndefined();
    const rp3 = [{ item_id: 'a', neighbour_id: 'b', score: 1, support: 2, rank: 1 }];
    expect(cfNeighbourRows(rp3, undefined)).toBe(rp3);
  });
});
