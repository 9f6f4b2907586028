/**
 * `recostream backfill` against a real DynamoDB emulator (dynalite): a generated, shuffled file of
 * simulator events must leave ItemStats counters equal to counts computed independently from the
 * file, a second run of the same file must be a pure replay that changes no item, and invalid lines
 * must be reported (line number, reason, rejected file), here through the real bin/recostream.js
 * shim and the AWS code path (default credentials chain, endpoint from AWS_ENDPOINT_URL_DYNAMODB).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { main } from '../../local/cli';
import { type RunningEmulator, startDynamoDb } from '../../local/emulators';
import { type SimEvent, TrafficSimulator } from '../../local/traffic/simulator';
import { createFeatureTables, localDocumentClient } from '../support/feature-tables';

// The project's testTimeout is not applied per project by jest; backfilling a few thousand events takes seconds.
jest.setTimeout(120_000);

const ROOT = resolve(__dirname, '../..');
const COUNTERS = ['views', 'carts', 'removes', 'purchases', 'units'] as const;
type Counts = Partial<Record<(typeof COUNTERS)[number], number>>;

let emulator: RunningEmulator;
let client: DynamoDBDocumentClient;
let dir: string;
let tables = 0;

beforeAll(async () => {
  emulator = await startDynamoDb(); // dynalite, or moto with RECOSTREAM_EMULATORS=moto
  client = localDocumentClient(emulator.endpoint);
  dir = mkdtempSync(join(tmpdir(), 'backfill-it-'));
});

afterAll(async () => {
  client?.destroy();
  await emulator?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Fresh tables shaped like the stack's. */
async function freshTables(): Promise<{ profiles: string; items: string }> {
  tables++;
  return createFeatureTables(client, `T${tables}`);
}

