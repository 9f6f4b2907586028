/**
 * The quarantine replay's ledgers: for each quarantine object `quarantine/<path>.jsonl`, the object
 * `quarantine-replays/<path>.json` lists the entries already sent (events to the stream, catalogue requests to
 * the Items table), so a later run sends nothing twice.
 */
import { normalizePrefix } from '../../lambdas/ingest/quarantine';
import { QUARANTINE_PREFIX } from '../../lambdas/shared/lake-layout';

export const DEFAULT_LEDGER_PREFIX = 'quarantine-replays/';

export interface LedgerEntry {
  /** 0-based line of the record in the quarantine object. */
  readonly line: number;
  /** Position of the event in the original request (`events[index]`). */
  readonly index: number | null;
  /** The event sent (the event replay). */
  readonly eventId?: string;
  /** The items stored (the catalogue replay of a refused `PUT /v1/items`). */
  readonly itemIds?: readonly string[];
  readonly replayedAt: string;
}

export interface ReplayLedger {
  /** The quarantine object this ledger is about. */
  readonly source: string;
  /** Keyed by entry id: `<line>` for an event-level record, `<line>.<n>` for event n of a re-parsed body. */
  readonly replayed: Record<string, LedgerEntry>;
}

/** `quarantine/dt=…/reason=…/<ms>-<id>.jsonl` -> `quarantine-replays/dt=…/reason=…/<ms>-<id>.json`. */
export function ledgerKeyFor(
  quarantineKey: string,
  quarantinePrefix = QUARANTINE_PREFIX,
  ledgerPrefix = DEFAULT_LEDGER_PREFIX,
): string {
  const prefix = normalizePrefix(quarantinePrefix);
  const path = quarantineKey.startsWith(prefix) ? quarantineKey.slice(prefix.length) : quarantineKey;
  return `${normalizePrefix(ledgerPrefix)}${path.replace(/\.jsonl$/, '')}.json`;
}

export function parseLedger(text: string | undefined, source: string): ReplayLedger {
  if (text === undefined) return { source, replayed: {} };
  const parsed = JSON.parse(text) as Partial<ReplayLedger>;
  return { source, replayed: { ...(parsed.replayed ?? {}) } };
}
