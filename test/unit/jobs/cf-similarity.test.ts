/**
 * Item-to-item CF (sql/jobs/cf_*.sql, RP3beta) on DuckDB over a lake of hand-made events, with every
 * expected score computed from the formula at the top of sql/jobs/cf_similarity.sql.
 */
import {
  byPair,
  cart,
  purchase,
  readCfState,
  runCf,
  tempLake,
  view,
  writeEvents,
} from '../../support/job-lake';

const T = { at: '2026-11-20T10:00:00.000Z', receivedAt: '2026-11-20T10:00:01.000Z' };
const WINDOW_TO = '2026-11-21T00:00:00.000Z';
/** The plain three-step random walk (α 1, β 0), proportional scores, every pair, no shrinkage. */
const PLAIN = {
  model: 'rp3beta' as const,
  alpha: 1,
  beta: 0,
  neighbourExponent: 1,
  shrinkage: 0,
  minSupport: 1,
  topK: 10,
};

describe('cf similarity (RP3beta): hand-computed fixture', () => {
  // Signals r (purchase 1, cart 0.5, view 0.2; the strongest counts) and user masses m(u) = Σ r:
  //   u1: bought A, bought B, viewed C (and viewed A again: no effect)   m(u1) = 2.2
  //   u2: bought A, carted B (and viewed B: the cart counts)             m(u2) = 1.5
  //   u3: viewed A, viewed C                                             m(u3) = 0.4
  //   u4: bought B                                                       m(u4) = 1
  // Item masses: m(A) = 1 + 1 + 0.2 = 2.2, m(B) = 1 + 0.5 + 1 = 2.5, m(C) = 0.2 + 0.2 = 0.4.
  // paths(i,j) = Σ_u (r(u,i)·r(u,j))^α / m(u)^α; W(i→j) = paths / (m(i)^α · m(j)^β); score = (W / max W)^e.
  const rows = { u1: { A: 1, B: 1, C: 0.2 }, u2: { A: 1, B: 0.5 }, u3: { A: 0.2, C: 0.2 }, u4: { B: 1 } };
  const mass = { A: 2.2, B: 2.5, C: 0.4 };
  function expected(alpha: number, beta: number, exponent: number, shrinkage = 0) {
    const users = Object.values(rows) as Array<Record<string, number>>;
    const w: Record<string, number> = {};
    for (const i of ['A', 'B', 'C'] as const)
      for (const j of ['A', 'B', 'C'] as const) {
        if (i === j) continue;
        let paths = 0;
        let support = 0;
        for (const r of users) {
          if (r[i] === undefined || r[j] === undefined) continue;
          const m = Object.values(r).reduce((a, b) => a + b, 0);
          paths += ((r[i] as number) * (r[j] as number)) ** alpha / m ** alpha;
          support++;
        }
        w[`${i}>${j}`] = (paths / (mass[i] ** alpha * mass[j] ** beta)) * (support / (support + shrinkage));
      }
    const max = Math.max(...Object.values(w));
    return Object.fromEntries(Object.entries(w).map(([k, v]) => [k, (v / max) ** exponent]));
  }
  const { lakeDir, remove } = tempLake();
  afterAll(remove);

  beforeAll(async () => {
    await writeEvents(lakeDir, [
      purchase('u1', ['A', 'B'], T),
      view('u1', 'C', T),
      view('u1', 'A', T),
      purchase('u2', ['A'], T),
      cart('u2', 'B', T),
      view('u2', 'B', T),
      view('u3', 'A', T),
      view('u3', 'C', T),
      purchase('u4', ['B'], T),
      // Freshness-canary traffic never trains: it would add a user, an item D and a pair A-B.
      purchase('canary#probe', ['A', 'B', 'D'], T),
      view('canary#probe', 'C', T),
    ]);
  });

  it('computes the plain random walk exactly', async () => {
    const { similarity, stats } = await runCf(lakeDir, { ...PLAIN, runId: 'plain', windowTo: WINDOW_TO });
    const pairs = byPair(similarity);
    // paths(A,B) = 1/2.2 + 0.5/1.5; paths(A,C) = 0.2/2.2 + 0.04/0.4; paths(B,C) = 0.2/2.2.
    // W(C→A) = 0.190909/0.4 = 0.477273 is the largest, so C>A scores 1.
    expect(Object.keys(pairs).sort()).toEqual(['A>B', 'A>C', 'B>A', 'B>C', 'C>A', 'C>B']);
    expect(pairs['C>A']?.score).toBe(1);
    expect(pairs['A>B']?.score).toBeCloseTo((1 / 2.2 + 0.5 / 1.5) / 2.2 / ((0.2 / 2.2 + 0.1) / 0.4), 9);
    for (const [pair, score] of Object.entries(expected(1, 0, 1)))
      expect(pairs[pair]?.score).toBeCloseTo(score, 9);
    expect(pairs['A>B']?.support).toBe(2);
    expect(pairs['B>C']?.support).toBe(1);
    // The walk is asymmetric: from the rare C, A is the best neighbour; from A, B is.
    expect(similarity.map((r) => `${r.item_id}${r.rank}${r.neighbour_id}`)).toEqual([
      'A1B',
      'A2C',
      'B1A',
      'B2C',
      'C1A',
      'C2B',
    ]);
    expect(stats).toEqual({
      input_events: 9,
      input_users: 4,
      input_items: 3,
      window_max_received_ms: Date.parse(T.receivedAt),
      state_users: 4,
      state_items: 3,
      output_rows: 6,
      items_with_neighbours: 3,
      active_items: 3,
      null_ids: 0,
      self_neighbours: 0,
      min_score: expect.closeTo(Math.min(...Object.values(expected(1, 0, 1))), 9),
      max_score: 1,
    });
  });

  it('damps popular neighbours with β, flattens the walk with α, and sharpens with the exponent', async () => {
    const { similarity } = await runCf(lakeDir, {
      ...PLAIN,
      alpha: 0.5,
      beta: 0.5,
      neighbourExponent: 2,
      runId: 'rp3',
      windowTo: WINDOW_TO,
    });
    const pairs = byPair(similarity);
    for (const [pair, score] of Object.entries(expected(0.5, 0.5, 2)))
      expect(pairs[pair]?.score).toBeCloseTo(score, 9);
  });

  it('keeps the interaction counts in the state', async () => {
    await runCf(lakeDir, { ...PLAIN, runId: 'state', windowTo: WINDOW_TO });
    const state = await readCfState(lakeDir, 'state');
    const row = (user: string, item: string) => state.find((r) => r.user_key === user && r.item_id === item);
    expect(state).toHaveLength(8);
    expect(row('u1', 'A')).toEqual({
      user_key: 'u1',
      item_id: 'A',
      views: 1,
      carts: 0,
      purchases: 1,
      category: 'cat-a', // the view's category; the purchase line has none
      last_event_at: T.at,
    });
    expect(row('u2', 'B')).toMatchObject({ views: 1, carts: 1, purchases: 0 });
  });

  it('drops pairs under the minimum support', async () => {
    const { similarity } = await runCf(lakeDir, {
      ...PLAIN,
      minSupport: 2,
      runId: 'support',
      windowTo: WINDOW_TO,
    });
    // B–C has one user in common: gone in both directions; the rest is unchanged.
    expect(Object.keys(byPair(similarity)).sort()).toEqual(['A>B', 'A>C', 'B>A', 'C>A']);
    expect(byPair(similarity)['A>C']?.score).toBeCloseTo(expected(1, 0, 1)['A>C'] as number, 9);
  });

  it('shrinks scores of pairs with little support', async () => {
    // λ = 2: factor s/(s+λ) = 2/4 for A–B and A–C (support 2), 1/3 for B–C (support 1), before scaling.
    const { similarity } = await runCf(lakeDir, {
      ...PLAIN,
      shrinkage: 2,
      runId: 'shrink',
      windowTo: WINDOW_TO,
    });
    const pairs = byPair(similarity);
    for (const [pair, score] of Object.entries(expected(1, 0, 1, 2)))
      expect(pairs[pair]?.score).toBeCloseTo(score, 9);
    expect(pairs['B>C']?.score).toBeCloseTo(
      ((0.2 / 2.2 / 2.5) * (1 / 3)) / (((0.2 / 2.2 + 0.1) / 0.4) * 0.5),
      9,
    );
  });
});

