/**
 * The protocols' splits on synthetic events: who is held out, what the batch jobs may see, what the
 * profile holds, and the leakage rule: nothing at or after a held-out order's time reaches its profile,
 * and nothing after the cut-off reaches nextPurchase's batch jobs.
 */
import { build } from '../../../evaluation/dataset';
import { profileBefore } from '../../../evaluation/profiles';
import {
  leaveLastOrderOut,
  nextPurchase,
  VALIDATION_ORIGINS,
  validationSplits,
} from '../../../evaluation/protocols';
import type { CanonicalEvent } from '../../../lambdas/shared/events';

const day = (d: number, hour = 10) => new Date(Date.UTC(2011, 9, d, hour)).toISOString();
let n = 0;
function order(userId: string, orderId: string, at: string, items: string[]): CanonicalEvent {
  return {
    schemaVersion: 1,
    type: 'purchase',
    eventId: `e${++n}`,
    userId,
    orderId,
    currency: 'GBP',
    lineItems: items.map((itemId) => ({ itemId, quantity: 1, price: 1 })),
    occurredAt: at,
    receivedAt: at,
  };
}
function view(userId: string, itemId: string, at: string): CanonicalEvent {
  return {
    schemaVersion: 1,
    type: 'product_view',
    eventId: `e${++n}`,
    userId,
    itemId,
    occurredAt: at,
    receivedAt: at,
  };
}
const events = (list: CanonicalEvent[]) => build('test', list, {}).events;

describe('leaveLastOrderOut', () => {
  const data = events([
    order('u1', 'o1', day(1), ['a', 'b']),
    order('u1', 'o2', day(3), ['a']),
    view('u1', 'z', day(5)),
    order('u1', 'o3', day(5, 12), ['b', 'c']),
    view('u1', 'late', day(6)),
    order('u2', 'o4', day(2), ['a']),
    order('u3', 'o5', day(4), ['x']),
    order('u3', 'o6', day(4), ['y']),
  ]);
  const split = leaveLastOrderOut(data);

  it('holds out the last order of every user with two or more orders and earlier history', () => {
    // u3's two orders are at the same instant: the held-out one (o6, the larger id) has no earlier history.
    expect(split.cases.map((c) => [c.userKey, c.orderId, [...c.items].sort()])).toEqual([
      ['u1', 'o3', ['b', 'c']],
    ]);
    const u1 = split.cases[0];
    expect(u1?.history.map((e) => e.eventId)).toEqual(
      data.filter((e) => e.userId === 'u1' && e.occurredAt < day(5, 12)).map((e) => e.eventId),
    );
    expect([...(u1?.interacted ?? [])].sort()).toEqual(['a', 'b', 'z']);
  });

  it('keeps the held-out user’s order and everything after it out of the batch jobs, and everyone else in', () => {
    const ids = new Set(split.batch.map((e) => e.eventId));
    for (const e of data) {
      const hidden = e.userId === 'u1' && e.occurredAt >= day(5, 12);
      expect([e.eventId, ids.has(e.eventId)]).toEqual([e.eventId, !hidden]);
    }
  });

  it('validation: the same protocol on the training events only', () => {
    const [validation, ...more] = validationSplits(split);
    expect(more).toEqual([]);
    expect(validation?.cases.map((c) => [c.userKey, c.orderId])).toEqual([['u1', 'o2']]);
    const trainIds = new Set(split.batch.map((e) => e.eventId));
    for (const e of validation?.batch ?? []) expect(trainIds.has(e.eventId)).toBe(true);
    expect(validation?.batch.some((e) => e.type === 'purchase' && e.orderId === 'o3')).toBe(false);
  });
});

describe('nextPurchase', () => {
  const data = events([
    order('u1', 'o1', day(1), ['a']),
    view('u1', 'b', day(9, 9)),
    order('u1', 'o2', day(9, 10), ['b']),
    order('u1', 'o3', day(10), ['c']),
    view('u2', 'p', day(9, 8)),
    order('u2', 'o4', day(9, 9), ['p', 'q']),
    order('u3', 'o5', day(10), ['r']),
    order('u4', 'o6', day(2), ['a']),
  ]);
  // Last event: day 10 10:00; default cut-off two days before.
  const split = nextPurchase(data);

  it('cuts two days before the last event by default, or where told', () => {
    expect(split.cutoff).toBe(day(8).replace('.000Z', 'Z'));
    // u2's only order (09:00) is before this cut-off: nothing of theirs is held out.
    expect(nextPurchase(data, '2011-10-09T09:30:00Z').cases.map((c) => c.orderId)).toEqual(['o2']);
    expect(() => nextPurchase(data, 'yesterday')).toThrow(/--cutoff must be an ISO-8601 instant/);
  });

  it("holds out each user's first purchase after the cut-off when they have earlier history", () => {
    // u1: o2 (not o3); u2: o4, whose only history is a view after the cut-off; u3: nothing before o5.
    expect(split.cases.map((c) => [c.userKey, c.orderId])).toEqual([
      ['u1', 'o2'],
      ['u2', 'o4'],
    ]);
    const u2 = split.cases[1];
    expect(u2?.history.map((e) => e.type)).toEqual(['product_view']);
  });

  it('gives the batch jobs only what happened before the cut-off', () => {
    expect(split.batch.map((e) => (e.type === 'purchase' ? e.orderId : e.type))).toEqual(['o1', 'o6']);
  });

  it('leaks nothing: the profile holds only what happened before the held-out order', () => {
    for (const s of [split, leaveLastOrderOut(data)]) {
      for (const c of s.cases) {
        const profile = profileBefore(c);
        const latest = [profile.lastEventAt, ...profile.purchased.map((p) => p.at)].filter(
          (x): x is string => x !== undefined,
        );
        for (const at of latest) expect(Date.parse(at)).toBeLessThan(Date.parse(c.at));
        for (const item of c.items) {
          if (!c.interacted.has(item)) expect(profile.purchased.some((p) => p.itemId === item)).toBe(false);
        }
      }
      if (s.cutoff)
        for (const e of s.batch) expect(Date.parse(e.occurredAt)).toBeLessThan(Date.parse(s.cutoff));
    }
    // The real-time part: u1's view of b on the day of the order is in the profile, not in the batch.
    const u1 = profileBefore(split.cases[0] as (typeof split.cases)[number]);
    expect(u1.browsed?.b?.views).toBe(1);
  });

  it('validation: an origin without a held-out order is left out', () => {
    // Two days before the cut-off (day 6 10:00) to the cut-off, nobody orders here.
    expect(validationSplits(split, 1)).toEqual([]);
  });
});

