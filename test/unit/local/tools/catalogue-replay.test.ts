/**
 * Catalogue replay (local/tools/catalogue-replay.ts, part of `recostream quarantine replay`) on quarantine
 * objects written by the catalogue API's own refusal path, with a fake sink: a refused request whose body now
 * passes the API's validation is stored once (the ledger makes a second run skip it) and only if nobody
 * changed its items after the refusal (the sink gets the refusal time); what is still invalid is counted by
 * its current reason with the API's message; a request the sink could not store whole stays out of the ledger
 * so the next run retries it; a truncated body is not replayable; a dry run stores and records nothing; and
 * the event replay leaves catalogue records to it.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCatalogueHandler } from '../../../../lambdas/catalogue/handler';
import type { StoreItemsResult } from '../../../../lambdas/catalogue/store-items';
import { ObjectStoreQuarantine } from '../../../../lambdas/ingest/quarantine';
import type { CatalogueItem } from '../../../../lambdas/shared/catalogue';
import {
  type CatalogueSink,
  formatCatalogueReplaySummary,
  replayCatalogueQuarantine,
} from '../../../../local/tools/catalogue-replay';
import { replayQuarantine } from '../../../../local/tools/quarantine-replay';
import { FileReplayStore, objectStoreOf } from '../../../../local/tools/replay-store';
import { putItemsEvent } from '../../../support/catalogue-request-event';

const refusedAt = new Date('2026-12-03T10:11:12.345Z');
const replayAt = new Date('2026-12-04T08:00:00.000Z');

let lakeDir: string;
let store: FileReplayStore;

beforeEach(() => {
  lakeDir = mkdtempSync(join(tmpdir(), 'catalogue-replay-'));
  store = new FileReplayStore(lakeDir);
});
afterEach(() => {
  rmSync(lakeDir, { recursive: true, force: true });
});

/** Sends a body to the catalogue API's handler, which quarantines it under the lake (it must be refused). */
async function refuse(body: string, requestId: string, contentType = 'application/json'): Promise<void> {
  const handler = createCatalogueHandler({
    writer: { write: async () => ({ written: [], failed: [] }) },
    quarantine: new ObjectStoreQuarantine(objectStoreOf(store), 'lake', 'quarantine/'),
    clock: () => refusedAt,
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
  });
  const response = await handler(putItemsEvent(body, contentType, requestId));
  expect(response.statusCode).toBeGreaterThanOrEqual(400);
}

/** A sink that stores everything, or fails the items `failing` names; records what it was given. */
function fakeSink(failing: ReadonlySet<string> = new Set()) {
  const calls: Array<{ items: readonly CatalogueItem[]; at: Date; notUpdatedSince: Date }> = [];
  const sink: CatalogueSink = async (items, at, options) => {
    calls.push({ items, at, notUpdatedSince: options.notUpdatedSince });
    const ids = items.map((i) => i.itemId);
    return {
      written: ids.filter((id) => !failing.has(id)),
      failed: ids.filter((id) => failing.has(id)).map((itemId) => ({ itemId, message: 'throttled' })),
    } satisfies StoreItemsResult;
  };
  return { sink, calls };
}

const replay = (sink?: CatalogueSink, dryRun = false) =>
  replayCatalogueQuarantine({ store, ...(sink ? { sink } : {}), dryRun, now: () => replayAt });

/** The quarantine file of a request id (the handler names objects `<ms>-<requestId>.jsonl`). */
function quarantineFile(requestId: string): string {
  const root = join(lakeDir, 'quarantine');
  const found = readdirSync(root, { recursive: true, encoding: 'utf8' }).find((f) =>
    f.endsWith(`-${requestId}.jsonl`),
  );
  if (!found) throw new Error(`no quarantine object for ${requestId}`);
  return join(root, found);
}

it('stores a request whose body passes now, once, with the refusal time as the guard', async () => {
  // Refused for its content type only: the body itself is valid.
  const body = JSON.stringify({
    items: [
      { itemId: 'a', title: 'A' },
      { itemId: 'b', price: 2 },
    ],
  });
  await refuse(body, 'req-ok', 'text/plain');

  const { sink, calls } = fakeSink();
  const first = await replay(sink);
  expect(first).toMatchObject({ requests: 1, checked: 1, nowValid: 1, replayed: 1, itemsWritten: 2 });
  expect(calls).toEqual([
    {
      items: [
        { itemId: 'a', title: 'A' },
        { itemId: 'b', price: 2 },
      ],
      at: replayAt,
      notUpdatedSince: refusedAt,
    },
  ]);
  expect(first.ledgersWritten).toBe(1);

  const second = await replay(sink);
  expect(second).toMatchObject({ requests: 1, checked: 0, replayed: 0, alreadyReplayed: 1 });
  expect(calls).toHaveLength(1);
});