describe('cf similarity: heavy users, top-K and ties', () => {
  // light user L bought X, Y:                    m(L) = 2
  // heavy user H bought X, Z, H1..H6 (8 items):  m(H) = 8
  // Item masses: m(X) = 2, every other item 1. With α 1, β 0:
  //   paths(X,Y) = 1/2, paths(X,Z) = paths(X,Hk) = paths(Hj,Hk) = 1/8 (H walks to each item with 1/8)
  //   W(X→Y) = 0.25, W(X→Z) = W(X→Hk) = 0.0625, W(Y→X) = 0.5 (the largest), W(Hj→Hk) = 0.125
  //   scores: X>Y 0.5, X>Z and X>Hk 0.125, H1>H2 0.25. The heavy user's co-purchase counts less.
  const { lakeDir, remove } = tempLake();
  afterAll(remove);
  const heavyItems = ['X', 'Z', 'H1', 'H2', 'H3', 'H4', 'H5', 'H6'];

  beforeAll(async () => {
    await writeEvents(lakeDir, [purchase('L', ['X', 'Y'], T), purchase('H', heavyItems, T)]);
  });

  it('weighs a heavy user less than a light one, ties broken by neighbour id', async () => {
    const { similarity } = await runCf(lakeDir, { ...PLAIN, runId: 'heavy', windowTo: WINDOW_TO });
    const forX = similarity.filter((r) => r.item_id === 'X');
    expect(forX.map((r) => [r.neighbour_id, r.rank])).toEqual([
      ['Y', 1],
      ['H1', 2],
      ['H2', 3],
      ['H3', 4],
      ['H4', 5],
      ['H5', 6],
      ['H6', 7],
      ['Z', 8],
    ]);
    expect(forX[0]?.score).toBeCloseTo(0.5, 9);
    for (const r of forX.slice(1)) expect(r.score).toBeCloseTo(0.125, 9);
    expect(byPair(similarity)['H1>H2']?.score).toBeCloseTo(0.25, 9);
    expect(byPair(similarity)['Y>X']?.score).toBe(1);
  });

  it('keeps the top K per item', async () => {
    const { similarity, stats } = await runCf(lakeDir, {
      ...PLAIN,
      topK: 3,
      runId: 'topk',
      windowTo: WINDOW_TO,
    });
    expect(similarity.filter((r) => r.item_id === 'X').map((r) => r.neighbour_id)).toEqual(['Y', 'H1', 'H2']);
    // Y has one neighbour (X); X and the 7 heavy-only items have 3 each.
    expect(stats.output_rows).toBe(1 + 8 * 3);
    expect(Math.max(...similarity.map((r) => r.rank))).toBe(3);
  });

  it('caps the items one user contributes', async () => {
    // maxItemsPerUser 2: H keeps 2 of its 8 purchases (equal signal and time: by item id, H1 and H2);
    // m(H) still counts all 8; X–Z and X–Hk are no longer formed by H. W(X→Y) = (1/2)/1 is now the largest.
    const { similarity } = await runCf(lakeDir, {
      ...PLAIN,
      maxItemsPerUser: 2,
      runId: 'cap',
      windowTo: WINDOW_TO,
    });
    expect(Object.keys(byPair(similarity)).sort()).toEqual(['H1>H2', 'H2>H1', 'X>Y', 'Y>X']);
    expect(byPair(similarity)['X>Y']?.score).toBeCloseTo(1, 9); // X now only has L's vector
  });
});

