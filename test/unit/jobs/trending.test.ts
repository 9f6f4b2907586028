/**
 * Trending (sql/jobs/trending*.sql) on DuckDB: decayed scores by hand, global and per-category lists.
 */
import { cart, purchase, runTrending, tempLake, view, writeEvents } from '../../support/job-lake';

const WINDOW_TO = '2026-11-20T12:00:00.000Z';
const at = (time: string, receivedAt?: string) => ({ at: `2026-11-20T${time}:00.000Z`, receivedAt });

describe('trending', () => {
  const { lakeDir, remove } = tempLake();
  afterAll(remove);

  // Weights view 1, cart 3, purchase 5; half-life 6 h; decay 0.5^(age h / 6), age = 12:00 - event time.
  //   A (books): view 12:00 → 1; view 06:00 → 0.5; cart 00:00 (12 h) → 3·0.25 = 0.75     A = 2.25
  //   B (toys):  purchase line 09:00 (3 h) → 5·0.5^0.5 = 3.535533905933;
  //              view 11:00 (1 h) → 0.5^(1/6) = 0.890898718140                        B = 4.426432624073
  //   C (no category): purchase line 09:00 → 3.535533905933                              C = 3.535533905933
  // Not counted: a view 25 h old, a view after windowTo, a view that happened at 11:30 but arrived
  // after windowTo, the second delivery of A's 12:00 view (same event id), and canary events.
  const A = 2.25;
  const B = 5 * Math.SQRT1_2 + 0.5 ** (1 / 6);
  const C = 5 * Math.SQRT1_2;

  beforeAll(async () => {
    const viewA = view('u1', 'A', at('12:00'), 'books');
    await writeEvents(lakeDir, [
      viewA,
      viewA,
      view('u2', 'A', at('06:00'), 'books'),
      cart('u3', 'A', at('00:00'), 'books'),
      purchase('u4', [{ itemId: 'B', category: 'toys' }, 'C'], at('09:00')),
      view('u5', 'B', at('11:00'), 'toys'),
      view('u6', 'D', { at: '2026-11-19T11:00:00.000Z' }, 'books'),
      view('u7', 'E', at('12:01', '2026-11-20T12:01:00.000Z'), 'books'),
      view('u8', 'F', at('11:30', '2026-11-20T12:00:00.001Z'), 'books'),
      // Freshness-canary traffic never trends: neither a new item nor a boost of A.
      view('canary#probe', 'Z', at('11:00'), 'books'),
      purchase('canary#probe', [{ itemId: 'A', category: 'books' }], at('11:00')),
    ]);
  });

  it('scores with exponential time decay, global and per category', async () => {
    const { trending, stats } = await runTrending(lakeDir, {
      runId: 't1',
      windowTo: WINDOW_TO,
      hours: 24,
      halfLifeHours: 6,
    });
    expect(trending.map(({ score: _s, ...rest }) => rest)).toEqual([
      { scope: 'category#books', item_id: 'A', category: 'books', rank: 1 },
      { scope: 'category#toys', item_id: 'B', category: 'toys', rank: 1 },
      { scope: 'global', item_id: 'B', category: 'toys', rank: 1 },
      { scope: 'global', item_id: 'C', category: null, rank: 2 },
      { scope: 'global', item_id: 'A', category: 'books', rank: 3 },
    ]);
    const score = (scope: string, item: string) =>
      trending.find((r) => r.scope === scope && r.item_id === item)?.score;
    expect(score('global', 'A')).toBeCloseTo(A, 9);
    expect(score('global', 'B')).toBeCloseTo(B, 9); // 4.426432624073
    expect(score('global', 'C')).toBeCloseTo(C, 9); // 3.535533905933
    expect(score('category#books', 'A')).toBeCloseTo(A, 9);
    expect(stats).toEqual({
      input_events: 5,
      window_max_received_ms: Date.parse('2026-11-20T12:00:00.000Z'),
      output_rows: 5,
      scopes: 3,
      null_ids: 0,
      min_score: expect.closeTo(A, 9),
      max_score: expect.closeTo(B, 9),
    });
  });

  it('keeps the top N per scope and follows the half-life', async () => {
    // Half-life 3 h: A = 1 + 0.25 + 3·0.0625 = 1.4375; B = 5·0.5 + 0.5^(1/3) = 3.293700525984; C = 2.5.
    const { trending } = await runTrending(lakeDir, {
      runId: 't2',
      windowTo: WINDOW_TO,
      halfLifeHours: 3,
      topN: 2,
    });
    expect(trending.filter((r) => r.scope === 'global').map((r) => [r.item_id, r.score])).toEqual([
      ['B', expect.closeTo(2.5 + 0.5 ** (1 / 3), 9)],
      ['C', expect.closeTo(2.5, 9)],
    ]);
    expect(trending.find((r) => r.scope === 'category#books')?.score).toBeCloseTo(1.4375, 9);
  });

  it('reads only the last `hours` hours', async () => {
    // hours = 6: the window is (06:00, 12:00], so the 06:00 view and the 00:00 cart are out: A = 1.
    const { trending } = await runTrending(lakeDir, { runId: 't3', windowTo: WINDOW_TO, hours: 6 });
    expect(trending.find((r) => r.scope === 'global' && r.item_id === 'A')?.score).toBeCloseTo(1, 9);
  });
});
