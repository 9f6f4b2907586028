/** The canary's measurement with a fake clock: what it sends, when it stops, what it publishes. */

import {
  answerReflectsView,
  type CanaryEvent,
  type CanaryPorts,
  canaryEvent,
  measureFreshness,
} from '../../../lambdas/canary/freshness';
import { publish } from '../../../lambdas/canary/handler';
import { recommendationCountsByVariant } from '../../../lambdas/consumer/ctr-counts';
import { contributionsOf } from '../../../lambdas/consumer/item-stats';
import { impressionEvent } from '../../../lambdas/recommend/impression';

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
  return { ports, sent, elapsed: () => clock - 1_000_000 };
}

it('builds a canary event for a new canary user per run, viewing the placeholder or the picked item', () => {
  expect(canaryEvent('eu-west-1', new Date('2026-11-26T10:00:00Z'), '0123456789abcdef')).toEqual({
    type: 'product_view',
    eventId: 'canary-0123456789abcdef',
    userId: 'canary#eu-west-1#01234567',
    itemId: 'canary#item',
    occurredAt: '2026-11-26T10:00:00.000Z',
  });
  expect(canaryEvent('x', new Date(0), 'abc', 'item-42')).toMatchObject({
    userId: 'canary#x#abc',
    itemId: 'item-42',
  });
});

