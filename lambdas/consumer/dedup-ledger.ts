/**
 * A profile's event ledger while a batch is folded into it: look-ups by eventId, new entries, and the
 * bounds applied when the profile is written. The stored layout is lambdas/shared/event-ledger.ts.
 *
 * Bounds, both deterministic (they depend on the events, never on the clock of the machine):
 * - time: entries whose receivedAt is more than the horizon older than the newest entry's are dropped,
 *   so a resend of any accepted event within the horizon is recognised;
 * - count: above `maxEntries` (a user sending an event every ~20 s all day long is a bot) the oldest
 *   entries go first. A resend of an evicted event would be applied again; the README says so.
 */
import {
  carrierFingerprint,
  decodeLedger,
  encodeLedger,
  eventKey,
  type LedgerEntry,
  minuteOf,
} from '../shared/event-ledger';

export interface LedgerLimits {
  /** How long after its receivedAt an event stays in the ledger, minutes. */
  readonly horizonMinutes: number;
  /** Entries kept at most per profile. */
  readonly maxEntries: number;
}

/** What the ledger says about an event carried by a record. */
export type LedgerVerdict =
  /** Never seen: apply it. */
  | 'new'
  /** Applied through this very record (a redelivery): it still counts for items. */
  | 'first-carrier'
  /** Applied through a record this one replays (`dlq replay`): items count where that record did not. */
  | 'origin'
  /** Applied, or dead-lettered, through another record: a producer duplicate. */
  | 'duplicate'
  /** The record that carried it (this one, or one it replays) was dead-lettered as poison. */
  | 'poison';

export class DedupLedger {
  private readonly entries: Map<string, LedgerEntry>;

  private constructor(entries: readonly LedgerEntry[]) {
    this.entries = new Map(entries.map((e) => [e.key, e]));
  }

  static decode(bytes: Uint8Array | undefined): DedupLedger {
    return new DedupLedger(decodeLedger(bytes));
  }

  /**
   * Profiles written before the ledger kept `seen`: [eventId, sequenceNumber] pairs, `!` marking poison.
   * Their receivedAt is unknown; they are dated `minute` and leave with the horizon.
   */
  static fromLegacySeen(seen: ReadonlyArray<readonly [string, string]>, minute: number): DedupLedger {
    return new DedupLedger(
      seen.map(([eventId, sequence]) => {
        const poison = sequence.startsWith('!');
        return {
          key: eventKey(eventId),
          carrier: carrierFingerprint(poison ? sequence.slice(1) : sequence),
          minute,
          poison,
        };
      }),
    );
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * The verdict on `eventId` carried by the record with sequence number `carrierSequence`, which replays
   * the records `originSequences` (none for an ordinary record).
   */
  check(eventId: string, carrierSequence: string, originSequences: readonly string[] = []): LedgerVerdict {
    const entry = this.entries.get(eventKey(eventId));
    if (!entry) return 'new';
    if (entry.carrier === carrierFingerprint(carrierSequence))
      return entry.poison ? 'poison' : 'first-carrier';
    if (!originSequences.some((s) => entry.carrier === carrierFingerprint(s))) return 'duplicate';
    return entry.poison ? 'poison' : 'origin';
  }

  record(eventId: string, carrierSequence: string, receivedAt: string, poison = false): void {
    this.entries.set(eventKey(eventId), {
      key: eventKey(eventId),
      carrier: carrierFingerprint(carrierSequence),
      minute: minuteOf(receivedAt),
      poison,
    });
  }

  /** The bounded ledger, encoded; undefined when empty (DynamoDB keeps no empty attribute here). */
  encode(limits: LedgerLimits): Uint8Array | undefined {
    let kept = [...this.entries.values()];
    if (kept.length === 0) return undefined;
    const newest = Math.max(...kept.map((e) => e.minute));
    kept = kept.filter((e) => e.minute >= newest - limits.horizonMinutes);
    if (kept.length > limits.maxEntries) {
      kept.sort((a, b) => b.minute - a.minute || (a.key < b.key ? -1 : 1));
      kept = kept.slice(0, limits.maxEntries);
    }
    return encodeLedger(kept);
  }
}