describe('cf similarity: purchase-only data (no views or carts, like the UCI Online Retail import)', () => {
  const { lakeDir, remove } = tempLake();
  afterAll(remove);

  it('works from purchases alone, anonymous buyers keyed anon#', async () => {
    await writeEvents(lakeDir, [
      purchase('c1', ['P', 'Q'], T),
      purchase('c2', ['P', 'Q'], T),
      purchase('anon:guest', ['P', 'R'], T),
    ]);
    // m(u) = 2 for all three buyers; m(P) = 3, m(Q) = 2, m(R) = 1; paths(P,Q) = 1/2 + 1/2 (support 2),
    // P–R has support 1 and is dropped. W(P→Q) = 1/3, W(Q→P) = 1/2: scores 2/3 and 1.
    const { similarity, stats } = await runCf(lakeDir, {
      ...PLAIN,
      minSupport: 2,
      runId: 'buy',
      windowTo: WINDOW_TO,
    });
    expect(similarity.map((r) => [r.item_id, r.neighbour_id, r.support])).toEqual([
      ['P', 'Q', 2],
      ['Q', 'P', 2],
    ]);
    expect(similarity[0]?.score).toBeCloseTo(2 / 3, 9);
    expect(similarity[1]?.score).toBe(1);
    expect(stats).toMatchObject({ input_events: 3, input_users: 3, state_items: 3, active_items: 3 });
    const state = await readCfState(lakeDir, 'buy');
    expect(state.map((r) => r.user_key)).toContain('anon#guest');
  });
});
