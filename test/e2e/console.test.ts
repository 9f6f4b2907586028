/**
 * The local console in a real browser: `npm start`'s runtime with simulated traffic and a fresh data
 * directory, the page opened in headless Chromium (Debian's `chromium`, CHROMIUM_PATH to override).
 *
 * - the page loads and runs without a single console error or uncaught exception;
 * - the charts show non-zero data once traffic flows (events/s, lag per shard, lake files);
 * - the query box returns rows from the lake;
 * - as an anonymous visitor, viewing and carting products changes the recommendations within seconds, to
 *   items whose reasons name the browsed category or a viewed item (needs the recommendation API and a
 *   published trending version: the test waits for one, running the trending job if the scheduler has not);
 * - the jobs panel lists runs with their validation checks, and its button rolls trending back to an
 *   older published version (the pointer flips, the replaced run is marked rolled_back);
 * - a narrow window has no horizontal scrolling.
 * Screenshots: test-artifacts/console.png and test-artifacts/console-narrow.png.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime/runtime';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// The local functions' warnings (e.g. rejected job runs while data is still thin) would drown the test output.
process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
const ARTIFACTS = resolve(__dirname, '..', '..', 'test-artifacts');

let runtime: LocalRuntime;
let browser: Browser;
let page: Page;
let dataDir: string;
const problems: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`);
  mkdirSync(ARTIFACTS, { recursive: true });
  dataDir = mkdtempSync(join(tmpdir(), 'recostream-console-e2e-'));
  runtime = await startLocalRuntime({ dataDir, port: 0, trafficRate: 40, lakeBufferIntervalSeconds: 2 });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  page.on('console', (message) => {
    if (message.type() === 'error')
      problems.push(`console error: ${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
  await page.goto(`${runtime.apiUrl}/`);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await runtime?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

/** The latest value a chart shows for a series (the page writes it as data-value). */
async function chartValue(chart: string, series: string): Promise<number> {
  const text = await page.getAttribute(`[data-chart="${chart}"] [data-series="${series}"]`, 'data-value');
  return text ? Number(text) : Number.NaN;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (${String(last ?? '')})`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

test('the charts show live, non-zero data from the simulated traffic', async () => {
  await waitFor(
    'events/s accepted > 0',
    async () => ((await chartValue('events', 'accepted')) > 0 ? true : undefined),
    60_000,
  );
  await waitFor(
    'consumer events/s > 0',
    async () => ((await chartValue('events', 'consumed')) > 0 ? true : undefined),
    60_000,
  );
  await waitFor(
    'Parquet files in the lake > 0',
    async () => ((await chartValue('lake', 'files')) > 0 ? true : undefined),
    60_000,
  );
  expect(await chartValue('lake', 'bytes')).toBeGreaterThan(0);
  await waitFor(
    'ingest API p99 latency > 0',
    async () => ((await chartValue('latency', 'ingest-p99')) > 0 ? true : undefined),
    30_000,
  );
  // One lag series per shard of the stream, each a number of milliseconds.
  const shards = await page.locator('[data-chart="lag"] [data-series]').count();
  expect(shards).toBe([...runtime.topology.streams.values()][0]?.shardCount);
  expect(await chartValue('lag', 'shardId-000000000000')).toBeGreaterThanOrEqual(0);
  // uPlot drew canvases for the charts that have data.
  expect(await page.locator('[data-chart="events"] canvas').count()).toBeGreaterThan(0);
  expect(problems).toEqual([]);
});

test('the query box runs SQL on the lake and shows the rows', async () => {
  await page.fill(
    '#sql',
    'SELECT event_type, count(*) AS events FROM events_unique GROUP BY event_type ORDER BY event_type',
  );
  await page.click('#run-query');
  await page.waitForSelector('#query-result table tbody tr', { timeout: 30_000 });
  const rows = await page.locator('#query-result table tbody tr').count();
  expect(rows).toBeGreaterThan(0);
  const first = await page.locator('#query-result table tbody tr').first().locator('td').allTextContents();
  expect(first[0]).toMatch(/^[a-z_]+$/);
  expect(Number(first[1])).toBeGreaterThan(0);
  expect(await page.textContent('#query-status')).toMatch(/^\d+ rows? in \d+ ms/);
  // A write is refused with the reason, and the page stays usable.
  await page.fill('#sql', 'CREATE TABLE copied AS SELECT * FROM events');
  await page.click('#run-query');
  await page.waitForFunction("document.querySelector('#query-status')?.textContent?.includes('read-only')");
  // That refusal is a 400, which Chromium logs as a failed resource load: not a page error.
  problems.splice(
    0,
    problems.length,
    ...problems.filter((p) => !p.includes('/local/query') && !p.includes('400')),
  );
  expect(problems).toEqual([]);
});

test('viewing products as a visitor changes their recommendations within seconds', async () => {
  const config = (await (await fetch(`${runtime.apiUrl}/local/config`)).json()) as {
    features: { recommendations: boolean };
    jobs: string[];
  };
  expect(config.features.recommendations).toBe(true);
  expect(config.jobs).toContain('trending');
  // Published trending lists (global and per category) are what a new visitor's browsing first changes;
  // the scheduler publishes them within a minute of traffic, and the test runs the job too in case.
  await waitFor(
    'an active trending version',
    async () => {
      const runs = (await (await fetch(`${runtime.apiUrl}/local/jobs/trending/runs`)).json()) as {
        activeVersion?: string;
      };
      if (runs.activeVersion) return runs.activeVersion;
      await fetch(`${runtime.apiUrl}/local/jobs/trending/runs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      return undefined;
    },
    150_000,
  );

  // The API caches the active-version pointers for up to 60 s per container: wait until it serves trending.
  await waitFor(
    'the recommendation API to answer from a trending version',
    async () => {
      const response = await fetch(`${runtime.apiUrl}/v1/users/anon%23e2e-probe/recommendations`, {
        headers: { 'x-api-key': runtime.apiKey },
      });
      const body = (await response.json()) as { model?: { trending?: string | null } };
      return body.model?.trending ?? undefined;
    },
    90_000,
  );

  await page.selectOption('#visitor', '');
  const visitor = await waitFor(
    'the anonymous visitor’s first recommendations',
    async () => {
      const status = (await page.textContent('#recs-status')) ?? '';
      return /for anon#/.test(status) && (await page.getAttribute('#recs', 'data-items')) !== null
        ? status
        : undefined;
    },
    30_000,
  );
  expect(visitor).toMatch(/model cf \S+, trending \S+/);
  const before = await page.getAttribute('#recs', 'data-items');

  // Browse: view the three most popular products of the category, add one to the cart.
  const category = await page.inputValue('#category');
  const clicked = await page.locator('#grid [data-action="view"]').allTextContents();
  const clickedAt = Date.now();
  for (const index of [0, 1, 2]) await page.locator('#grid [data-action="view"]').nth(index).click();
  await page.locator('#grid [data-action="add"]').first().click();
  await page.waitForFunction("document.querySelectorAll('#event-log li.ok').length >= 4");

  // Different items, whose reasons name the browsed category or a viewed item.
  const personal = (reasons: readonly string[]) =>
    reasons.filter((r) => r.includes(category) || clicked.slice(0, 3).some((id) => r.includes(id)));
  const after = await waitFor(
    'different recommendations with reasons from the visitor’s browsing',
    async () => {
      const items = await page.getAttribute('#recs', 'data-items');
      const reasons = await page.locator('#recs .reason').allTextContents();
      return items !== null && items !== before && personal(reasons).length > 0
        ? { items, reasons }
        : undefined;
    },
    30_000,
  );
  const seconds = (Date.now() - clickedAt) / 1000;
  console.log(
    `recommendations changed ${seconds.toFixed(1)} s after the first click: ${before} -> ${after.items} (${after.reasons.join('; ')})`,
  );
  expect(seconds).toBeLessThan(30);
  expect(await chartValue('latency', 'rec-p50')).toBeGreaterThan(0);
  await page.screenshot({ path: join(ARTIFACTS, 'console.png'), fullPage: true });

  // A click on a recommended item sends recommendation_click with its recommendationId and position.
  await page.locator('#recs [data-action="view"]').first().click();
  await page.waitForFunction(
    "document.querySelector('#event-log li')?.textContent?.includes('recommendation_click')",
  );
  expect(problems).toEqual([]);
});

