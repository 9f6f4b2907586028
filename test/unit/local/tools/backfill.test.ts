/**
 * The backfill command (local/backfill.ts, local/cli.ts) without DynamoDB: it must read both file
 * formats, report every invalid record with its line number instead of dropping it, apply events
 * in occurredAt order, and name the synthetic shard and sequence numbers deterministically, which
 * is what makes re-running a backfill a replay. Dry runs fold into memory with the real updater.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { updaterOptionsFromEnv } from '../../../../lambdas/consumer/consumer-config';
import type { FeatureStorePort } from '../../../../lambdas/consumer/feature-store-port';
import { compareSequence } from '../../../../lambdas/consumer/sequence';
import { main } from '../../../../local/cli';
import {
  applyBackfill,
  BackfillWriteError,
  planBackfill,
  sequenceNumberFor,
} from '../../../../local/tools/backfill';
import { JsonFileEventSource } from '../../../../local/tools/backfill-source';
import { MemoryFeatureStore } from '../../../../local/tools/memory-feature-store';
import { TrafficSimulator } from '../../../../local/traffic/simulator';

const NOW = new Date('2026-12-01T00:00:00.000Z');
let dir: string;
let files = 0;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'backfill-unit-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function file(content: string, name = `events-${++files}.jsonl`): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const plan = (path: string) => planBackfill(new JsonFileEventSource(path), NOW);

const view = (fields: Record<string, unknown> = {}) => ({
  type: 'product_view',
  userId: 'u1',
  itemId: 'item-1',
  occurredAt: '2026-11-26T10:00:00.000Z',
  ...fields,
});

const canonical = (fields: Record<string, unknown> = {}) => ({
  schemaVersion: 1,
  eventId: 'canonical-1',
  receivedAt: '2026-11-26T10:00:01.000Z',
  ...view(),
  ...fields,
});

const jsonl = (...lines: unknown[]) =>
  lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n');

describe('reading and validating', () => {
  it('reads JSON lines of canonical and client input events, skipping blank lines', async () => {
    const result = await plan(file(jsonl(canonical(), '', view({ eventId: 'input-1' }), '   ')));
    expect(result.read).toBe(2);
    expect(result.rejections).toEqual([]);
    expect(result.records.map((r) => [r.line, r.event.eventId])).toEqual([
      [1, 'canonical-1'],
      [3, 'input-1'],
    ]);
    // The canonical event is kept as it was stored, receivedAt included.
    expect(result.records[0]?.event.receivedAt).toBe('2026-11-26T10:00:01.000Z');
  });

  it('reports invalid JSON and invalid events with their line numbers and reasons', async () => {
    const result = await plan(
      file(
        jsonl(
          view(),
          '{not json',
          view({ type: 'teleport' }),
          '',
          { type: 'product_view', itemId: 'x', occurredAt: '2026-11-26T10:00:00Z' },
          view({ occurredAt: 1_700_000_000 }),
          42,
        ),
      ),
    );
    expect(result.read).toBe(6);
    expect(result.records).toHaveLength(1);
    expect(result.rejections.map((r) => r.line)).toEqual([2, 3, 5, 6, 7]);
    const [json, type, identity, seconds, scalar] = result.rejections.map((r) => r.reason);
    expect(json).toMatch(/^invalid JSON/);
    expect(type).toMatch(/"teleport" is unknown.*\(unknown_type\)/);
    expect(identity).toMatch(/userId or anonymousId.*\(missing_identity\)/);
    expect(seconds).toMatch(/occurredAt: .*seconds/);
    expect(scalar).toMatch(/must be a JSON object/);
    // The raw text when it was not JSON, the parsed value otherwise, to fix and replay.
    expect(result.rejections[0]?.input).toBe('{not json');
    expect(result.rejections[1]?.input).toEqual(view({ type: 'teleport' }));
  });

  it('reads a JSON array, giving the line each element starts on', async () => {
    const content = `[
  ${JSON.stringify(view({ eventId: 'a', query: 'brackets ] and , and \\" in a string' }))},
  {
    "type": "nope", "userId": "u1"
  },
  ${JSON.stringify(view({ eventId: 'c' }))}
]
`;
    const result = await plan(file(content, 'events.json'));
    expect(result.read).toBe(3);
    expect(result.records.map((r) => [r.line, r.event.eventId])).toEqual([
      [2, 'a'],
      [6, 'c'],
    ]);
    expect(result.rejections.map((r) => r.line)).toEqual([3]);
  });

  it('rejects a broken element of an array but fails on a broken array', async () => {
    const broken = await plan(file(`[${JSON.stringify(view())},\n{"type":,},\n]`, 'a.json'));
    expect(broken.rejections.map((r) => [r.line, r.reason.slice(0, 12)])).toEqual([
      [2, 'invalid JSON'],
      [3, 'empty array '],
    ]);
    await expect(plan(file(`[${JSON.stringify(view())},\n`, 'b.json'))).rejects.toThrow(/not closed/);
    await expect(plan(file(`[]\n{}`, 'c.json'))).rejects.toThrow(/after the JSON array/);
    expect((await plan(file(' \n[ ]\n', 'd.json'))).read).toBe(0);
  });

  it("normalises input events with the event's receivedAt, else its occurredAt, else now", async () => {
    const result = await plan(
      file(
        jsonl(
          view({ eventId: 'r', receivedAt: '2026-11-26T11:00:05+01:00' }),
          view({ eventId: 'o', occurredAt: Date.UTC(2026, 10, 26, 11) }),
          { type: 'product_view', userId: 'u1', itemId: 'item-1', eventId: 'n' },
        ),
      ),
    );
    const receivedAt = Object.fromEntries(result.records.map((r) => [r.event.eventId, r.event.receivedAt]));
    expect(receivedAt).toEqual({
      r: '2026-11-26T10:00:05.000Z',
      o: '2026-11-26T11:00:00.000Z',
      n: NOW.toISOString(),
    });
  });

  it('gives input events without an eventId one derived from the shard and line', async () => {
    const path = file(jsonl(view({ eventId: undefined }), view({ eventId: undefined })));
    const first = await plan(path);
    const second = await plan(path);
    expect(first.records.map((r) => r.event.eventId)).toEqual([`${first.shardId}-1`, `${first.shardId}-2`]);
    expect(second.records).toEqual(first.records);
  });
});

describe('order, shard and sequence numbers', () => {
  it('sorts by occurredAt as a time, keeping file order for ties', async () => {
    const result = await plan(
      file(
        jsonl(
          view({ eventId: 'late', occurredAt: '2026-11-26T12:00:00Z' }),
          view({ eventId: 'tie-1', occurredAt: '2026-11-26T11:00:00.000Z' }),
          view({ eventId: 'half', occurredAt: '2026-11-26T11:00:00.500Z' }),
          view({ eventId: 'tie-2', occurredAt: '2026-11-26T11:00:00Z' }),
          view({ eventId: 'early', occurredAt: '2026-11-26T10:59:59+00:00' }),
        ),
      ),
    );
    expect(result.records.map((r) => r.event.eventId)).toEqual(['early', 'tie-1', 'tie-2', 'half', 'late']);
    expect(result.records.map((r) => r.line)).toEqual([5, 2, 4, 3, 1]);
  });

  it('names the shard after the content and numbers events by position, zero-padded', async () => {
    const content = jsonl(view({ eventId: 'b' }), view({ eventId: 'a', occurredAt: '2026-11-26T09:00:00Z' }));
    const result = await plan(file(content));
    const digest = createHash('sha256').update(content).digest('hex');
    expect(result.shardId).toBe(`backfill-${digest.slice(0, 12)}`);
    expect(result.records.map((r) => r.sequenceNumber)).toEqual([
      '00000000000000000001',
      '00000000000000000002',
    ]);
    // Same content elsewhere: same shard (a replay); other content: another shard.
    expect((await plan(file(content))).shardId).toBe(result.shardId);
    expect((await plan(file(`${content}\n${jsonl(view())}`))).shardId).not.toBe(result.shardId);
  });

  it('keeps sequence numbers increasing as the consumer compares them', () => {
    const positions = [1, 9, 10, 99, 100, 123_456, 10_000_000];
    const numbers = positions.map(sequenceNumberFor);
    for (let i = 1; i < numbers.length; i++)
      expect(compareSequence(numbers[i - 1] as string, numbers[i] as string)).toBe(-1);
    expect(new Set(numbers.map((n) => n.length)).size).toBe(1);
  });
});

describe('applying', () => {
  const events = new TrafficSimulator({
    seed: 5,
    users: 30,
    items: 60,
    startTime: '2026-11-26T08:00:00Z',
  }).generate(600);
  const options = { updater: updaterOptionsFromEnv(), batchSize: 100 };

  it('applies every valid event once, and a re-run is all replays and no writes', async () => {
    const result = await plan(file(jsonl(...events, '{oops')));
    const store = new MemoryFeatureStore();
    const first = await applyBackfill(result, store, options);
    expect(first).toMatchObject({ applied: 600, replays: 0, duplicates: 0, poison: [] });
    expect(first.profileWrites).toBeGreaterThan(0);
    expect(first.itemWrites).toBeGreaterThan(0);
    const again = await applyBackfill(result, store, { ...options, batchSize: 37 });
    expect(again).toMatchObject({ applied: 0, replays: 600, profileWrites: 0, itemWrites: 0 });
  });

  it('gives the same tables whatever the batch size', async () => {
    const result = await plan(file(jsonl(...events)));
    const small = new MemoryFeatureStore();
    const large = new MemoryFeatureStore();
    await applyBackfill(result, small, { ...options, batchSize: 7 });
    await applyBackfill(result, large, { ...options, batchSize: 1000 });
    const counts = (store: MemoryFeatureStore) =>
      Object.fromEntries([...store.items].map(([id, row]) => [id, row.counts]));
    expect(counts(small)).toEqual(counts(large));
    const profile = (store: MemoryFeatureStore) =>
      [...store.profiles.values()].map(({ version: _v, ...rest }) => rest);
    expect(profile(small)).toEqual(profile(large));
  });

  it('stops on writes that keep failing, and a re-run resumes with exact counters', async () => {
    const result = await plan(file(jsonl(...events)));
    const store = new MemoryFeatureStore();
    let budget = 150;
    const failing: FeatureStorePort = {
      getProfiles: (ids) => store.getProfiles(ids),
      getItemRows: (keys) => store.getItemRows(keys),
      putProfile: async (p, v) => {
        if (budget-- <= 0) throw new Error('table unavailable');
        return store.putProfile(p, v);
      },
      applyItemDelta: async (u) => {
        if (budget-- <= 0) throw new Error('table unavailable');
        return store.applyItemDelta(u);
      },
    };
    const fast = {
      ...options,
      batchAttempts: 2,
      updater: { ...options.updater, retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 } },
    };
    const error = await applyBackfill(result, failing, fast).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackfillWriteError);
    expect((error as BackfillWriteError).message).toMatch(/from line \d+ .*table unavailable/);

    await applyBackfill(result, store, options);
    const reference = new MemoryFeatureStore();
    await applyBackfill(result, reference, options);
    const totals = (s: MemoryFeatureStore) =>
      Object.fromEntries([...s.items].map(([id, row]) => [id, row.counts]));
    expect(totals(store)).toEqual(totals(reference));
  });
});

describe('recostream CLI', () => {
  const run = async (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  it('prints usage for an unknown or missing command', async () => {
    const unknown = await run('frobnicate');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(
      /unknown command 'frobnicate'[\s\S]*Usage: recostream <command>[\s\S]*backfill/,
    );
    expect((await run()).code).toBe(2);
    expect((await run('--help')).code).toBe(0);
  });

  it('documents the receivedAt rule and the stack outputs in backfill --help', async () => {
    const help = await run('backfill', '--help');
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/receivedAt = the event's own receivedAt, else its occurredAt, else the time/);
    expect(help.out).toMatch(/ProfilesTableName and ItemStatsTableName/);
  });

  it('rejects bad usage with exit code 2', async () => {
    const events = file(jsonl(view()));
    expect((await run('backfill')).err).toMatch(/--events FILE is required/);
    expect((await run('backfill', '--events', events)).err).toMatch(/--profiles-table/);
    expect((await run('backfill', '--events', events, '--dry-run', '--batch-size', '0')).code).toBe(2);
    expect((await run('backfill', '--events', events, '--bogus')).code).toBe(2);
    expect((await run('backfill', '--events', join(dir, 'missing.jsonl'), '--dry-run')).code).toBe(2);
  });

  it('dry-runs a file: summary, rejected lines listed and written next to it, no table needed', async () => {
    const events = file(jsonl(view({ eventId: 'a' }), '{"type":"product_view"}', view({ eventId: 'b' })));
    const result = await run('backfill', '--events', events, '--dry-run');
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/dry run/);
    expect(result.out).toMatch(/events read\s+3\n\s+rejected\s+1\n\s+applied\s+2\n/);
    expect(result.err).toMatch(/line 2: .*missing_identity/);
    const report = readFileSync(`${events}.rejected.jsonl`, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(report).toEqual([
      { line: 2, reason: expect.stringMatching(/userId or anonymousId/), input: { type: 'product_view' } },
    ]);

    // Fixed file: the stale report goes away.
    writeFileSync(events, jsonl(view({ eventId: 'a' })));
    expect((await run('backfill', '--events', events, '--dry-run')).code).toBe(0);
    expect(existsSync(`${events}.rejected.jsonl`)).toBe(false);
  });
});
