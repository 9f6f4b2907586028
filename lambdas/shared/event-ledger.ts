/**
 * The profile's event ledger: which events a profile applied during the retry horizon, and through which
 * Kinesis record. This module is the one home of its stored layout; the stream consumer writes it
 * (lambdas/consumer/dedup-ledger.ts keeps the policy) and the freshness canary reads it.
 *
 * Stored as the profile's Binary attribute `ledger`: fixed 16-byte entries, sorted by (minute, event hash),
 *
 *   bytes  0-7   the first 8 bytes of SHA-256(eventId)
 *   bytes  8-11  the first 4 bytes of SHA-256(sequence number of the record that first carried the event):
 *                tells a redelivery of that record (it still counts for item statistics) from another
 *                record with the same eventId (a producer duplicate, which does not)
 *   bytes 12-15  uint32, big-endian: (whole minutes since the Unix epoch of the event's server `receivedAt`)
 *                shifted left by 4, OR the flags (bit 0: poison, the record was dead-lettered, not applied)
 *
 * 16 bytes against about 90 for the `[eventId, sequenceNumber]` pair the profile used to keep: a day of
 * events fits where 100 pairs did. Hash collisions: 64 bits per event over at most a few thousand entries
 * per profile (about 1e-12 per profile for 4,096 entries); 32 bits per carrier, compared only for events
 * that are already in the ledger.
 */
import { createHash } from 'node:crypto';

export const LEDGER_ATTRIBUTE = 'ledger';
export const LEDGER_ENTRY_BYTES = 16;

const POISON_FLAG = 1;
const FLAG_BITS = 4;

export interface LedgerEntry {
  /** The 8-byte event hash as 16 hex characters (a Map key). */
  readonly key: string;
  /** Fingerprint of the first carrier's sequence number (uint32). */
  readonly carrier: number;
  /** Minutes since the Unix epoch of the event's receivedAt. */
  readonly minute: number;
  readonly poison: boolean;
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** The ledger key of an eventId. */
export function eventKey(eventId: string): string {
  return sha256(eventId).toString('hex', 0, 8);
}

/** The fingerprint of the record that carried an event (its Kinesis sequence number). */
export function carrierFingerprint(sequenceNumber: string): number {
  return sha256(sequenceNumber).readUInt32BE(0);
}

/** Whole minutes since the Unix epoch of an ISO-8601 time. */
export function minuteOf(iso: string): number {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) throw new Error(`not a valid time: ${iso}`);
  return Math.floor(ms / 60_000);
}

export function decodeLedger(bytes: Uint8Array | undefined): LedgerEntry[] {
  if (!bytes || bytes.length === 0) return [];
  if (bytes.length % LEDGER_ENTRY_BYTES !== 0)
    throw new Error(
      `ledger of ${bytes.length} bytes is not a whole number of ${LEDGER_ENTRY_BYTES}-byte entries`,
    );
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const entries: LedgerEntry[] = [];
  for (let offset = 0; offset < buffer.length; offset += LEDGER_ENTRY_BYTES) {
    const stamp = buffer.readUInt32BE(offset + 12);
    entries.push({
      key: buffer.toString('hex', offset, offset + 8),
      carrier: buffer.readUInt32BE(offset + 8),
      minute: stamp >>> FLAG_BITS,
      poison: (stamp & POISON_FLAG) !== 0,
    });
  }
  return entries;
}

/** Encodes entries in their canonical order (minute, then key), so equal ledgers are equal bytes. */
export function encodeLedger(entries: readonly LedgerEntry[]): Uint8Array {
  const sorted = [...entries].sort(
    (a, b) => a.minute - b.minute || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
  );
  const buffer = Buffer.alloc(sorted.length * LEDGER_ENTRY_BYTES);
  sorted.forEach((entry, i) => {
    const offset = i * LEDGER_ENTRY_BYTES;
    buffer.write(entry.key, offset, 8, 'hex');
    buffer.writeUInt32BE(entry.carrier >>> 0, offset + 8);
    buffer.writeUInt32BE(((entry.minute << FLAG_BITS) | (entry.poison ? POISON_FLAG : 0)) >>> 0, offset + 12);
  });
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** Whether a stored ledger holds an applied (not poison) event. */
export function ledgerHasEvent(bytes: Uint8Array | undefined, eventId: string): boolean {
  const key = eventKey(eventId);
  return decodeLedger(bytes).some((entry) => entry.key === key && !entry.poison);
}
