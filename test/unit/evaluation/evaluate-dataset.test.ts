/**
 * The evaluation end to end, on the December slice of the UCI data (skipped when ../shared/data is not
 * there) and on a small file of canonical events with browsing: the results' fixed layout, the numbers a
 * method with no randomness must reproduce, that an invalid line is kept with its reason, and the tuning's
 * table of every method on the validation splits.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadEventsFile, loadUci } from '../../../evaluation/dataset';
import {
  BASELINES,
  DEFAULT_SETTINGS,
  evaluateDataset,
  fitSplit,
  METHODS,
  SCORINGS,
  scoreSplit,
} from '../../../evaluation/evaluate';
import { nextPurchase, PROTOCOLS } from '../../../evaluation/protocols';
import { resultsTable, validationTable } from '../../../evaluation/report';
import { methodsOnValidation, VALIDATION_METHODS } from '../../../evaluation/tuning-baselines';

jest.setTimeout(120_000);

const DECEMBER = resolve(__dirname, '../../../../shared/data/uci-online-retail-2010-12');
/** Small and quick: 300-item EASE models (the baseline and the cf job's), 200 bootstrap resamples. */
const QUICK = {
  ...DEFAULT_SETTINGS,
  cf: { ...DEFAULT_SETTINGS.cf, easeItems: 300 },
  ease: { lambda: 300, items: 300 },
  bootstrapIterations: 200,
};

(existsSync(DECEMBER) ? describe : describe.skip)('UCI Online Retail, December 2010 slice', () => {
  it('fills the fixed layout for both protocols and scorings, and popularity reproduces its numbers', async () => {
    const result = await evaluateDataset(loadUci(DECEMBER), PROTOCOLS, QUICK);
    for (const protocol of PROTOCOLS)
      for (const scoring of SCORINGS) {
        for (const method of METHODS)
          expect(Object.keys(result.results[protocol]?.[scoring]?.[method] ?? {}).sort()).toEqual([
            'hitRate',
            'ndcg',
            'recall',
            'users',
          ]);
        for (const baseline of BASELINES)
          expect(result.blendVersus[protocol]?.[scoring]?.[baseline]?.hitRate).toEqual({
            mean: expect.any(Number),
            low: expect.any(Number),
            high: expect.any(Number),
          });
      }
    const lloo = result.results.leaveLastOrderOut;
    expect(lloo?.allItems.popularity).toEqual({
      users: 260,
      hitRate: expect.closeTo(0.4154, 4),
      recall: expect.any(Number),
      ndcg: expect.closeTo(0.0906, 4),
    });
    expect(lloo?.unseenItems.blend.users).toBe(241);
    expect(result.protocols.nextPurchase?.cutoff).toBe('2010-12-21T16:06:00Z');
  });
});

