/**
 * Reading the lake's quarantine for the replays (local/tools/quarantine-records.ts): which objects a replay
 * looks at for a date and a reason, which lines are quarantine records (and what a missing field defaults
 * to), which records are the catalogue's, and the counts report.
 */
import { CATALOGUE_ROUTE } from '../../../../lambdas/shared/catalogue';
import {
  countLines,
  isCatalogueRecord,
  parseQuarantineLine,
  quarantineKeys,
  validDate,
} from '../../../../local/tools/quarantine-records';
import type { ReplayStore } from '../../../../local/tools/replay-store';

/** A store over fixed keys that records the prefixes it was asked to list. */
function storeOf(keys: readonly string[]): ReplayStore & { listed: string[] } {
  const listed: string[] = [];
  return {
    description: 'memory',
    listed,
    list: async (prefix) => {
      listed.push(prefix);
      return keys.filter((key) => key.startsWith(prefix));
    },
    get: async () => undefined,
    put: async () => undefined,
  };
}

const KEYS = [
  'quarantine/dt=2026-12-02/reason=invalid_event/b.jsonl',
  'quarantine/dt=2026-12-02/reason=invalid_event/a.jsonl',
  'quarantine/dt=2026-12-02/reason=unknown_type/c.jsonl',
  'quarantine/dt=2026-12-03/reason=invalid_event/d.jsonl',
  'quarantine/dt=2026-12-03/reason=invalid_event/notes.txt',
];

describe('quarantineKeys', () => {
  it('lists every .jsonl object under the prefix, sorted', async () => {
    expect(await quarantineKeys(storeOf(KEYS), 'quarantine/', {})).toEqual([
      'quarantine/dt=2026-12-02/reason=invalid_event/a.jsonl',
      'quarantine/dt=2026-12-02/reason=invalid_event/b.jsonl',
      'quarantine/dt=2026-12-02/reason=unknown_type/c.jsonl',
      'quarantine/dt=2026-12-03/reason=invalid_event/d.jsonl',
    ]);
  });

  it('lists only the partition of a date, and of a reason within it', async () => {
    const store = storeOf(KEYS);
    expect(await quarantineKeys(store, 'quarantine/', { dt: '2026-12-02', reason: 'invalid_event' })).toEqual(
      [
        'quarantine/dt=2026-12-02/reason=invalid_event/a.jsonl',
        'quarantine/dt=2026-12-02/reason=invalid_event/b.jsonl',
      ],
    );
    expect(store.listed).toEqual(['quarantine/dt=2026-12-02/reason=invalid_event/']);
  });

  it('filters on the reason over every date when no date is given', async () => {
    expect(await quarantineKeys(storeOf(KEYS), 'quarantine/', { reason: 'unknown_type' })).toEqual([
      'quarantine/dt=2026-12-02/reason=unknown_type/c.jsonl',
    ]);
  });
});

describe('parseQuarantineLine', () => {
  it('reads the fields a replay needs', () => {
    const record = {
      reason: 'invalid_event',
      route: '/v1/batch',
      index: 3,
      receivedAt: '2026-12-02T10:00:00.000Z',
      rawPayload: '{"type":"x"}',
      truncated: true,
    };
    expect(parseQuarantineLine(JSON.stringify({ ...record, requestId: 'r-1' }))).toEqual(record);
  });

  it('defaults what older records lack: the events route, no index, not truncated', () => {
    expect(parseQuarantineLine('{"reason":"invalid_json","rawPayload":"{"}')).toEqual({
      reason: 'invalid_json',
      route: '/v1/events',
      index: null,
      receivedAt: '',
      rawPayload: '{',
      truncated: false,
    });
  });

  it.each([
    'not json',
    '42',
    'null',
    '{"reason":"x"}',
    '{"rawPayload":"{}"}',
    '{"reason":1,"rawPayload":"{}"}',
  ])('is undefined for %s', (line) => {
    expect(parseQuarantineLine(line)).toBeUndefined();
  });
});

it("tells the catalogue's records (PUT /v1/items) from the events'", () => {
  const record = parseQuarantineLine(
    JSON.stringify({ reason: 'r', rawPayload: '{}', route: CATALOGUE_ROUTE.path }),
  );
  expect(record && isCatalogueRecord(record)).toBe(true);
  const event = parseQuarantineLine('{"reason":"r","rawPayload":"{}"}');
  expect(event && isCatalogueRecord(event)).toBe(false);
});

it('validDate: a date, or undefined for text that is none', () => {
  expect(validDate('2026-12-02T10:00:00.000Z')?.toISOString()).toBe('2026-12-02T10:00:00.000Z');
  expect(validDate('')).toBeUndefined();
  expect(validDate('yesterday')).toBeUndefined();
});

it('countLines: the total, then each reason, most frequent first and ties by name', () => {
  expect(countLines('replayed', { unknown_type: 2, invalid_event: 5, future_timestamp: 2 })).toEqual([
    '  replayed            9',
    '    invalid_event     5',
    '    future_timestamp  2',
    '    unknown_type      2',
  ]);
  expect(countLines('skipped', {})).toEqual(['  skipped             0']);
});
