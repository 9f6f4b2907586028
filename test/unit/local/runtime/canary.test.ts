/**
 * The freshness canary on the local runtime (local/runtime/canary.ts), on jest's fake clock with the
 * measurement mocked (measuring is lambdas/canary's, tested there): the first run comes 5 s after the start and
 * then one per interval, each result is kept for /local/health, the recommendation API is measured only with
 * an API key, a failed or crashed run is logged and keeps the last result, and after stop() nothing runs.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type CanaryResult, measureFreshness } from '../../../../lambdas/canary/freshness';
import { startLocalCanary } from '../../../../local/runtime/canary';

jest.mock('../../../../lambdas/canary/freshness', () => ({ measureFreshness: jest.fn() }));
const measure = jest.mocked(measureFreshness);

const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const START = new Date('2026-12-03T12:00:00.000Z');
const ok: CanaryResult = {
  ok: true,
  userId: 'canary#local#1',
  eventId: 'e1',
  itemId: 'item-1',
  profileVisibleMs: 120,
  recommendationVisibleMs: 900,
};

beforeEach(() => {
  jest.useFakeTimers({ now: START });
  measure.mockReset();
});
afterEach(() => jest.useRealTimers());

const start = (options: { apiKey?: string; log?: (message: string) => void } = {}) =>
  startLocalCanary({
    apiUrl: 'http://127.0.0.1:3000',
    writeKey: 'wk',
    dynamo,
    profilesTable: 'Profiles',
    intervalMs: 60_000,
    ...options,
  });

it('runs 5 s after the start, then once per interval, keeping the last result', async () => {
  measure.mockResolvedValue(ok);
  const canary = start({ apiKey: 'ak' });
  await jest.advanceTimersByTimeAsync(4_999);
  expect([measure.mock.calls.length, canary.last()]).toEqual([0, undefined]);
  await jest.advanceTimersByTimeAsync(1);
  expect(measure).toHaveBeenCalledTimes(1);
  expect(canary.last()).toEqual({
    lastRunAt: '2026-12-03T12:00:05.000Z',
    profileVisibleMs: 120,
    recommendationVisibleMs: 900,
    recommendationSkipped: undefined,
    itemId: 'item-1',
    ok: true,
    error: undefined,
  });
  await jest.advanceTimersByTimeAsync(55_000);
  expect(measure).toHaveBeenCalledTimes(2);
  await canary.stop();
});

it('gives up before the next run, under its name, and measures recommendations only with an API key', async () => {
  measure.mockResolvedValue(ok);
  const withKey = start({ apiKey: 'ak' });
  await jest.advanceTimersByTimeAsync(5_000);
  await withKey.stop();
  const withoutKey = start();
  await jest.advanceTimersByTimeAsync(5_000);
  await withoutKey.stop();
  const [[portsWithKey, options], [portsWithout]] = measure.mock.calls as Array<
    Parameters<typeof measureFreshness>
  >;
  expect(options).toEqual({ name: 'local', timeoutMs: 45_000 });
  expect([typeof portsWithKey.pickItem, typeof portsWithKey.recommendationsReflect]).toEqual([
    'function',
    'function',
  ]);
  expect([portsWithout.pickItem, portsWithout.recommendationsReflect]).toEqual([undefined, undefined]);
});

it('logs a failed run and a crashed one; the crash keeps the last result', async () => {
  const log = jest.fn();
  measure
    .mockResolvedValueOnce({ ...ok, ok: false, error: 'profile not updated within 45000 ms' })
    .mockRejectedValueOnce(new Error('connection refused'));
  const canary = start({ log });
  await jest.advanceTimersByTimeAsync(5_000);
  expect(canary.last()?.ok).toBe(false);
  await jest.advanceTimersByTimeAsync(55_000);
  expect(log.mock.calls).toEqual([
    ['freshness canary: profile not updated within 45000 ms'],
    ['freshness canary failed: Error: connection refused'],
  ]);
  expect(canary.last()?.error).toBe('profile not updated within 45000 ms');
  await canary.stop();
});

it('runs no more after stop()', async () => {
  measure.mockResolvedValue(ok);
  const canary = start();
  await canary.stop();
  await jest.advanceTimersByTimeAsync(300_000);
  expect(measure).not.toHaveBeenCalled();
  expect(canary.last()).toBeUndefined();
});