it('measures from sending to the first poll that sees the event in the profile', async () => {
  const { ports, sent } = fakePorts(1_250);
  const result = await measureFreshness(ports, { name: 'x', pollIntervalMs: 200 });
  expect(sent).toHaveLength(1);
  // 30 ms send, then polls at 30, 230, ..., 1230, 1430: first >= 1250 is 1430.
  expect(result).toEqual({
    ok: true,
    userId: sent[0]?.userId,
    eventId: sent[0]?.eventId,
    itemId: 'canary#item',
    profileVisibleMs: 1_430,
  });
  expect(sent[0]?.userId).toMatch(/^canary#x#[0-9a-f]{8}$/);
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

describe('the recommendation API check', () => {
  it('views the picked item and measures until the API reflects it (the 3rd poll)', async () => {
    const asked: Array<[string, string]> = [];
    let pickedAt = -1;
    const { ports, sent } = fakePorts(0, {
      pickItem: async () => {
        pickedAt = asked.length;
        return 'item-7';
      },
      recommendationsReflect: async (userId, event) => {
        asked.push([userId, event.itemId]);
        return asked.length >= 3;
      },
    });
    const result = await measureFreshness(ports, { name: 'x', pollIntervalMs: 100 });
    expect(pickedAt).toBe(0);
    expect(sent[0]?.itemId).toBe('item-7');
    expect(asked).toEqual([0, 1, 2].map(() => [sent[0]?.userId, 'item-7']));
    expect(result).toEqual({
      ok: true,
      userId: sent[0]?.userId,
      eventId: sent[0]?.eventId,
      itemId: 'item-7',
      profileVisibleMs: 30,
      recommendationVisibleMs: 230,
    });
  });

  it('skips it, and stays ok, while nothing is published', async () => {
    let asked = 0;
    const { ports, sent } = fakePorts(0, {
      pickItem: async () => undefined,
      recommendationsReflect: async () => {
        asked++;
        return true;
      },
    });
    const result = await measureFreshness(ports, { name: 'x' });
    expect(asked).toBe(0);
    expect(sent[0]?.itemId).toBe('canary#item');
    expect(result).toMatchObject({
      ok: true,
      itemId: 'canary#item',
      profileVisibleMs: 30,
      recommendationSkipped: 'no published item with neighbours yet',
    });
    expect(result.recommendationVisibleMs).toBeUndefined();
    expect(result.error).toBeUndefined();
  });

  it('fails with a specific message when the API never reflects the view, keeping the profile figure', async () => {
    const { ports, elapsed } = fakePorts(0, {
      pickItem: async () => 'item-7',
      recommendationsReflect: async () => false,
    });
    const result = await measureFreshness(ports, { name: 'x', timeoutMs: 2_000, pollIntervalMs: 500 });
    expect(result).toMatchObject({
      ok: false,
      profileVisibleMs: 30,
      error: 'not visible in the recommendation API after 2000 ms',
    });
    expect(result.recommendationVisibleMs).toBeUndefined();
    expect(elapsed()).toBe(2_030);
  });

  it('reports an API error or a failed pick as a failure, after measuring the profile', async () => {
    const broken = await measureFreshness(
      fakePorts(0, {
        pickItem: async () => 'item-7',
        recommendationsReflect: () => Promise.reject(new Error('HTTP 500: boom')),
      }).ports,
      { name: 'x' },
    );
    expect(broken).toMatchObject({
      ok: false,
      profileVisibleMs: 30,
      error: 'recommendation API check failed: HTTP 500: boom',
    });
    const { ports, sent } = fakePorts(0, {
      pickItem: () => Promise.reject(new Error('HTTP 403: Forbidden')),
      recommendationsReflect: async () => true,
    });
    expect(await measureFreshness(ports, { name: 'x' })).toMatchObject({
      ok: false,
      itemId: 'canary#item',
      profileVisibleMs: 30,
      error: 'could not pick an item for the recommendation check: HTTP 403: Forbidden',
    });
    expect(sent).toHaveLength(1);
  });
});

it('recognises an answer that recommends something because of the viewed item, exactly', () => {
  const items = [
    { itemId: 'a', reason: 'popular' },
    { itemId: 'b', reason: 'because you viewed item-42' },
  ];
  expect(answerReflectsView(items, 'item-42')).toBe(true);
  expect(answerReflectsView(items, 'item-4')).toBe(false);
  expect(answerReflectsView([{ itemId: 'c', reason: 'because you bought item-42' }], 'item-42')).toBe(false);
  expect(answerReflectsView([], 'item-42')).toBe(false);
});

it('publishes the freshness figures in ms and a failure count', () => {
  const added: Array<[string, string, number]> = [];
  const sink = { addMetric: (name: string, unit: string, value: number) => added.push([name, unit, value]) };
  const base = { userId: 'u', eventId: 'e', itemId: 'i' };
  publish({ ...base, ok: true, profileVisibleMs: 812, recommendationVisibleMs: 1_015 }, sink as never);
  publish({ ...base, ok: true, profileVisibleMs: 640, recommendationSkipped: 'nothing' }, sink as never);
  publish({ ...base, ok: false, error: 'late' }, sink as never);
  expect(added).toEqual([
    ['CanaryProfileFreshness', 'Milliseconds', 812],
    ['CanaryRecommendationFreshness', 'Milliseconds', 1_015],
    ['CanaryFailures', 'Count', 0],
    ['CanaryProfileFreshness', 'Milliseconds', 640],
    ['CanaryFailures', 'Count', 0],
    ['CanaryFailures', 'Count', 1],
  ]);
});

it("keeps the recommendation API's impressions for a canary user out of CTR counts and item statistics", () => {
  const canaryUser = canaryEvent('x', new Date(0), '0123456789').userId;
  const impression = (userId: string) =>
    impressionEvent({
      userId,
      recommendationId: '6f0b4c1e-8a57-4f1e-9d4b-0c2a4d1f7e11',
      itemIds: ['item-9', 'item-8'],
      variant: 'control',
      at: '2026-11-26T10:00:00.000Z',
    });
  expect(recommendationCountsByVariant([impression(canaryUser)])).toEqual(new Map());
  expect(contributionsOf(impression(canaryUser))).toEqual([]);
  // The same answer for a real user does count, so the two assertions above can fail.
  expect(recommendationCountsByVariant([impression('user-1')]).get('control')).toEqual({
    impressions: 1,
    clicks: 0,
  });
  expect(contributionsOf(impression('user-1')).length).toBeGreaterThan(0);
});