async function scan(table: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** What the file says each item should count, written here from the event types, not the consumer code. */
function expectedTotals(events: readonly SimEvent[]): Map<string, Counts> {
  const totals = new Map<string, Counts>();
  const add = (itemId: string, counter: keyof Counts, n = 1) => {
    const row = totals.get(itemId) ?? {};
    row[counter] = (row[counter] ?? 0) + n;
    totals.set(itemId, row);
  };
  for (const event of events) {
    if (event.type === 'product_view') add(event.itemId, 'views');
    else if (event.type === 'add_to_cart') add(event.itemId, 'carts');
    else if (event.type === 'remove_from_cart') add(event.itemId, 'removes');
    else if (event.type === 'purchase')
      for (const line of event.lineItems) {
        add(line.itemId, 'purchases');
        add(line.itemId, 'units', line.quantity);
      }
  }
  return totals;
}

function countsOf(row: Record<string, unknown>): Counts {
  const counts: Counts = {};
  for (const counter of COUNTERS)
    if (typeof row[counter] === 'number') counts[counter] = row[counter] as number;
  return counts;
}

async function runCli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const summaryValue = (output: string, label: string) =>
  Number(new RegExp(`^\\s+${label}\\s+(\\d+)`, 'm').exec(output)?.[1]);

describe('recostream backfill on dynalite', () => {
  const generated = new TrafficSimulator({
    seed: 2024,
    users: 60,
    items: 120,
    startTime: '2026-11-26T08:00:00.000Z',
  }).generate(3000);

  it('rebuilds ItemStats with exact counters, and a second run is a replay that changes nothing', async () => {
    const names = await freshTables();
    const dataDir = join(dir, 'data');
    mkdirSync(dataDir);
    writeFileSync(
      join(dataDir, 'runtime.json'),
      JSON.stringify({
        dynamoEndpoint: emulator.endpoint,
        kinesisEndpoint: 'http://127.0.0.1:1',
        apiUrl: 'http://127.0.0.1:2',
        tables: { Profiles: names.profiles, ItemStats: names.items, WriteKeys: 'unused' },
        pid: process.pid,
      }),
    );
    // Shuffled (seeded) so the backfill has to sort by occurredAt itself.
    const shuffled = [...generated];
    let state = 7;
    for (let i = shuffled.length - 1; i > 0; i--) {
      state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
      const j = state % (i + 1);
      [shuffled[i], shuffled[j]] = [shuffled[j] as SimEvent, shuffled[i] as SimEvent];
    }
    const events = join(dir, 'events.jsonl');
    writeFileSync(events, `${shuffled.map((e) => JSON.stringify(e)).join('\n')}\n`);

    const args = ['backfill', '--events', events, '--local', '--data-dir', dataDir, '--batch-size', '250'];
    const first = await runCli(...args);
    // Only progress lines on stderr: nothing rejected, nothing failed.
    expect(first.err).not.toMatch(/rejected|fail|stopped/);
    expect(first.code).toBe(0);
    expect(first.out).toContain(
      `local DynamoDB ${emulator.endpoint} tables ${names.profiles}, ${names.items}`,
    );
    expect(summaryValue(first.out, 'events read')).toBe(3000);
    expect(summaryValue(first.out, 'applied')).toBe(3000);
    expect(summaryValue(first.out, 'rejected')).toBe(0);

    const rows = await scan(names.items);
    const totals = rows.filter((r) => r.bucket === 'TOTAL');
    const expected = expectedTotals(generated);
    expect(expected.size).toBeGreaterThan(50);
    expect(new Map(totals.map((r) => [r.itemId as string, countsOf(r)]))).toEqual(expected);
    // The hourly rows add up to the totals.
    const hourlyViews = rows
      .filter((r) => r.bucket !== 'TOTAL')
      .reduce((n, r) => n + ((r.views as number) ?? 0), 0);
    expect(hourlyViews).toBe(generated.filter((e) => e.type === 'product_view').length);
    // Every user or visitor has a profile that counted all their events.
    const profiles = await scan(names.profiles);
    const perUser = new Map<string, number>();
    for (const e of generated) {
      const key = e.userId ?? `anon#${e.anonymousId}`;
      perUser.set(key, (perUser.get(key) ?? 0) + 1);
    }
    expect(
      new Map(
        profiles.map((p) => [
          p.userId as string,
          Object.values(p.counts as Record<string, number>).reduce((a, b) => a + b, 0),
        ]),
      ),
    ).toEqual(perUser);

    const second = await runCli(...args.slice(0, -1), '100');
    expect(second.code).toBe(0);
    expect(summaryValue(second.out, 'applied')).toBe(0);
    expect(summaryValue(second.out, 'replays')).toBe(3000);
    expect(summaryValue(second.out, 'profile writes')).toBe(0);
    expect(summaryValue(second.out, 'item writes')).toBe(0);
    const byKey = (items: Record<string, unknown>[]) =>
      Object.fromEntries(items.map((r) => [`${r.itemId}|${r.bucket}`, r]));
    expect(byKey(await scan(names.items))).toEqual(byKey(rows));
    expect(await scan(names.profiles)).toEqual(expect.arrayContaining(profiles));
  });

  it('reports a bad line through bin/recostream.js and applies the rest', async () => {
    const names = await freshTables();
    const good = generated.slice(0, 20);
    const lines = good.map((e) => JSON.stringify(e));
    lines.splice(4, 0, JSON.stringify({ ...good[0], eventId: 'bad-1', occurredAt: 'yesterday' }));
    lines.splice(9, 0, '{"type": "product_view", "userId": ');
    const events = join(dir, 'with-bad-lines.jsonl');
    writeFileSync(events, `${lines.join('\n')}\n`);

    const { AWS_PROFILE: _profile, ...env } = process.env;
    const run = await promisify(execFile)(
      process.execPath,
      [
        join(ROOT, 'bin', 'recostream.js'),
        'backfill',
        '--events',
        events,
        '--profiles-table',
        names.profiles,
        '--item-stats-table',
        names.items,
      ],
      {
        cwd: ROOT,
        env: {
          ...env,
          AWS_ENDPOINT_URL_DYNAMODB: emulator.endpoint,
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'x',
          AWS_SECRET_ACCESS_KEY: 'x',
        },
      },
    );
    expect(run.stderr).toMatch(/2 invalid event\(s\) rejected/);
    expect(run.stderr).toMatch(/line 5: occurredAt: .*\(invalid_event\)/);
    expect(run.stderr).toMatch(/line 10: invalid JSON/);
    expect(summaryValue(run.stdout, 'events read')).toBe(22);
    expect(summaryValue(run.stdout, 'rejected')).toBe(2);
    expect(summaryValue(run.stdout, 'applied')).toBe(20);

    const report = readFileSync(`${events}.rejected.jsonl`, 'utf8').trim().split('\n');
    expect(report.map((l) => JSON.parse(l).line)).toEqual([5, 10]);
    expect(JSON.parse(report[0] as string)).toMatchObject({ reason: expect.stringMatching(/occurredAt/) });
    const views = (await scan(names.items))
      .filter((r) => r.bucket === 'TOTAL')
      .reduce((n, r) => n + ((r.views as number) ?? 0), 0);
    expect(views).toBe(good.filter((e) => e.type === 'product_view').length);
  });
});
