/**
 * The EASE model's fallback for items outside its head: on DuckDB over a lake, the cf job with a head of
 * 3 items publishes neighbour lists for every item with co-purchases (the head items' from the solve, the
 * others' from RP3beta), the gate counts the same items, and the merge rule (one model per item, the
 * fallback's scores calibrated to EASE's) holds.
 */

import { fallbackRow, withFallback } from '../../../lambdas/jobs/ease-fallback';
import { cfNeighbourRows, cfSolveSettings } from '../../../lambdas/jobs/ease-solve';
import { DEFAULT_CF_SETTINGS, type SimilarityRow } from '../../../lambdas/jobs/job-sql';
import { similarityItems } from '../../../lambdas/jobs/published-items';
import { purchase, runCf, tempLake, writeEvents } from '../../support/job-lake';

const at = (minute: number) => ({ at: `2026-03-01T10:${String(minute).padStart(2, '0')}:00.000Z` });
const WINDOW_TO = '2026-03-01T12:00:00.000Z';

/**
 * The head of 3 (most users): h2 (9), h1 and h3 (7 each); h4 (2 users, with h1-h3) is outside it, and so
 * are t1 and t2, bought together by two users (minSupport 2), t1 once with h1. Only a fallback gives h4,
 * t1 and t2 neighbours.
 */
function orders() {
  const events = [];
  let minute = 0;
  for (let u = 0; u < 6; u++)
    events.push(purchase(`u${u}`, ['h1', 'h2', 'h3', 'h4'].slice(0, 2 + (u % 3)), at(minute++)));
  for (let u = 6; u < 9; u++) events.push(purchase(`u${u}`, ['h2', 'h3'], at(minute++)));
  events.push(purchase('t-a', ['t1', 't2', 'h1'], at(minute++)));
  events.push(purchase('t-b', ['t1', 't2'], at(minute++)));
  return events;
}

describe('the EASE fallback on DuckDB', () => {
  const { lakeDir, remove } = tempLake();
  afterAll(remove);
  const settings = { ...DEFAULT_CF_SETTINGS, model: 'ease' as const, easeItems: 3, easeLambda: 1 };

  beforeAll(async () => {
    await writeEvents(lakeDir, orders());
  });

  it('publishes neighbours for the items outside the head, from RP3beta, and the gate counts them', async () => {
    const { similarity: rows, stats } = await runCf(lakeDir, {
      ...settings,
      runId: 'ease-run',
      windowTo: WINDOW_TO,
    });
    const items = similarityItems(cfNeighbourRows(rows as never, cfSolveSettings(settings)), 'v1');
    const lists = Object.fromEntries(items.map((i) => [i.itemId, i.neighbours.map((n) => n.itemId)]));
    // The head: h2, h1, h3; h4, t1 and t2 are outside it.
    expect(Object.keys(lists).sort()).toEqual(['h1', 'h2', 'h3', 'h4', 't1', 't2']);
    expect(lists.t1).toEqual(expect.arrayContaining(['t2']));
    expect(lists.t2).toEqual(['t1']);
    // RP3beta's list of h4 (a tail item) names head items.
    expect(lists.h4).toEqual(expect.arrayContaining(['h2', 'h3']));
    // Head items keep the solve's lists: only head items as neighbours.
    for (const head of ['h1', 'h2', 'h3'])
      expect(lists[head]?.every((n) => ['h1', 'h2', 'h3'].includes(n))).toBe(true);
    expect(Number(stats.items_with_neighbours)).toBe(items.length);
    for (const item of items) for (const n of item.neighbours) expect(n.score).toBeGreaterThan(0);
    for (const item of items) for (const n of item.neighbours) expect(n.score).toBeLessThanOrEqual(1);
  });

  it('gives the fallback lists the RP3beta model publishes for the same items', async () => {
    const { similarity: rp3 } = await runCf(lakeDir, {
      ...settings,
      model: 'rp3beta',
      runId: 'rp3-run',
      windowTo: WINDOW_TO,
    });
    const { similarity: ease } = await runCf(lakeDir, {
      ...settings,
      runId: 'ease-run-2',
      windowTo: WINDOW_TO,
    });
    const fallback = (ease as unknown as Array<Record<string, unknown>>).filter(
      (r) => r.row_kind === 'fallback',
    );
    const order = (rows: readonly Record<string, unknown>[], item: string) =>
      rows.filter((r) => r.item_id === item).map((r) => r.neighbour_id);
    for (const item of ['t1', 't2', 'h4'])
      expect([item, order(fallback, item)]).toEqual([item, order(rp3 as never, item)]);
  });
});

describe('withFallback', () => {
  const row = (item_id: string, neighbour_id: string, score: number, rank: number): SimilarityRow => ({
    item_id,
    neighbour_id,
    score,
    support: 2,
    rank,
  });

  it('keeps EASE where it has a list and calibrates the fallback to the median top score', () => {
    const ease = [row('a', 'b', 1, 1), row('b', 'a', 0.5, 1), row('c', 'a', 0.2, 1)];
    // Medians of top scores: EASE 0.5, fallback 0.25 -> factor 2.
    const fallback = [
      row('a', 'z', 0.9, 1),
      row('x', 'a', 0.25, 1),
      row('x', 'b', 0.1, 2),
      row('y', 'a', 0.2, 1),
      row('w', 'a', 0.3, 1),
    ];
    const merged = withFallback(ease, fallback);
    expect(merged.filter((r) => r.item_id === 'a')).toEqual([row('a', 'b', 1, 1)]);
    expect(merged.filter((r) => r.item_id === 'x')).toEqual([row('x', 'a', 0.5, 1), row('x', 'b', 0.2, 2)]);
    expect(merged.find((r) => r.item_id === 'w')?.score).toBe(0.6);
  });

  it('never scores a fallback neighbour above 1', () => {
    const merged = withFallback([row('a', 'b', 1, 1)], [row('x', 'a', 0.5, 1), row('y', 'a', 0.1, 1)]);
    // Factor min(1 / 0.3, 1 / 0.5) = 2.
    expect(merged.map((r) => r.score)).toEqual([1, 1, 0.2]);
  });

  it('reads an older run without row_kind as vectors only', () => {
    const rows = [
      { user_key: 'u1', item_id: 'a', signal: 1 },
      { user_key: 'u1', item_id: 'b', signal: 1 },
      { user_key: 'u2', item_id: 'a', signal: 1 },
      { user_key: 'u2', item_id: 'b', signal: 1 },
    ];
    expect(cfNeighbourRows(rows, { lambda: 1, topK: 5 }).map((r) => r.item_id)).toEqual(['a', 'b']);
  });

  it('refuses a fallback row without ids, a score in (0, 1] or a rank, naming the row', () => {
    expect(() => fallbackRow('a', '', 0.5, 2, 1)).toThrow(/no item_id \/ neighbour_id/);
    expect(() => fallbackRow('a', 'b', 1.5, 2, 1)).toThrow(/no score in \(0, 1\]/);
    expect(() => fallbackRow('a', 'b', null, 2, 1)).toThrow(/no score in \(0, 1\]/);
    expect(fallbackRow('a', 'b', '0.5', '2', '1')).toEqual(row('a', 'b', 0.5, 1));
  });
});
