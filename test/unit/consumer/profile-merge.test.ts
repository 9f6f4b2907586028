/**
 * The pure merge of an anonymous visitor's profile into the linked user's profile (profile-merge.ts): it must
 * equal folding the visitor's events into the user's profile, whatever the order, and happen once.
 */
import { applyEvent, DEFAULT_PROFILE_LIMITS, emptyProfile } from '../../../lambdas/consumer/profile';
import { awaitsMerge, mergeAnonymousProfile } from '../../../lambdas/consumer/profile-merge';
import type { CanonicalEvent } from '../../../lambdas/shared/events';
import type { Profile } from '../../../lambdas/shared/profile-record';
import { at, event } from '../../support/events';

const limits = DEFAULT_PROFILE_LIMITS;
const fold = (start: Profile, events: readonly CanonicalEvent[]) =>
  events.reduce((p, e) => applyEvent(p, e, limits), start);

const anonymousEvents = [
  event({ type: 'product_view', anonymousId: 'v1', itemId: 'lamp', category: 'lighting', occurredAt: at(1) }),
  event({ type: 'product_view', anonymousId: 'v1', itemId: 'lamp', category: 'lighting', occurredAt: at(2) }),
  event({
    type: 'add_to_cart',
    anonymousId: 'v1',
    itemId: 'bulb',
    category: 'lighting',
    quantity: 2,
    occurredAt: at(3),
  }),
  event({
    type: 'purchase',
    anonymousId: 'v1',
    orderId: 'o-1',
    currency: 'EUR',
    lineItems: [{ itemId: 'mug', category: 'kitchen', quantity: 1, price: 8 }],
    occurredAt: at(4),
  }),
];
const userEvents = [
  event({ type: 'product_view', userId: 'u1', itemId: 'lamp', category: 'lighting', occurredAt: at(5) }),
  event({
    type: 'add_to_cart',
    userId: 'u1',
    itemId: 'bulb',
    category: 'lighting',
    quantity: 1,
    occurredAt: at(0),
  }),
  event({
    type: 'purchase',
    userId: 'u1',
    orderId: 'o-2',
    currency: 'EUR',
    lineItems: [{ itemId: 'mug', category: 'kitchen', quantity: 1, price: 8 }],
    occurredAt: at(6),
  }),
];

const anonymous: Profile = { ...fold(emptyProfile('anon#v1'), anonymousEvents), linkedTo: 'u1' };
const user = fold(emptyProfile('u1'), userEvents);

describe('mergeAnonymousProfile', () => {
  it('gives what folding the visitor’s events into the user’s profile gives', () => {
    const merged = mergeAnonymousProfile(user, 'v1', anonymous, limits);
    const folded = fold(user, anonymousEvents);
    for (const field of [
      'counts',
      'browsed',
      'purchased',
      'orders',
      'cart',
      'firstEventAt',
      'lastEventAt',
    ] as const)
      expect(merged[field]).toEqual(folded[field]);
    expect(merged.recent).toEqual(folded.recent);
    for (const [category, affinity] of Object.entries(folded.affinities)) {
      expect(merged.affinities[category]?.at).toBe(affinity.at);
      expect(merged.affinities[category]?.score).toBeCloseTo(affinity.score, 10);
    }
    expect(merged.browsed?.lamp).toEqual({ views: 3, carts: 0, viewedAt: at(5) });
    expect(merged.purchased).toEqual([{ itemId: 'mug', at: at(6), count: 2, firstAt: at(4) }]);
    // The visitor's cart joins the account's.
    expect(merged.cart.bulb).toEqual({ quantity: 3, at: at(3) });
  });

  it('does not depend on whether the user’s events came before or after the merge', () => {
    const mergedFirst = fold(mergeAnonymousProfile(emptyProfile('u1'), 'v1', anonymous, limits), userEvents);
    const mergedLast = mergeAnonymousProfile(user, 'v1', anonymous, limits);
    // Not the cart: the fold itself ignores a cart change older than the line's last one (profile.ts).
    for (const field of ['counts', 'browsed', 'purchased', 'orders', 'recent'] as const)
      expect(mergedFirst[field]).toEqual(mergedLast[field]);
  });

  it('records the visitor as merged, so the merge is never applied twice', () => {
    expect(awaitsMerge(user, 'v1', anonymous)).toBe(true);
    const merged = mergeAnonymousProfile(user, 'v1', anonymous, limits);
    expect(merged.linkedAnonymous).toEqual(['v1']);
    expect(awaitsMerge(merged, 'v1', anonymous)).toBe(false);
  });

  it('merges only a visitor linked to this very user', () => {
    expect(awaitsMerge(user, 'v1', { ...anonymous, linkedTo: 'someone-else' })).toBe(false);
    expect(awaitsMerge(user, 'v1', { ...anonymous, linkedTo: undefined })).toBe(false);
  });

  it('keeps the user’s own watermarks and event ledger', () => {
    const withState: Profile = { ...user, hwm: { s: '1@1' }, ledger: new Uint8Array([1]) };
    const merged = mergeAnonymousProfile(withState, 'v1', { ...anonymous, hwm: { t: '9@9' } }, limits);
    expect(merged.hwm).toEqual({ s: '1@1' });
    expect(merged.ledger).toEqual(new Uint8Array([1]));
  });
});