test('the jobs panel shows runs with their checks, and rolls back to an older published version', async () => {
  const job = '[data-job="trending"]';
  await waitFor(
    'an older published trending version',
    async () => ((await page.locator(`${job} [data-rollback]`).count()) > 0 ? true : undefined),
    120_000,
  );
  expect(await page.locator(`${job} .checks li`).count()).toBeGreaterThan(0);
  const target = (await page
    .locator(`${job} [data-rollback]`)
    .first()
    .getAttribute('data-rollback')) as string;
  const details = page.locator(`${job} details[data-run="${target}"]`);
  if ((await details.getAttribute('open')) === null) await details.locator('summary').click();
  await page.locator(`${job} [data-rollback="${target}"]`).click();
  await page.waitForSelector(`${job} details[data-run="${target}"] .badge-inline`, { timeout: 15_000 });
  const runs = (await (await fetch(`${runtime.apiUrl}/local/jobs/trending/runs`)).json()) as {
    runs: Array<{ runId: string; status: string }>;
  };
  expect(runs.runs.find((r) => r.runId === target)?.status).toBe('published');
  expect(runs.runs.some((r) => r.status === 'rolled_back')).toBe(true);
  expect(problems).toEqual([]);
});

test('a narrow window has no horizontal scrolling', async () => {
  await page.setViewportSize({ width: 400, height: 900 });
  await page.waitForTimeout(500);
  const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
  expect(overflow).toBeLessThanOrEqual(0);
  await page.screenshot({ path: join(ARTIFACTS, 'console-narrow.png'), fullPage: true });
  expect(problems).toEqual([]);
});
