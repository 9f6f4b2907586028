/**
 * Traffic simulator: the benchmarks and the live demo depend on it being deterministic (same seed, same
 * events), exact in count, and realistic enough to exercise the pipeline: Zipf-skewed item popularity, users
 * who mostly browse their preferred categories, a view > cart > purchase funnel, and events that the real
 * ingest contract (normalizeEvent) accepts as they are.
 */
import { normalizeEvent } from '../../../../lambdas/shared/events';
import { type SimEvent, type SimEventType, TrafficSimulator } from '../../../../local/traffic/simulator';

const START = '2025-03-01T12:00:00.000Z';
const TYPES: readonly SimEventType[] = [
  'page_view',
  'product_view',
  'add_to_cart',
  'remove_from_cart',
  'purchase',
  'search',
];

function ofType<T extends SimEventType>(events: readonly SimEvent[], type: T) {
  return events.filter((e): e is Extract<SimEvent, { type: T }> => e.type === type);
}

describe('TrafficSimulator', () => {
  // One large sample shared by the statistical tests (about a second to generate).
  const sim = new TrafficSimulator({ seed: 7, startTime: START });
  const events = sim.generate(200_000);

  describe('determinism', () => {
    it('gives identical events for the same seed and start time', () => {
      const a = new TrafficSimulator({ seed: 99, startTime: START }).generate(5000);
      const b = new TrafficSimulator({ seed: 99, startTime: START }).generate(5000);
      expect(b).toEqual(a);
      expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    });

    it('gives different events for a different seed', () => {
      const a = new TrafficSimulator({ seed: 1, startTime: START }).generate(1000);
      const b = new TrafficSimulator({ seed: 2, startTime: START }).generate(1000);
      expect(b.map((e) => `${e.type}:${e.userId ?? e.anonymousId}`)).not.toEqual(
        a.map((e) => `${e.type}:${e.userId ?? e.anonymousId}`),
      );
    });

    it('builds the same catalogue and users for the same seed', () => {
      const a = new TrafficSimulator({ seed: 5 });
      const b = new TrafficSimulator({ seed: 5 });
      expect(b.catalogue).toEqual(a.catalogue);
      expect(b.users).toEqual(a.users);
    });

    it('derives eventIds from the seed and a counter', () => {
      const first = new TrafficSimulator({ seed: 31, startTime: START }).generate(3);
      expect(first.map((e) => e.eventId)).toEqual(['sim-31-1', 'sim-31-2', 'sim-31-3']);
    });

    it('continues a cut session in the next call: generate(a) + generate(b) equals generate(a + b)', () => {
      const split = new TrafficSimulator({ seed: 3, startTime: START });
      const whole = new TrafficSimulator({ seed: 3, startTime: START });
      expect([...split.generate(17), ...split.generate(400)]).toEqual(whole.generate(417));
    });
  });

  describe('counts and sessions', () => {
    it('returns exactly the number of events asked for', () => {
      const s = new TrafficSimulator({ seed: 11, startTime: START });
      expect(s.generate(0)).toEqual([]);
      expect(s.generate(1)).toHaveLength(1);
      expect(s.generate(12_345)).toHaveLength(12_345);
      expect(() => s.generate(-1)).toThrow(/integer >= 0/);
      expect(() => s.generate(1.5)).toThrow(/integer >= 0/);
    });

    it('starts every session with a landing page_view, within one session id and identity', () => {
      const s = new TrafficSimulator({ seed: 12, startTime: START });
      for (let i = 0; i < 200; i++) {
        const session = s.nextSession();
        expect(session[0].type).toBe('page_view');
        expect(new Set(session.map((e) => e.sessionId)).size).toBe(1);
        expect(new Set(session.map((e) => e.userId ?? e.anonymousId)).size).toBe(1);
      }
    });

    it('nextSession hands out the rest of a session that generate() cut', () => {
      const s = new TrafficSimulator({ seed: 13, startTime: START });
      const reference = new TrafficSimulator({ seed: 13, startTime: START });
      const full = reference.nextSession();
      const head = s.generate(1);
      const rest = s.nextSession();
      expect([...head, ...rest]).toEqual(full);
      expect(s.nextSession()).toEqual(reference.nextSession());
    });

    it('brings registered users back across sessions', () => {
      const sessionsPerUser = new Map<string, Set<string>>();
      for (const e of events) {
        if (!e.userId) continue;
        const set = sessionsPerUser.get(e.userId) ?? new Set<string>();
        set.add(e.sessionId);
        sessionsPerUser.set(e.userId, set);
      }
      const returning = [...sessionsPerUser.values()].filter((s) => s.size >= 2).length;
      expect(returning / sessionsPerUser.size).toBeGreaterThan(0.8);
    });
  });

  describe('event contract', () => {
    it('gives every event a valid type and exactly one of userId / anonymousId', () => {
      // Plain checks in the loop (400,000 expect() calls would take half a minute), one assertion at the end.
      const bad = events.filter(
        (e) => !TYPES.includes(e.type) || Boolean(e.userId) === Boolean(e.anonymousId),
      );
      expect(bad).toEqual([]);
    });

    it('makes about 15% of sessions anonymous by default', () => {
      const sessions = new Map<string, boolean>();
      for (const e of events) sessions.set(e.sessionId, e.anonymousId !== undefined);
      const share = [...sessions.values()].filter(Boolean).length / sessions.size;
      expect(share).toBeGreaterThan(0.12);
      expect(share).toBeLessThan(0.18);
      const none = new TrafficSimulator({ seed: 7, startTime: START, anonymousShare: 0 }).generate(2000);
      expect(none.every((e) => e.userId !== undefined)).toBe(true);
    });

    it('advances a simulated clock from startTime by a few seconds per event', () => {
      let previous = Date.parse(START);
      const bad: string[] = [];
      for (const e of events.slice(0, 20_000)) {
        const t = Date.parse(e.occurredAt);
        if (new Date(t).toISOString() !== e.occurredAt || t < previous) bad.push(e.occurredAt);
        previous = t;
      }
      expect(bad).toEqual([]);
      const meanGapSeconds = (previous - Date.parse(START)) / 1000 / 20_000;
      expect(meanGapSeconds).toBeGreaterThan(2);
      expect(meanGapSeconds).toBeLessThan(4);
    });

    it('is accepted as is by the ingest contract (normalizeEvent)', () => {
      for (const e of events.slice(0, 5000)) {
        // Sent live: received a second after it happened.
        const result = normalizeEvent(e, { receivedAt: new Date(Date.parse(e.occurredAt) + 1000) });
        if (!result.ok) throw new Error(`${JSON.stringify(e)} rejected: ${JSON.stringify(result.rejection)}`);
      }
    });

    it('fills the per-type fields', () => {
      for (const e of ofType(events, 'product_view').slice(0, 200)) {
        expect(e).toMatchObject({ currency: 'USD', context: { page: { path: `/p/${e.itemId}` } } });
        expect(e.price).toBeGreaterThan(0);
      }
      for (const e of ofType(events, 'search').slice(0, 100)) expect(e.query.length).toBeGreaterThan(0);
      for (const e of ofType(events, 'add_to_cart').slice(0, 200)) {
        expect(Number.isInteger(e.quantity) && e.quantity >= 1).toBe(true);
        expect(sim.catalogue[Number(e.itemId.slice(5))]).toMatchObject({ id: e.itemId, price: e.price });
      }
    });
  });

  describe('catalogue and users', () => {
    it('has the configured sizes, id formats and a popularity rank permutation', () => {
      expect(sim.catalogue).toHaveLength(2000);
      expect(sim.users).toHaveLength(1000);
      expect(sim.categories).toHaveLength(20);
      expect(sim.catalogue[42].id).toBe('item-00042');
      expect(sim.users[0].id).toBe('user-0001');
      const ranks = sim.catalogue.map((i) => i.popularityRank).sort((a, b) => a - b);
      expect(ranks).toEqual(Array.from({ length: 2000 }, (_, i) => i + 1));
      expect(sim.catalogue.every((i) => i.price > 0 && sim.categories.includes(i.category))).toBe(true);
      expect(new Set(sim.catalogue.map((i) => i.category)).size).toBe(20);
    });

    it('gives each user 1-3 preferred categories whose weights sum to 1', () => {
      for (const u of sim.users) {
        expect(u.preferredCategories.length).toBeGreaterThanOrEqual(1);
        expect(u.preferredCategories.length).toBeLessThanOrEqual(3);
        const sum = u.preferredCategories.reduce((s, p) => s + p.weight, 0);
        expect(sum).toBeCloseTo(1, 9);
      }
    });

    it('spreads prices log-normally: many cheap items, a long tail of expensive ones', () => {
      const prices = sim.catalogue.map((i) => i.price).sort((a, b) => a - b);
      const median = prices[1000];
      expect(prices[1990]).toBeGreaterThan(3 * median);
      expect(prices[0]).toBeGreaterThan(0);
    });

    it('rejects invalid options with the bad value in the message', () => {
      expect(() => new TrafficSimulator({ users: 0 })).toThrow(/users must be a positive integer, got 0/);
      expect(() => new TrafficSimulator({ items: 5, categories: 6 })).toThrow(/6 > 5/);
      expect(() => new TrafficSimulator({ anonymousShare: 1.5 })).toThrow(/anonymousShare.*1\.5/);
      expect(() => new TrafficSimulator({ startTime: 'yesterday' })).toThrow(/startTime.*yesterday/);
    });
  });

  describe('behaviour', () => {
    const views = ofType(events, 'product_view');

    it('skews item popularity Zipf-like: the top 1% of items get far more than 1% of views', () => {
      const rankOf = new Map(sim.catalogue.map((i) => [i.id, i.popularityRank]));
      const byRank = new Float64Array(2001);
      for (const v of views) byRank[rankOf.get(v.itemId)!]++;
      const share = (from: number, to: number) => {
        let n = 0;
        for (let r = from; r <= to; r++) n += byRank[r];
        return n / views.length;
      };
      expect(share(1, 20)).toBeGreaterThan(0.25); // uniform would be 0.01
      // Monotone by rank band, per item.
      const perItem = [
        share(1, 10) / 10,
        share(11, 100) / 90,
        share(101, 1000) / 900,
        share(1001, 2000) / 1000,
      ];
      for (let i = 1; i < perItem.length; i++) expect(perItem[i]).toBeLessThan(perItem[i - 1]);
    });

    it('lets a higher zipfExponent concentrate views further', () => {
      const topShare = (zipfExponent: number) => {
        const s = new TrafficSimulator({ seed: 4, startTime: START, zipfExponent });
        const top = new Set(s.catalogue.filter((i) => i.popularityRank <= 20).map((i) => i.id));
        const v = ofType(s.generate(50_000), 'product_view');
        return v.filter((e) => top.has(e.itemId)).length / v.length;
      };
      expect(topShare(1.4)).toBeGreaterThan(topShare(0.6) + 0.1);
    });

    it('runs a funnel: views > carts > purchases, at realistic rates', () => {
      const carts = ofType(events, 'add_to_cart');
      const purchases = ofType(events, 'purchase');
      expect(views.length).toBeGreaterThan(carts.length);
      expect(carts.length).toBeGreaterThan(purchases.length);
      expect(purchases.length).toBeGreaterThan(0);
      const cartRate = carts.length / views.length;
      expect(cartRate).toBeGreaterThan(0.08);
      expect(cartRate).toBeLessThan(0.16);
      const cartedSessions = new Set(carts.map((e) => e.sessionId));
      const purchaseRate = purchases.length / cartedSessions.size;
      expect(purchaseRate).toBeGreaterThan(0.25);
      expect(purchaseRate).toBeLessThan(0.45);
      expect(ofType(events, 'remove_from_cart').length).toBeGreaterThan(0);
      expect(ofType(events, 'search').length).toBeGreaterThan(0);
    });

    it('puts in purchases only what is still in the cart, with positive quantities and prices', () => {
      const carted = new Map<string, Map<string, number>>();
      const problems: string[] = [];
      let checked = 0;
      for (const e of events) {
        if (e.type !== 'add_to_cart' && e.type !== 'remove_from_cart' && e.type !== 'purchase') continue;
        const cart = carted.get(e.sessionId) ?? new Map<string, number>();
        carted.set(e.sessionId, cart);
        if (e.type === 'add_to_cart') cart.set(e.itemId, (cart.get(e.itemId) ?? 0) + e.quantity);
        else if (e.type === 'remove_from_cart') cart.delete(e.itemId);
        else {
          checked++;
          if (e.lineItems.length === 0) problems.push(`${e.eventId}: no line items`);
          let revenue = 0;
          for (const line of e.lineItems) {
            if (!(line.quantity > 0 && line.price > 0))
              problems.push(`${e.eventId}: ${JSON.stringify(line)}`);
            if (line.quantity !== cart.get(line.itemId))
              problems.push(`${e.eventId}: ${line.itemId} not in cart`);
            revenue += line.price * line.quantity;
          }
          if (Math.abs(e.revenue - revenue) > 0.005)
            problems.push(`${e.eventId}: revenue ${e.revenue} != ${revenue}`);
          if (!/^order-7-\d+$/.test(e.orderId)) problems.push(`${e.eventId}: orderId ${e.orderId}`);
        }
      }
      expect(problems).toEqual([]);
      expect(checked).toBeGreaterThan(1000);
    });

    it("draws most of a user's product views from the user's preferred categories", () => {
      const preferred = new Map(
        sim.users.map((u) => [u.id, new Set(u.preferredCategories.map((p) => p.category))]),
      );
      let own = 0;
      let control = 0;
      let total = 0;
      const ids = sim.users.map((u) => u.id);
      for (const v of views) {
        if (!v.userId) continue;
        total++;
        if (preferred.get(v.userId)!.has(v.category)) own++;
        // Control: the preferences of another (fixed) user.
        const other = ids[(ids.indexOf(v.userId) + 500) % ids.length];
        if (preferred.get(other)!.has(v.category)) control++;
      }
      expect(own / total).toBeGreaterThan(0.6);
      expect(own / total).toBeGreaterThan(2 * (control / total));
    });
  });
});