describe('nextPurchase validation at rolling origins', () => {
  // Three users ordering every day of October 1-20 (v3 also views the item the hour before); the real
  // cut-off is two days before the last event (day 20 11:00): day 18 11:00.
  const list: CanonicalEvent[] = [];
  for (let d = 1; d <= 20; d++) {
    list.push(order('v1', `p1-${d}`, day(d, 10), [`i${d % 4}`]));
    list.push(order('v2', `p2-${d}`, day(d, 11), [`i${d % 3}`, 'j']));
    list.push(view('v3', `k${d}`, day(d, 8)));
    list.push(order('v3', `p3-${d}`, day(d, 9), [`k${d}`]));
  }
  const data = events(list);
  const split = nextPurchase(data);
  const cutoff = Date.parse(split.cutoff as string);
  const origins = validationSplits(split, 4);

  it('cuts one horizon apart before the real cut-off, each origin holding out first orders after its own', () => {
    const iso = (d: number) => day(d, 11).replace('.000Z', 'Z');
    expect(split.cutoff).toBe(iso(18));
    expect(origins.map((o) => o.cutoff)).toEqual([iso(16), iso(14), iso(12), iso(10)]);
    // Day 16 11:00 is the first origin's cut-off: v2's order of that instant is the first at or after it;
    // v1 and v3 order next at 10:00 and 09:00 on day 17.
    expect(origins[0]?.cases.map((c) => [c.userKey, c.orderId])).toEqual([
      ['v1', 'p1-17'],
      ['v2', 'p2-16'],
      ['v3', 'p3-17'],
    ]);
    expect(VALIDATION_ORIGINS).toBeGreaterThan(1);
  });

  it('holds out no validation order at or after the real cut-off, nor after its own origin’s horizon', () => {
    for (const [j, origin] of origins.entries()) {
      const own = Date.parse(origin.cutoff as string);
      for (const c of origin.cases) {
        const at = Date.parse(c.at);
        expect(at).toBeLessThan(cutoff);
        expect(at).toBeGreaterThanOrEqual(own);
        expect(at).toBeLessThan(cutoff - j * 2 * 86_400_000);
      }
    }
  });

  it("gives each origin's batch jobs only training events before its own cut-off", () => {
    const trainIds = new Set(split.batch.map((e) => e.eventId));
    for (const origin of origins) {
      expect(origin.batch.length).toBeGreaterThan(0);
      for (const e of origin.batch) {
        expect(trainIds.has(e.eventId)).toBe(true);
        expect(Date.parse(e.occurredAt)).toBeLessThan(Date.parse(origin.cutoff as string));
      }
      expect(origin.batchAsOf).toBe(origin.cutoff);
    }
  });

  it("keeps every validation user's profile to events before that order", () => {
    for (const origin of origins)
      for (const c of origin.cases) {
        for (const e of c.history) expect(Date.parse(e.occurredAt)).toBeLessThan(Date.parse(c.at));
        const profile = profileBefore(c);
        const times = [profile.lastEventAt, ...profile.purchased.map((p) => p.at)];
        for (const at of times.filter((x): x is string => x !== undefined))
          expect(Date.parse(at)).toBeLessThan(Date.parse(c.at));
        expect(profile.purchased.some((p) => c.items.has(p.itemId) && !c.interacted.has(p.itemId))).toBe(
          false,
        );
      }
    // The real-time part at an origin too: v3's view an hour before the held-out order is in the profile.
    const v3 = origins[0]?.cases.find((c) => c.userKey === 'v3');
    expect(v3 && profileBefore(v3).browsed?.k17?.views).toBe(1);
  });

  it('leaves out origins with no held-out order', () => {
    // Origin 9 (cut-off September 30 11:00) still holds out v3's first order, after the view an hour
    // before it; origins 10 and beyond see no events at all.
    const all = validationSplits(split, 12);
    expect(all).toHaveLength(9);
    expect(all[8]?.cases.map((c) => c.orderId)).toEqual(['p3-1']);
  });
});
