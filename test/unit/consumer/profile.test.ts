/**
 * The profile fold is the heart of the feature store: these tests pin its rules, especially the
 * ones that make the result independent of arrival order (late events, replays across batches).
 */
import {
  addDecayed,
  affinityAt,
  applyEvent,
  DEFAULT_PROFILE_LIMITS,
  emptyProfile,
} from '../../../lambdas/consumer/profile';
import type { CanonicalEvent } from '../../../lambdas/shared/events';
import { type Profile, profileKeyOf } from '../../../lambdas/shared/profile-record';
import { at, event } from '../../support/events';

const fold = (events: CanonicalEvent[], limits = DEFAULT_PROFILE_LIMITS): Profile =>
  events.reduce((p, e) => applyEvent(p, e, limits), emptyProfile('u1'));

describe('applyEvent', () => {
  it('keeps recent interactions most recent first by event time, even when events arrive late', () => {
    const late = event({ type: 'product_view', userId: 'u1', itemId: 'b', occurredAt: at(1) });
    const early = event({ type: 'product_view', userId: 'u1', itemId: 'a', occurredAt: at(5) });
    const profile = fold([early, late]);
    expect(profile.recent.map((r) => r.itemId)).toEqual(['a', 'b']);
  });

  it('bounds recent interactions to the configured limit', () => {
    const events = Array.from({ length: 10 }, (_, i) =>
      event({ type: 'product_view', userId: 'u1', itemId: `i${i}`, occurredAt: at(i) }),
    );
    const profile = fold(events, { ...DEFAULT_PROFILE_LIMITS, recentInteractions: 3 });
    expect(profile.recent.map((r) => r.itemId)).toEqual(['i9', 'i8', 'i7']);
  });

  it('computes the same category affinities whatever the arrival order', () => {
    const events = [
      event({ type: 'product_view', userId: 'u1', itemId: 'a', category: 'books', occurredAt: at(0) }),
      event({
        type: 'add_to_cart',
        userId: 'u1',
        itemId: 'a',
        category: 'books',
        quantity: 1,
        occurredAt: at(30),
      }),
      event({ type: 'product_view', userId: 'u1', itemId: 'b', category: 'books', occurredAt: at(10) }),
    ];
    const halfLife = 60 * 60 * 1000;
    const limits = { ...DEFAULT_PROFILE_LIMITS, halfLifeMs: halfLife };
    const inOrder = fold(events, limits).affinities.books;
    const reversed = fold([...events].reverse(), limits).affinities.books;
    const expected = 1 * 2 ** (-30 / 60) + 3 + 1 * 2 ** (-20 / 60);
    expect(inOrder?.score).toBeCloseTo(expected, 10);
    expect(reversed && affinityAt(reversed, Date.parse(at(30)), halfLife)).toBeCloseTo(expected, 10);
  });

  it('decays an affinity by half after one half-life', () => {
    const a = addDecayed(undefined, 4, 0, 1000);
    expect(affinityAt(a, 1000, 1000)).toBeCloseTo(2, 10);
  });

  it('tracks the cart and clears purchased lines', () => {
    const profile = fold([
      event({ type: 'add_to_cart', userId: 'u1', itemId: 'a', quantity: 2, occurredAt: at(1) }),
      event({ type: 'add_to_cart', userId: 'u1', itemId: 'b', quantity: 1, occurredAt: at(2) }),
      event({ type: 'remove_from_cart', userId: 'u1', itemId: 'a', quantity: 1, occurredAt: at(3) }),
      event({
        type: 'purchase',
        userId: 'u1',
        orderId: 'o1',
        currency: 'EUR',
        lineItems: [{ itemId: 'b', quantity: 1, price: 3 }],
        occurredAt: at(4),
      }),
    ]);
    expect(profile.cart).toEqual({ a: { quantity: 1, at: at(3) } });
    expect(profile.purchased).toEqual([{ itemId: 'b', at: at(4), count: 1, firstAt: at(4) }]);
  });

  it('ignores a cart change that is older than the line it would change', () => {
    const profile = fold([
      event({ type: 'add_to_cart', userId: 'u1', itemId: 'a', quantity: 1, occurredAt: at(5) }),
      event({ type: 'remove_from_cart', userId: 'u1', itemId: 'a', quantity: 1, occurredAt: at(1) }),
    ]);
    expect(profile.cart.a?.quantity).toBe(1);
  });

  it('counts events by type, keeps first and last event time, and sets the TTL from the last event', () => {
    const profile = fold([
      event({ type: 'page_view', userId: 'u1', occurredAt: at(7) }),
      event({ type: 'search', userId: 'u1', query: 'lamp', occurredAt: at(2) }),
      event({ type: 'page_view', userId: 'u1', occurredAt: at(4) }),
    ]);
    expect(profile.counts).toEqual({ page_view: 2, search: 1 });
    expect(profile.firstEventAt).toBe(at(2));
    expect(profile.lastEventAt).toBe(at(7));
    expect(profile.expiresAt).toBe(Date.parse(at(7)) / 1000 + DEFAULT_PROFILE_LIMITS.ttlSeconds);
  });

  it('follows the session: counts events of the current one and ignores late events of an older one', () => {
    const profile = fold([
      event({ type: 'page_view', userId: 'u1', sessionId: 's1', occurredAt: at(1) }),
      event({ type: 'page_view', userId: 'u1', sessionId: 's2', occurredAt: at(10) }),
      event({ type: 'page_view', userId: 'u1', sessionId: 's2', occurredAt: at(12) }),
      event({ type: 'page_view', userId: 'u1', sessionId: 's1', occurredAt: at(2) }),
    ]);
    expect(profile.session).toEqual({ id: 's2', startedAt: at(10), lastAt: at(12), events: 2 });
  });

  it('counts the orders of each item and of the user, with first and latest times, whatever the arrival order', () => {
    const order = (orderId: string, minute: number, items: string[]) =>
      event({
        type: 'purchase',
        userId: 'u1',
        orderId,
        currency: 'EUR',
        lineItems: items.map((itemId) => ({ itemId, quantity: 1, price: 1 })),
        occurredAt: at(minute),
      });
    const events = [order('o2', 20, ['a', 'b', 'a']), order('o1', 10, ['a']), order('o3', 30, ['b'])];
    for (const sequence of [events, [...events].reverse()]) {
      const profile = fold(sequence);
      expect(profile.purchased).toEqual([
        { itemId: 'b', at: at(30), count: 2, firstAt: at(20) },
        { itemId: 'a', at: at(20), count: 2, firstAt: at(10) },
      ]);
      expect(profile.orders).toEqual({ count: 3, firstAt: at(10), lastAt: at(30) });
    }
  });

  it('reads purchases stored before counts were tracked as one order each', () => {
    const old: Profile = { ...emptyProfile('u1'), purchased: [{ itemId: 'a', at: at(1) }] };
    const profile = applyEvent(
      old,
      event({
        type: 'purchase',
        userId: 'u1',
        orderId: 'o9',
        currency: 'EUR',
        lineItems: [{ itemId: 'a', quantity: 1, price: 1 }],
        occurredAt: at(5),
      }),
    );
    expect(profile.purchased).toEqual([{ itemId: 'a', at: at(5), count: 2, firstAt: at(1) }]);
  });

  it('remembers viewed and carted items with counts and latest times, bounded to the most recent', () => {
    const profile = fold(
      [
        event({ type: 'product_view', userId: 'u1', itemId: 'a', occurredAt: at(1) }),
        event({ type: 'product_view', userId: 'u1', itemId: 'a', occurredAt: at(3) }),
        event({ type: 'add_to_cart', userId: 'u1', itemId: 'a', quantity: 1, occurredAt: at(2) }),
        event({ type: 'product_view', userId: 'u1', itemId: 'b', occurredAt: at(4) }),
        event({ type: 'product_view', userId: 'u1', itemId: 'c', occurredAt: at(5) }),
      ],
      { ...DEFAULT_PROFILE_LIMITS, browsedItems: 2 },
    );
    expect(profile.browsed).toEqual({
      c: { views: 1, carts: 0, viewedAt: at(5) },
      b: { views: 1, carts: 0, viewedAt: at(4) },
    });
    expect(fold([event({ type: 'page_view', userId: 'u1', occurredAt: at(1) })]).browsed).toBeUndefined();
    expect(
      fold([
        event({ type: 'product_view', userId: 'u1', itemId: 'a', occurredAt: at(3) }),
        event({ type: 'add_to_cart', userId: 'u1', itemId: 'a', quantity: 1, occurredAt: at(2) }),
      ]).browsed,
    ).toEqual({ a: { views: 1, carts: 1, viewedAt: at(3), cartedAt: at(2) } });
  });

  it('keys anonymous visitors by their anonymous id', () => {
    expect(profileKeyOf({ anonymousId: 'x' })).toBe('anon#x');
    expect(profileKeyOf({ userId: 'u', anonymousId: 'x' })).toBe('u');
  });
});
