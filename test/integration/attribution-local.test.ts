/**
 * The attribution metrics job as a user runs it on the local runtime: events through the ingest API (an
 * impression of two items, a click, and an hour later a purchase of one of them and of an item never
 * recommended), the local lake delivery, then `recostream jobs run attribution --local` (the real CLI,
 * in-process): the hours are published once, with the numbers the events imply, to the health document
 * (`GET /local/health` → attribution) and `<dataDir>/metrics/attribution.jsonl`; a second run publishes
 * nothing. The job's clock is injected (3 hours ahead), so the events' hours are closed whatever the wall
 * clock says.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { basicAuthorizationFor } from '../../lambdas/authorizer/write-keys';
import { main } from '../../local/cli';
import { openLocalLake } from '../../local/lake/query';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime';
import { eventually } from '../support/eventually';

jest.setTimeout(180_000);

const HOUR = 3_600_000;
const realNow = Date.now();
/** Two full hours back, on the hour: the impression's hour; the purchase is in the next one. */
const shownHour = Math.floor(realNow / HOUR) * HOUR - 2 * HOUR;
let runtime: LocalRuntime;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'recostream-attribution-it-'));
  runtime = await startLocalRuntime({
    dataDir,
    port: 0,
    trafficRate: 0,
    lakeBufferIntervalSeconds: 1,
    jobClock: () => new Date(realNow + 3 * HOUR),
  });
});

afterAll(async () => {
  await runtime?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function cli(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out, err };
}

it('publishes what the recommendations earned per hour, placement and variant, once', async () => {
  const at = (ms: number) => new Date(ms).toISOString();
  const events = [
    {
      type: 'recommendation_impression',
      eventId: 'it-imp-1',
      userId: 'buyer',
      recommendationId: 'it-rec-1',
      itemIds: ['sku-1', 'sku-2'],
      variant: 'treatment',
      placement: 'discover',
      occurredAt: at(shownHour + 10 * 60_000),
    },
    {
      type: 'recommendation_click',
      eventId: 'it-click-1',
      userId: 'buyer',
      recommendationId: 'it-rec-1',
      itemId: 'sku-2',
      occurredAt: at(shownHour + 11 * 60_000),
    },
    {
      type: 'purchase',
      eventId: 'it-buy-1',
      userId: 'buyer',
      orderId: 'o-1',
      currency: 'EUR',
      lineItems: [
        { itemId: 'sku-2', quantity: 2, price: 7.5 },
        { itemId: 'sku-9', quantity: 1, price: 100 },
      ],
      occurredAt: at(shownHour + HOUR + 5 * 60_000),
    },
  ];
  const response = await fetch(`${runtime.apiUrl}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: basicAuthorizationFor(runtime.writeKey) },
    body: JSON.stringify({ events }),
  });
  expect(response.status).toBe(200);
  // Wait until the delivery loop has written all three to the lake.
  await eventually(
    async () => {
      if (!existsSync(join(dataDir, 'lake', 'events'))) return 0;
      const lake = await openLocalLake(join(dataDir, 'lake'));
      try {
        const result = await lake.runQuery("SELECT count(*) FROM events WHERE event_id LIKE 'it-%'");
        return Number(result.rows[0]?.[0]);
      } finally {
        await lake.close();
      }
    },
    (n) => n === 3,
  );

  const first = await cli('jobs', 'run', 'attribution', '--local', '--data-dir', dataDir);
  expect(first.err).toEqual([]);
  expect(first.code).toBe(0);
  expect(first.out.join('\n')).toMatch(
    /^attribution: published 48 hours \(.*\), 2 rows; 0 hours were published before$/,
  );

  const lines = readFileSync(join(dataDir, 'metrics', 'attribution.jsonl'), 'utf8')
    .trim()
    .split('\n');
  expect(lines.map((l) => JSON.parse(l))).toEqual([
    {
      hour: at(shownHour),
      hourStartMs: shownHour,
      placement: 'discover',
      variant: 'treatment',
      impressions: 1,
      clicks: 1,
      attributedPurchases: 0,
      attributedUnits: 0,
      attributedRevenue: 0,
    },
    {
      hour: at(shownHour + HOUR),
      hourStartMs: shownHour + HOUR,
      placement: 'discover',
      variant: 'treatment',
      impressions: 0,
      clicks: 0,
      attributedPurchases: 1,
      attributedUnits: 2,
      attributedRevenue: 15,
    },
  ]);
  const health = (await (await fetch(`${runtime.apiUrl}/local/health`)).json()) as {
    attribution?: { points: unknown[]; lastRun?: { published: number[] } };
  };
  expect(health.attribution?.points).toHaveLength(2);
  expect(health.attribution?.lastRun?.published).toHaveLength(48);

  const again = await cli('jobs', 'run', 'attribution', '--local', '--data-dir', dataDir);
  expect(again.out.join('\n')).toBe('attribution: published 0 hours, 0 rows; 48 hours were published before');
  expect(
    readFileSync(join(dataDir, 'metrics', 'attribution.jsonl'), 'utf8')
      .trim()
      .split('\n'),
  ).toHaveLength(2);
});
