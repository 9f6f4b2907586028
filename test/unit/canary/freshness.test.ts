/** The canary's measurement with a fake clock: what it sends, when it stops, what it publishes. */

import {
  type CanaryEvent,
  type CanaryPorts,
  canaryEvent,
  measureFreshness,
} from '../../../lambdas/canary/freshness';
import { publish } from '../../../lambdas/canary/handler';

function fakePorts(visibleAfterMs: number, overrides: Partial<CanaryPorts> = {}) {
  let clock = 1_000_000;
  const sent: CanaryEvent[] = [];
  const ports: CanaryPorts = {
    send: async (e) => {
      sent.push(e);
      clock += 30; // the API call itself
    },
    profileHasEvent: async (_user, eventId) =>
      clock - 1_000_000 >= visibleAfterMs && eventId === sent[0]?.eventId,
    now: () => clock,
    sleep: async (ms) => {
      clock += ms;
    },
    ...overrides,
  };
  return { ports, sent };
}

it('builds a canary event under the reserved user prefix', () => {
  expect(canaryEvent('eu-west-1', new Date('2026-11-26T10:00:00Z'), 'abc')).toEqual({
    type: 'product_view',
    eventId: 'canary-abc',
    userId: 'canary#eu-west-1',
    itemId: 'canary#item',
    occurredAt: '2026-11-26T10:00:00.000Z',
  });
});

it('measures from sending to the first poll that sees the event in the profile', async () => {
  const { ports, sent } = fakePorts(1_250);
  const result = await measureFreshness(ports, { name: 'x', pollIntervalMs: 200 });
  expect(sent).toHaveLength(1);
  // 30 ms send, then polls at 30, 230, ..., 1230, 1430: first >= 1250 is 1430.
  expect(result).toEqual({
    ok: true,
    userId: 'canary#x',
    eventId: sent[0]?.eventId,
    profileVisibleMs: 1_430,
  });
});

it('fails with the reason when the event is not visible in time, or refused', async () => {
  const late = await measureFreshness(fakePorts(60_000).ports, {
    name: 'x',
    timeoutMs: 1_000,
    pollIntervalMs: 250,
  });
  expect(late).toMatchObject({ ok: false, error: 'not visible in the profile after 1000 ms' });
  expect(late.profileVisibleMs).toBeUndefined();
  const refused = await measureFreshness(
    fakePorts(0, { send: () => Promise.reject(new Error('HTTP 403: denied')) }).ports,
    { name: 'x' },
  );
  expect(refused).toMatchObject({ ok: false, error: 'ingest refused the canary event: HTTP 403: denied' });
});

it('also waits for the recommendation API when it is checked', async () => {
  let calls = 0;
  const { ports } = fakePorts(0, { recommendationsReflect: async () => ++calls >= 3 });
  expect(await measureFreshness(ports, { name: 'x', pollIntervalMs: 100 })).toMatchObject({
    ok: true,
    profileVisibleMs: 30,
    recommendationVisibleMs: 230,
  });
});

it('publishes the freshness in ms and a failure count', () => {
  const added: Array<[string, string, number]> = [];
  const sink = { addMetric: (name: string, unit: string, value: number) => added.push([name, unit, value]) };
  publish({ ok: true, userId: 'u', eventId: 'e', profileVisibleMs: 812 }, sink as never);
  publish({ ok: false, userId: 'u', eventId: 'e', error: 'late' }, sink as never);
  expect(added).toEqual([
    ['CanaryProfileFreshness', 'Milliseconds', 812],
    ['CanaryFailures', 'Count', 0],
    ['CanaryFailures', 'Count', 1],
  ]);
});