it('counts what is still invalid by its current reason, with the API message; a hand fix makes it pass', async () => {
  await refuse(JSON.stringify({ items: [{ itemId: 'a', availability: 'sold_out' }] }), 'req-bad');
  await refuse('{"items": [', 'req-json');
  const { sink, calls } = fakeSink();

  const before = await replay(sink);
  expect(before).toMatchObject({ requests: 2, checked: 2, nowValid: 0, replayed: 0 });
  expect(before.stillInvalid).toEqual({ invalid_items: 1, invalid_json: 1 });
  expect(before.examples).toEqual(
    expect.arrayContaining([
      expect.objectContaining({
        reason: 'invalid_items',
        line: 1,
        message: expect.stringMatching(/^items\[0\]\.availability: /),
      }),
    ]),
  );
  expect(calls).toHaveLength(0);
  expect(formatCatalogueReplaySummary(before)).toMatch(
    /still invalid\s+2\n\s+invalid_items\s+1\n\s+invalid_json\s+1/,
  );

  // The operator fixes one body in its record.
  const file = quarantineFile('req-bad');
  const record = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  writeFileSync(
    file,
    `${JSON.stringify({ ...record, rawPayload: JSON.stringify({ items: [{ itemId: 'a', availability: 'out_of_stock' }] }) })}\n`,
  );
  const after = await replay(sink);
  expect(after).toMatchObject({ replayed: 1, stillInvalid: { invalid_json: 1 } });
  expect(calls.map((c) => c.items)).toEqual([[{ itemId: 'a', availability: 'out_of_stock' }]]);
});

it('keeps a request the sink did not store whole out of the ledger; the next run retries it', async () => {
  await refuse(JSON.stringify({ items: [{ itemId: 'a' }, { itemId: 'b' }] }), 'req-retry', 'text/plain');
  const failing = fakeSink(new Set(['b']));
  const first = await replay(failing.sink);
  expect(first).toMatchObject({ replayed: 0, writeFailed: 1, itemsWritten: 1, ledgersWritten: 0 });
  expect(first.failures).toEqual([
    { key: expect.stringContaining('req-retry'), line: 1, itemIds: ['b'], message: 'b: throttled' },
  ]);

  const ok = fakeSink();
  expect(await replay(ok.sink)).toMatchObject({ replayed: 1, writeFailed: 0 });
  // The whole request again: its writes are idempotent SETs, guarded by the refusal time.
  expect(ok.calls.map((c) => c.items.map((i) => i.itemId))).toEqual([['a', 'b']]);
});

it('reports a truncated body as not replayable, and a dry run stores and records nothing', async () => {
  await refuse(JSON.stringify({ items: [{ itemId: 'a' }] }), 'req-dry', 'text/plain');
  await refuse(JSON.stringify({ items: [{ itemId: 'z', title: 'x'.repeat(10) }] }), 'req-cut', 'text/plain');
  const cut = quarantineFile('req-cut');
  const record = JSON.parse(readFileSync(cut, 'utf8')) as Record<string, unknown>;
  writeFileSync(cut, `${JSON.stringify({ ...record, truncated: true })}\n`);

  const dry = await replay(undefined, true);
  expect(dry).toMatchObject({ dryRun: true, nowValid: 1, replayed: 0, ledgersWritten: 0 });
  expect(dry.notReplayable).toEqual({ 'unsupported_media_type (truncated)': 1 });
  expect(formatCatalogueReplaySummary(dry)).toMatch(/would replay\s+1\n/);
  expect(existsSync(join(lakeDir, 'quarantine-replays'))).toBe(false);
  await expect(replay(undefined, false)).rejects.toThrow(/a sink is required/);
});

it('the event replay leaves catalogue records to the catalogue replay', async () => {
  await refuse(JSON.stringify({ items: [{ itemId: 'a' }] }), 'req-events', 'text/plain');
  const events = await replayQuarantine({ store, dryRun: true });
  expect(events).toMatchObject({ filesScanned: 1, records: 0, checked: 0, notReplayable: {} });
});
