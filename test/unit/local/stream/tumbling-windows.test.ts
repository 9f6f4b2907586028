/**
 * The tumbling windows of the local event source mapping (local/stream/tumbling-windows.ts): windows are
 * aligned to their length on arrival time, a batch never spans two, a window is due at its end, at a
 * record of a later window or when the shard ends, and a checkpointed window is resumed with its state.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KinesisStreamRecord } from 'aws-lambda';
import { CheckpointStore } from '../../../../local/stream/checkpoints';
import { TumblingWindows } from '../../../../local/stream/tumbling-windows';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function store(): CheckpointStore {
  const dir = mkdtempSync(join(tmpdir(), 'windows-'));
  dirs.push(dir);
  return new CheckpointStore(dir, 'Mapping');
}

/** A record that arrived at epoch ms `at` (only the arrival time matters to windows). */
const arrived = (at: number) =>
  ({ kinesis: { approximateArrivalTimestamp: at / 1000 } }) as KinesisStreamRecord;

const MINUTE = 60_000;
const T = 1_700_000_080_000; // 40 s into a minute

test('a window is aligned to its length, and a batch takes only the records of the first window', () => {
  const windows = new TumblingWindows(60, store());
  const buffer = [arrived(T), arrived(T + 10_000), arrived(T + 20_000), arrived(T + 30_000)];
  // T + 20 s is the next minute: the batch stops before it.
  expect(windows.sameWindowCount(buffer, 10)).toBe(2);
  expect(windows.sameWindowCount(buffer, 1)).toBe(1);
  windows.openFor('shard-0', buffer[0] as KinesisStreamRecord);
  const open = windows.get('shard-0');
  expect(open).toEqual({ start: T - 40_000, end: T + 20_000, state: {} });
  // A second openFor keeps the window (and its state) that is open.
  (open as { state: Record<string, unknown> }).state = { n: 1 };
  windows.openFor('shard-0', arrived(T + 25_000));
  expect(windows.get('shard-0')?.state).toEqual({ n: 1 });
});

test('an open window is due at its end, at a record of a later window, or when the shard ends', () => {
  const windows = new TumblingWindows(60, store());
  windows.openFor('shard-0', arrived(T));
  const end = T + 20_000;
  expect(windows.due('shard-0', arrived(T + 5_000), end - 1, false)).toBeUndefined();
  expect(windows.due('shard-0', undefined, end, false)?.end).toBe(end);
  expect(windows.due('shard-0', arrived(end), end - 1, false)?.end).toBe(end);
  expect(windows.due('shard-0', undefined, end - 1, true)?.end).toBe(end);
  expect(windows.due('shard-1', undefined, end + MINUTE, true)).toBeUndefined();
  windows.close('shard-0');
  expect(windows.size).toBe(0);
});

test('without a window length every buffered record fits one batch and no window opens', () => {
  const windows = new TumblingWindows(undefined, store());
  const buffer = [arrived(T), arrived(T + MINUTE), arrived(T + 2 * MINUTE)];
  expect(windows.sameWindowCount(buffer, 10)).toBe(3);
  windows.openFor('shard-0', buffer[0] as KinesisStreamRecord);
  expect(windows.size).toBe(0);
});

test("a shard's checkpointed window is resumed once, with a copy of its state", () => {
  const checkpoints = store();
  const saved = { start: T - 40_000, end: T + 20_000, state: { counts: { 'item-1': 2 } } };
  checkpoints.write('shard-0', { sequenceNumber: '1001', window: saved });
  const windows = new TumblingWindows(60, checkpoints);
  windows.restore('shard-0');
  expect(windows.get('shard-0')).toEqual(saved);
  (windows.get('shard-0') as { state: Record<string, unknown> }).state.extra = true;
  expect(saved.state).not.toHaveProperty('extra');
  // Restored on the first read only: a window closed since is not brought back.
  windows.close('shard-0');
  windows.restore('shard-0');
  expect(windows.get('shard-0')).toBeUndefined();
  // With windows off, a saved window is ignored.
  const off = new TumblingWindows(0, checkpoints);
  off.restore('shard-0');
  expect(off.size).toBe(0);
});