describe('canonical events with browsing (--events)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'eval-events-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const at = (day: number, hour: number) => new Date(Date.UTC(2026, 10, day, hour)).toISOString();
  const lines: string[] = [];
  let n = 0;
  const add = (event: Record<string, unknown>) => {
    const occurredAt = event.occurredAt as string;
    lines.push(JSON.stringify({ schemaVersion: 1, eventId: `e${++n}`, receivedAt: occurredAt, ...event }));
  };
  // 30 shoppers: two orders of staples in the first week, then, on the last days, each views a new
  // item an hour before buying it (what a nightly job cannot know and the stream consumer does).
  for (let u = 0; u < 30; u++) {
    const userId = `u${u}`;
    const buy = (orderId: string, occurredAt: string, items: string[]) =>
      add({
        type: 'purchase',
        userId,
        orderId,
        currency: 'EUR',
        lineItems: items.map((itemId) => ({ itemId, quantity: 1, price: 2 })),
        occurredAt,
      });
    buy(`${userId}-1`, at(1, 8 + (u % 8)), ['staple-a', `staple-${u % 5}`]);
    buy(`${userId}-2`, at(3, 8 + (u % 8)), ['staple-a', 'staple-b']);
    add({
      type: 'product_view',
      userId,
      itemId: `new-${u % 7}`,
      category: 'new',
      occurredAt: at(9, 9 + (u % 5)),
    });
    buy(`${userId}-3`, at(9, 10 + (u % 5)), [`new-${u % 7}`]);
  }
  lines.push('{"type":"product_view","userId":"broken"}');
  const file = join(dir, 'shop.jsonl');
  writeFileSync(file, `${lines.join('\n')}\n`);

  it('keeps invalid lines with their reason, and the real-time reminder wins the next purchase', async () => {
    const dataset = await loadEventsFile(file);
    expect(dataset.report.rejected).toBe(1);
    const rejected = readFileSync(`${file}.rejected.jsonl`, 'utf8');
    expect(rejected).toContain('"line":121');
    expect(rejected).toMatch(/itemId/);

    const result = await evaluateDataset(dataset, ['nextPurchase'], QUICK);
    // Cut-off: two days before the last event; every shopper's day-9 order is held out.
    expect(result.protocols.nextPurchase?.cases).toBe(30);
    const all = result.results.nextPurchase?.allItems;
    // The viewed item is the one bought: the blend (its reminder) and recently viewed find it first.
    expect(all?.blend).toMatchObject({ hitRate: 1, ndcg: 1 });
    expect(all?.recentlyViewed).toMatchObject({ hitRate: 1, ndcg: 1 });
    // Nobody bought it before: popularity and buy-again (trained before the cut-off) cannot know.
    expect(all?.buyAgain.ndcg).toBeLessThan(1);
    // The blend's rows say whose weights they are (--blend-from: a tuning record's, not the API's defaults).
    expect(resultsTable(result)).toContain('| nextPurchase | allItems | blend (API defaults) | 30 |');
    expect(resultsTable(result, 'blend (weights of t.json)')).toContain(
      '| allItems | blend (weights of t.json) | 30 |',
    );
  });

  it('fits only what the methods scored need (tuning the blend alone fits no baseline model)', async () => {
    const dataset = await loadEventsFile(file);
    const fitted = await fitSplit(nextPurchase(dataset.events), QUICK, () => undefined, ['blend']);
    expect([fitted.ease, fitted.itemKnn, fitted.batch.rp3beta]).toEqual([undefined, undefined, undefined]);
    expect(scoreSplit(fitted, QUICK, ['blend']).allItems.blend).toHaveLength(30);
    expect(() => scoreSplit(fitted, QUICK, ['ease'])).toThrow(/ease: its model was not fitted/);
  });

  it("scores every method on splits fitted for the blend alone (tuning's validation table)", async () => {
    const dataset = await loadEventsFile(file);
    const fitted = await fitSplit(nextPurchase(dataset.events), QUICK, () => undefined, ['blend']);
    const table = methodsOnValidation([fitted, fitted], QUICK, () => undefined);
    expect(Object.keys(table)).toEqual(['nextPurchase']);
    const all = table.nextPurchase?.allItems;
    expect(Object.keys(all ?? {})).toEqual([...VALIDATION_METHODS]);
    // Both splits pooled user by user; the reminder wins, buy-again cannot know the viewed item.
    expect(all?.blend).toMatchObject({ users: 60, hitRate: 1, ndcg: 1 });
    expect(all?.ease.users).toBe(60);
    expect(all?.buyAgain.ndcg).toBeLessThan(1);
    // The baselines' models were fitted for the scoring only.
    expect([fitted.ease, fitted.itemKnn]).toEqual([undefined, undefined]);
    const lines = validationTable(table).split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[2]).toMatch(
      /^\| nextPurchase \| allItems \| 60 \| 1\.0000 \/ 1\.0000 \| recently viewed 1\.0000; /,
    );
    expect(lines[2]).toContain('+0.0000; +0.0000');
  });
});
