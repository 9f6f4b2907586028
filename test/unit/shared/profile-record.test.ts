import {
  type Profile,
  parseProfileRecord,
  parseProfileView,
  profileKeyOf,
} from '../../../lambdas/shared/profile-record';

/** Every field set: `Required` makes a field added to `Profile` without this fixture a compile error. */
const everyField: Required<Profile> = {
  userId: 'u-1',
  version: 7,
  hwm: { 'shardId-000000000000': '4960@1764000000' },
  ledger: new Uint8Array([1, 2, 3, 4]),
  recent: [{ type: 'product_view', itemId: 'A', category: 'mugs', at: '2026-12-01T10:00:00.000Z' }],
  affinities: { mugs: { score: 1.5, at: 1764583200000 } },
  purchased: [{ itemId: 'P', at: '2026-11-30T09:00:00.000Z', count: 3, firstAt: '2026-10-01T09:00:00.000Z' }],
  orders: { count: 4, firstAt: '2026-10-01T09:00:00.000Z', lastAt: '2026-11-30T09:00:00.000Z' },
  browsed: {
    A: { views: 2, carts: 1, viewedAt: '2026-12-01T10:00:00.000Z', cartedAt: '2026-12-01T10:01:00.000Z' },
  },
  cart: { A: { quantity: 1, at: '2026-12-01T10:01:00.000Z' } },
  session: {
    id: 's-1',
    startedAt: '2026-12-01T09:55:00.000Z',
    lastAt: '2026-12-01T10:01:00.000Z',
    events: 5,
  },
  counts: { product_view: 2, add_to_cart: 1, purchase: 4 },
  firstEventAt: '2026-10-01T09:00:00.000Z',
  lastEventAt: '2026-12-01T10:01:00.000Z',
  lastReceivedAt: '2026-12-01T10:01:01.000Z',
  expiresAt: 1798000000,
  linkedTo: 'u-9',
  linkedAnonymous: ['visitor-1'],
};

describe('the stored profile record', () => {
  it('reads back every field the consumer writes, unchanged', () => {
    expect(parseProfileRecord(structuredClone(everyField))).toEqual(everyField);
  });

  it('reads an item written before the newer collections existed, with them empty', () => {
    const old = { userId: 'u-2', version: 1, hwm: {}, recent: [], purchased: [], counts: { page_view: 1 } };
    const profile = parseProfileRecord(old);
    expect(profile.cart).toEqual({});
    expect(profile.affinities).toEqual({});
    expect(profile.orders).toBeUndefined();
    expect(profile.browsed).toBeUndefined();
  });

  it('names the field of a stored item that does not match, instead of passing it on', () => {
    const broken = { ...structuredClone(everyField), purchased: [{ itemId: 'P', at: 42 }] };
    expect(() => parseProfileRecord(broken)).toThrow(/stored profile u-1 .*purchased\.0\.at/);
    expect(() =>
      parseProfileView({ ...everyField, recent: [{ type: 'teleport', itemId: 'A', at: 'x' }] }),
    ).toThrow(/recent\.0\.type/);
  });

  it('gives scoring only the part it reads', () => {
    const view = parseProfileView(structuredClone(everyField));
    expect(Object.keys(view).sort()).toEqual(
      [
        'affinities',
        'browsed',
        'cart',
        'linkedTo',
        'orders',
        'purchased',
        'recent',
        'session',
        'userId',
      ].sort(),
    );
  });
});

describe('profile keys', () => {
  it('keys a user by the user id and a visitor by the reserved anonymous prefix', () => {
    expect(profileKeyOf({ userId: 'u-1', anonymousId: 'a-1' })).toBe('u-1');
    expect(profileKeyOf({ anonymousId: 'a-1' })).toBe('anon#a-1');
    expect(() => profileKeyOf({})).toThrow(/neither userId nor anonymousId/);
  });
});
