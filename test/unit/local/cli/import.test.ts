/**
 * `recostream import uci --lake DIR`: history goes into the lake received at the import time, keeping its
 * invoice time as event time. So the partitions are the import's (inside the Glue projection range, within
 * the purge's reach, never hundreds of old ones), and the batch jobs replay it as of a past instant on
 * event time; a live run's receipt-clock window as of then sees none of it.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { importCommand } from '../../../../local/cli/import';
import { runCf } from '../../../support/job-lake';

const HEADER = 'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country';
const IMPORTED_AT = new Date('2026-11-26T09:41:07.000Z');

/** Two customers buying the same two products on 1 and 2 December 2010, and one a third product. */
const CSV = [
  HEADER,
  '536365,85123A,HEART,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom',
  '536365,71053,LANTERN,6,2010-12-01 08:26:00,3.39,17850.0,United Kingdom',
  '536366,85123A,HEART,1,2010-12-02 10:00:00,2.55,12583.0,France',
  '536366,71053,LANTERN,1,2010-12-02 10:00:00,3.39,12583.0,France',
  '536367,22633,WARMER,1,2010-12-02 11:00:00,1.85,12583.0,France',
].join('\n');

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'import-uci-'));
  writeFileSync(join(dir, '2010-12-01.csv'), `${CSV}\n`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function files(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(root, join(entry.parentPath, entry.name)));
}

it('writes the history into the partitions of the import time, and the jobs replay it on event time', async () => {
  const lakeDir = join(dir, 'lake');
  const out: string[] = [];
  const io = { out: (text: string) => out.push(text), err: (text: string) => out.push(text) };
  expect(await importCommand(['uci', dir, '--lake', lakeDir], io, () => IMPORTED_AT)).toBe(0);
  expect(out.join('\n')).toContain('3 purchase events');

  const partitions = new Set(files(join(lakeDir, 'events')).map((f) => f.split('/').slice(0, 3).join('/')));
  expect([...partitions]).toEqual(['event_type=purchase/dt=2026-11-26/hour=09']);

  // As of the end of the data, on event time: every invoice, and the gate's freshness measured on it.
  const asOf = '2010-12-02T12:00:00.000Z';
  // RP3beta: its result rows are the neighbour rows (EASE's are the vectors the publish step solves).
  const replay = await runCf(lakeDir, {
    model: 'rp3beta',
    runId: 'replay',
    windowTo: asOf,
    replayReceivedBy: '2026-11-26T10:00:00.000Z',
  });
  expect(replay.stats).toMatchObject({ input_events: 3, input_users: 2, state_users: 2 });
  expect(replay.stats.window_max_received_ms).toBe(Date.parse('2010-12-02T11:00:00.000Z'));
  expect(replay.similarity.map((r) => [r.item_id, r.neighbour_id])).toEqual([
    ['71053', '85123A'],
    ['85123A', '71053'],
  ]);
  // As of 1 December: only the first invoice had happened.
  const earlier = await runCf(lakeDir, {
    model: 'rp3beta',
    runId: 'replay-earlier',
    windowTo: '2010-12-01T23:00:00.000Z',
    replayReceivedBy: '2026-11-26T10:00:00.000Z',
  });
  expect(earlier.stats.input_events).toBe(1);
  // On the receipt clock, nothing had been received by then.
  const live = await runCf(lakeDir, { runId: 'live', windowTo: asOf });
  expect(live.stats.input_events).toBe(0);
});
