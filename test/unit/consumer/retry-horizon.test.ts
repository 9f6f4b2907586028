/**
 * Producer duplicates (a client resending accepted events with the same eventId, e.g. a Segment library
 * after a 503) are applied once as long as the resend comes within the retry horizon of the first
 * event's receivedAt, however many events came in between. The profile's event ledger pins that; these
 * tests pin its horizon, its cap for bots, and its stored form.
 */
import { DedupLedger } from '../../../lambdas/consumer/dedup-ledger';
import { FeatureUpdater } from '../../../lambdas/consumer/feature-updater';
import { TOTAL_BUCKET } from '../../../lambdas/consumer/item-stats';
import { DEFAULT_PROFILE_LIMITS } from '../../../lambdas/consumer/profile';
import {
  carrierFingerprint,
  decodeLedger,
  encodeLedger,
  eventKey,
  LEDGER_ENTRY_BYTES,
  ledgerHasEvent,
} from '../../../lambdas/shared/event-ledger';
import type { CanonicalEvent } from '../../../lambdas/shared/events';
import { event, records } from '../../support/events';
import { InMemoryFeatureStore } from '../../support/in-memory-feature-store';
import { TEST_UPDATER_OPTIONS } from '../../support/updater-options';

const SHARD = 'shardId-000000000000';
const options = TEST_UPDATER_OPTIONS;
const T0 = Date.UTC(2026, 10, 26, 0, 0);
const HOUR = 3600_000;

/** A view of `itemId` by `userId`, received by the server at `receivedMs`. */
function view(userId: string, itemId: string, receivedMs: number): CanonicalEvent {
  const at = new Date(receivedMs).toISOString();
  return { ...event({ type: 'product_view', userId, itemId, occurredAt: at }), receivedAt: at };
}

class Stream {
  private next = 1;
  constructor(
    readonly store = new InMemoryFeatureStore(),
    private readonly opts = options,
  ) {}
  send(events: readonly CanonicalEvent[]) {
    const batch = records(events, SHARD, this.next);
    this.next += events.length;
    return new FeatureUpdater(this.store, this.opts).process(batch, async () => undefined);
  }
  views(userId: string) {
    return this.store.profiles.get(userId)?.counts.product_view;
  }
}

describe('retry horizon', () => {
  it('skips a resend 23 hours and about 1,500 events later', async () => {
    const stream = new Stream();
    const first = view('u1', 'a', T0);
    await stream.send([first]);
    for (let hour = 1; hour <= 23; hour++)
      await stream.send(
        Array.from({ length: 65 }, (_, i) => view('u1', `i${i}`, T0 + hour * HOUR + i * 1000)),
      );
    const resend = await stream.send([
      { ...structuredClone(first), receivedAt: new Date(T0 + 23 * HOUR).toISOString() },
    ]);
    expect(resend.duplicates).toBe(1);
    expect(stream.views('u1')).toBe(1 + 23 * 65);
    expect(stream.store.items.get(`a\u0000${TOTAL_BUCKET}`)?.counts.views).toBe(1);
  });

  it('forgets an event once the profile has seen events received more than the horizon after it', async () => {
    const stream = new Stream();
    const first = view('u1', 'a', T0);
    await stream.send([first]);
    await stream.send([view('u1', 'b', T0 + 25 * HOUR)]);
    const resend = await stream.send([
      { ...structuredClone(first), receivedAt: new Date(T0 + 25 * HOUR).toISOString() },
    ]);
    expect(resend.duplicates).toBe(0);
    expect(stream.views('u1')).toBe(3);
  });

  it('takes the horizon from the limits (DEDUP_HORIZON_MINUTES)', async () => {
    const stream = new Stream(new InMemoryFeatureStore(), {
      ...options,
      limits: { ...DEFAULT_PROFILE_LIMITS, dedupHorizonMinutes: 60 },
    });
    const first = view('u1', 'a', T0);
    await stream.send([first]);
    await stream.send([view('u1', 'b', T0 + 2 * HOUR)]);
    expect((await stream.send([structuredClone(first)])).duplicates).toBe(0);
  });

  it('keeps the newest entries of a bot above the cap: older resends are applied again, newer ones are not', async () => {
    const stream = new Stream(new InMemoryFeatureStore(), {
      ...options,
      limits: { ...DEFAULT_PROFILE_LIMITS, ledgerMaxEntries: 10 },
    });
    const sent = Array.from({ length: 15 }, (_, i) => view('bot', `i${i}`, T0 + i * 60_000));
    await stream.send(sent);
    const ledger = stream.store.profiles.get('bot')?.ledger;
    expect(ledger?.length).toBe(10 * LEDGER_ENTRY_BYTES);
    const oldest = await stream.send([structuredClone(sent[0] as CanonicalEvent)]);
    const newest = await stream.send([structuredClone(sent[14] as CanonicalEvent)]);
    expect([oldest.applied, oldest.duplicates, newest.applied, newest.duplicates]).toEqual([1, 0, 0, 1]);
  });

  it('costs 16 bytes per event of the horizon in the stored profile', async () => {
    const stream = new Stream();
    await stream.send(Array.from({ length: 500 }, (_, i) => view('u1', `i${i % 50}`, T0 + i * 1000)));
    expect(stream.store.profiles.get('u1')?.ledger?.length).toBe(500 * 16);
  });
});

describe('event ledger encoding', () => {
  const entries = [
    { key: eventKey('e2'), carrier: carrierFingerprint('200'), minute: 29_000_001, poison: false },
    { key: eventKey('e1'), carrier: carrierFingerprint('100'), minute: 29_000_000, poison: true },
  ];

  it('round-trips fixed 16-byte entries in a canonical order (minute, then key)', () => {
    const bytes = encodeLedger(entries);
    expect(bytes.length).toBe(32);
    expect(decodeLedger(bytes)).toEqual([entries[1], entries[0]]);
    expect(encodeLedger([...entries].reverse())).toEqual(bytes);
  });

  it('answers whether an event was applied (the freshness canary reads it), poison excluded', () => {
    const bytes = encodeLedger(entries);
    expect([ledgerHasEvent(bytes, 'e2'), ledgerHasEvent(bytes, 'e1'), ledgerHasEvent(bytes, 'e3')]).toEqual([
      true,
      false,
      false,
    ]);
    expect(ledgerHasEvent(undefined, 'e2')).toBe(false);
  });

  it('refuses bytes that are not whole entries', () => {
    expect(() => decodeLedger(new Uint8Array(17))).toThrow(/not a whole number of 16-byte entries/);
  });

  it('reads the seen list of profiles written before the ledger, poison markers included', () => {
    const ledger = DedupLedger.fromLegacySeen(
      [
        ['e1', '100'],
        ['e2', '!200'],
      ],
      29_000_000,
    );
    expect([
      ledger.check('e1', '100'),
      ledger.check('e1', '101'),
      ledger.check('e2', '200'),
      ledger.check('e3', '1'),
    ]).toEqual(['first-carrier', 'duplicate', 'poison', 'new']);
  });
});
