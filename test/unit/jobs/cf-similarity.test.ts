/**
 * Item-to-item CF (sql/jobs/cf_*.sql) on DuckDB over a lake of hand-made events, with every expected
 * score computed by hand from the formula at the top of sql/jobs/cf_similarity.sql.
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
/** No shrinkage, no popularity damping, every pair: the plain weighted cosine. */
const PLAIN = { shrinkage: 0, popularityDamping: 0, minSupport: 1, topK: 10 };

describe('cf similarity: hand-computed fixture', () => {
  // Signals r (purchase 1, cart 0.5, view 0.2; the strongest counts) and user weights a = 1/log2(1+n):
  //   u1: bought A, bought B, viewed C (and viewed A again: no effect)   n=3  a1 = 1/log2(4) = 0.5
  //   u2: bought A, carted B (and viewed B: the cart counts)             n=2  a2 = 1/log2(3) = 0.630929753571
  //   u3: viewed A, viewed C                                             n=2  a3 = a2
  //   u4: bought B                                                       n=1  a4 = 1
  // norm²(A) = a1·1² + a2·1² + a3·0.2²     = 0.5 + 0.630929753571 + 0.025237190143 = 1.156166943714
  // norm²(B) = a1·1² + a2·0.5² + a4·1²     = 0.5 + 0.157732438393 + 1              = 1.657732438393
  // norm²(C) = a1·0.2² + a3·0.2²           = 0.02 + 0.025237190143                 = 0.045237190143
  // dot(A,B) = a1·1·1 + a2·1·0.5 = 0.815464876786   support 2 (u1, u2)
  // dot(A,C) = a1·1·0.2 + a3·0.2·0.2 = 0.125237190143   support 2 (u1, u3)
  // dot(B,C) = a1·1·0.2 = 0.1   support 1 (u1)
  // cos(A,B) = 0.815464876786 / sqrt(1.156166943714 · 1.657732438393) = 0.589030479625
  // cos(A,C) = 0.125237190143 / sqrt(1.156166943714 · 0.045237190143) = 0.547614867241
  // cos(B,C) = 0.1 / sqrt(1.657732438393 · 0.045237190143)            = 0.365169899018
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

  it('computes the weighted cosine exactly', async () => {
    const { similarity, stats } = await runCf(lakeDir, { ...PLAIN, runId: 'plain', windowTo: WINDOW_TO });
    const pairs = byPair(similarity);
    expect(Object.keys(pairs).sort()).toEqual(['A>B', 'A>C', 'B>A', 'B>C', 'C>A', 'C>B']);
    expect(pairs['A>B']?.score).toBeCloseTo(0.589030479625, 9);
    expect(pairs['B>A']?.score).toBeCloseTo(0.589030479625, 9);
    expect(pairs['A>C']?.score).toBeCloseTo(0.547614867241, 9);
    expect(pairs['C>A']?.score).toBeCloseTo(0.547614867241, 9);
    expect(pairs['B>C']?.score).toBeCloseTo(0.365169899018, 9);
    expect(pairs['A>B']?.support).toBe(2);
    expect(pairs['B>C']?.support).toBe(1);
    // Ranks per item: A: B (0.589) then C (0.548); C: A (0.548) then B (0.365).
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
      min_score: expect.closeTo(0.365169899018, 9),
      max_score: expect.closeTo(0.589030479625, 9),
    });
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
    expect(byPair(similarity)['A>C']?.score).toBeCloseTo(0.547614867241, 9);
  });

  it('shrinks scores of pairs with little support', async () => {
    // λ = 2: factor s/(s+λ) = 2/4 for A–B and A–C (support 2), 1/3 for B–C (support 1).
    const { similarity } = await runCf(lakeDir, {
      ...PLAIN,
      shrinkage: 2,
      runId: 'shrink',
      windowTo: WINDOW_TO,
    });
    const pairs = byPair(similarity);
    expect(pairs['A>B']?.score).toBeCloseTo(0.589030479625 / 2, 9); // 0.294515239812
    expect(pairs['A>C']?.score).toBeCloseTo(0.547614867241 / 2, 9); // 0.273807433621
    expect(pairs['B>C']?.score).toBeCloseTo(0.365169899018 / 3, 9); // 0.121723299673
  });

  it('damps very popular neighbours', async () => {
    // users(A) = 3, users(B) = 3, users(C) = 2, U = 4. popularItemShare 0.5: threshold 0.5·4 = 2 users;
    // exponent 0.5: damp(A) = damp(B) = (2/3)^0.5 = 0.816496580928, damp(C) = min(1, (2/2)^0.5) = 1.
    const { similarity } = await runCf(lakeDir, {
      ...PLAIN,
      popularItemShare: 0.5,
      popularityDamping: 0.5,
      runId: 'popular',
      windowTo: WINDOW_TO,
    });
    const pairs = byPair(similarity);
    const damp = Math.sqrt(2 / 3);
    expect(pairs['A>B']?.score).toBeCloseTo(0.589030479625 * damp, 9); // 0.480941372676
    expect(pairs['A>C']?.score).toBeCloseTo(0.547614867241, 9); // C is under the threshold
    expect(pairs['C>A']?.score).toBeCloseTo(0.547614867241 * damp, 9); // 0.447125666768
    expect(pairs['C>B']?.score).toBeCloseTo(0.365169899018 * damp, 9);
    expect(pairs['B>C']?.score).toBeCloseTo(0.365169899018, 9);
  });
});

describe('cf similarity: heavy users, top-K and ties', () => {
  // light user L bought X, Y:                         n=2, aL = 1/log2(3)
  // heavy user H bought X, Z, H1..H6 (8 items):       n=8, aH = 1/log2(9) = aL/2 (log2 9 = 2·log2 3)
  // norm²(X) = aL + aH = 1.5·aL; norm²(Y) = aL; norm²(Z) = norm²(Hk) = aH = 0.5·aL
  // cos(X,Y) = aL / sqrt(1.5aL · aL) = sqrt(2/3) = 0.816496580928
  // cos(X,Z) = aH / sqrt(1.5aL · 0.5aL) = 0.5 / sqrt(0.75) = sqrt(1/3) = 0.577350269190, same for X–Hk
  // Without the user weighting both would be 1/sqrt(2): the heavy user's co-purchase counts less.
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
    expect(forX[0]?.score).toBeCloseTo(Math.sqrt(2 / 3), 9);
    for (const r of forX.slice(1)) expect(r.score).toBeCloseTo(Math.sqrt(1 / 3), 9);
    // Among the heavy user's own items every pair is cosine 1 (same single user).
    expect(byPair(similarity)['H1>H2']?.score).toBeCloseTo(1, 9);
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
    // n(H) still counts all 8, so aH is unchanged; X–Z and X–Hk are no longer formed by H.
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
    // a = 1/log2(3) for all three buyers (2 items each); r = 1 everywhere.
    // norm²(P) = 3a, norm²(Q) = 2a, norm²(R) = a; cos(P,Q) = 2a/sqrt(6a²) = 0.816496580928 (support 2)
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
    expect(similarity[0]?.score).toBeCloseTo(2 / Math.sqrt(6), 9);
    expect(stats).toMatchObject({ input_events: 3, input_users: 3, state_items: 3, active_items: 3 });
    const state = await readCfState(lakeDir, 'buy');
    expect(state.map((r) => r.user_key)).toContain('anon#guest');
  });
});
