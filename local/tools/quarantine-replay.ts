/**
 * Quarantine replay: after a fix to the event rules (a new event type, a relaxed field), re-validates
 * the events the ingest API quarantined, with the CURRENT validator (normalizeEvent unless told
 * otherwise), and re-ingests the ones that now pass onto the events stream through the same publisher
 * the API uses.
 *
 * What is replayable. An event-level record (reason missing_identity, unknown_type, invalid_event,
 * event_too_large, future_timestamp) carries the event as sent in `rawPayload`. A body-level record
 * (invalid_json, invalid_body, unsupported_media_type, ...) carries the whole body: it is reported,
 * and replayed only if the body now parses as the route's envelope (`{ "events": [...] }`, or a Segment
 * batch/message), each event then validated on its own. Truncated payloads never are. Refused catalogue
 * requests (route `/v1/items`) are the catalogue replay's (catalogue-replay.ts), not counted here. Events keep the
 * eventId they were sent with, so if one was accepted meanwhile (the client resent it) the consumer
 * de-duplicates it; one sent without an eventId gets an id derived from its quarantine position, the
 * same on every run. Validation uses the record's original receivedAt, as the API would have (so an event
 * that was too old then is still too old); the replayed event is received now, when it reaches the stream:
 * the lake files it under the replay's receipt-time partitions and the next incremental jobs read it (its
 * old receipt time would put it behind windows already run, and a replay of weeks of quarantine would
 * open a partition per old hour).
 *
 * Replayed once. For each quarantine object `quarantine/<path>.jsonl` a ledger object
 * `quarantine-replays/<path>.json` lists the entries (line, index, eventId) already sent; a later run
 * skips them. The ledger is written after the publish succeeded, so a crash in between means a resend
 * with the same eventIds (de-duplicated), never a loss. A dry run validates and counts, and neither
 * sends nor records anything.
 *
 * No AWS imports: the store (files under the local lake, or S3) and the publisher (KinesisPublisher)
 * are passed in; ../cli/quarantine.ts wires them.
 */
import { createHash } from 'node:crypto';
import { type BodyRejectionCode, normalizeItem } from '../../lambdas/ingest/ingest-request';
import { type IngestRoute, routeFromPath } from '../../lambdas/ingest/ingest-routes';
import type { EventPublisher } from '../../lambdas/ingest/kinesis-publisher';
import { partitionKeyFor } from '../../lambdas/ingest/partition';
import { normalizePrefix } from '../../lambdas/ingest/quarantine';
import {
  type CanonicalEvent,
  type NormalizeOptions,
  type NormalizeResult,
  normalizeEvent,
  type RejectionCode,
  segmentBatchMessages,
} from '../../lambdas/shared/events';
import { QUARANTINE_PREFIX } from '../../lambdas/shared/lake-layout';
import { DEFAULT_LEDGER_PREFIX, ledgerKeyFor, parseLedger, type ReplayLedger } from './quarantine-ledger';
import {
  countLines,
  isCatalogueRecord,
  parseQuarantineLine,
  type QuarantineLine,
  type QuarantineScanOptions,
  quarantineKeys,
  validDate,
} from './quarantine-records';
import { type QueuedRecord, ReplayQueue } from './replay-queue';

/** The event rules a replay applies; normalizeEvent unless a test (or a migration) passes another. */
export type EventValidator = (input: unknown, options: NormalizeOptions) => NormalizeResult;

// ---------------------------------------------------------------------------------------------
// Replay
// ---------------------------------------------------------------------------------------------

const EVENT_LEVEL_CODES: ReadonlySet<string> = new Set([
  'invalid_event',
  'event_too_large',
  'missing_identity',
  'unknown_type',
  'future_timestamp',
] satisfies readonly RejectionCode[]);

const BODY_LEVEL_CODES: ReadonlySet<string> = new Set([
  'unsupported_media_type',
  'payload_too_large',
  'invalid_json',
  'invalid_body',
  'too_many_events',
] satisfies readonly BodyRejectionCode[]);

const LISTED_EXAMPLES = 10;

export interface ReplayOptions extends QuarantineScanOptions {
  /** Required unless dryRun. */
  readonly publisher?: EventPublisher;
  /** @default normalizeEvent */
  readonly validator?: EventValidator;
}

export interface StillInvalid {
  readonly key: string;
  readonly line: number;
  /** The rejection now (not the original one). */
  readonly reason: string;
  readonly field: string;
  readonly message: string;
}

export interface ReplayFailure {
  readonly key: string;
  readonly line: number;
  readonly eventId: string;
  readonly errorCode: string;
  readonly errorMessage?: string;
}

export interface ReplaySummary {
  readonly dryRun: boolean;
  readonly filesScanned: number;
  /** Quarantine records (lines) read. */
  readonly records: number;
  /** Events validated again (not counting those already replayed). */
  readonly checked: number;
  /** Events that pass the current rules: replayed, failed to publish, or (dry run) would be replayed. */
  readonly nowValid: number;
  readonly replayed: number;
  /** Events a previous run already replayed (in the ledger): skipped. */
  readonly alreadyReplayed: number;
  /** Events that pass but the stream did not take: not in the ledger, a later run retries them. */
  readonly publishFailed: number;
  /** Events that still fail, by their current rejection code. */
  readonly stillInvalid: Readonly<Record<string, number>>;
  /** Records that cannot be replayed, by original reason (body-level rejects that still do not parse, truncated payloads). */
  readonly notReplayable: Readonly<Record<string, number>>;
  /** Lines of quarantine objects that are not quarantine records. */
  readonly unreadableLines: number;
  readonly ledgersWritten: number;
  /** The first few still-invalid events, for the operator. */
  readonly examples: readonly StillInvalid[];
  readonly failures: readonly ReplayFailure[];
}

interface Candidate {
  readonly entryId: string;
  readonly index: number | null;
  readonly input: unknown;
  /** Segment call for single-message routes; undefined in a batch (the message's own type) or for /v1/events. */
  readonly route: IngestRoute;
}

interface Pending extends QueuedRecord {
  readonly line: number;
  readonly entryId: string;
  readonly index: number | null;
  readonly event: CanonicalEvent;
}

/** Re-validates quarantined events and re-ingests the ones that now pass; see the module comment. */
export async function replayQuarantine(options: ReplayOptions): Promise<ReplaySummary> {
  const dryRun = options.dryRun ?? false;
  if (!dryRun && !options.publisher)
    throw new Error('replayQuarantine: a publisher is required unless dryRun');
  const validator = options.validator ?? normalizeEvent;
  const now = options.now ?? (() => new Date());
  const quarantinePrefix = normalizePrefix(options.quarantinePrefix ?? QUARANTINE_PREFIX);
  const ledgerPrefix = normalizePrefix(options.ledgerPrefix ?? DEFAULT_LEDGER_PREFIX);
  const { store } = options;

  const counts = {
    filesScanned: 0,
    records: 0,
    checked: 0,
    nowValid: 0,
    replayed: 0,
    alreadyReplayed: 0,
    publishFailed: 0,
    unreadableLines: 0,
    ledgersWritten: 0,
  };
  const stillInvalid: Record<string, number> = {};
  const notReplayable: Record<string, number> = {};
  const examples: StillInvalid[] = [];
  const failures: ReplayFailure[] = [];
  const bump = (map: Record<string, number>, key: string) => {
    map[key] = (map[key] ?? 0) + 1;
  };

  const ledgers = new Map<string, ReplayLedger>();
  const queue = new ReplayQueue<Pending>(options.publisher, now, {
    failed: (p, failure) => {
      counts.publishFailed++;
      failures.push({
        key: p.key,
        line: p.line,
        eventId: p.event.eventId,
        errorCode: failure.errorCode,
        ...(failure.errorMessage ? { errorMessage: failure.errorMessage } : {}),
      });
    },
    replayed: (p, replayedAt) => {
      counts.replayed++;
      const ledger = ledgers.get(p.key)!;
      ledger.replayed[p.entryId] = { line: p.line, index: p.index, eventId: p.event.eventId, replayedAt };
    },
    writeLedger: async (key) => {
      await store.put(
        ledgerKeyFor(key, quarantinePrefix, ledgerPrefix),
        `${JSON.stringify(ledgers.get(key), null, 2)}\n`,
      );
      counts.ledgersWritten++;
    },
  });

  for (const key of await quarantineKeys(store, quarantinePrefix, options)) {
    const text = await store.get(key);
    if (text === undefined) continue;
    counts.filesScanned++;
    const ledger = parseLedger(await store.get(ledgerKeyFor(key, quarantinePrefix, ledgerPrefix)), key);
    ledgers.set(key, ledger);

    const lines = text.split('\n');
    for (let line = 0; line < lines.length; line++) {
      const raw = lines[line]?.trim();
      if (!raw) continue;
      const record = parseQuarantineLine(raw);
      if (!record) {
        counts.unreadableLines++;
        continue;
      }
      // Refused catalogue requests are the catalogue replay's (catalogue-replay.ts).
      if (isCatalogueRecord(record)) continue;
      counts.records++;
      const candidates = candidatesOf(record, line);
      if (!candidates.ok) {
        bump(notReplayable, candidates.reason);
        continue;
      }
      const receivedAt = validDate(record.receivedAt) ?? now();
      for (const candidate of candidates.events) {
        if (Object.hasOwn(ledger.replayed, candidate.entryId)) {
          counts.alreadyReplayed++;
          continue;
        }
        counts.checked++;
        // The API's own per-event path (Segment size check and mapping, then the event rules).
        const result = normalizeItem(
          candidate.route,
          candidate.input,
          { receivedAt, generateId: () => replayEventId(key, candidate.entryId) },
          validator,
        );
        if (!result.ok) {
          bump(stillInvalid, result.rejection.code);
          if (examples.length < LISTED_EXAMPLES)
            examples.push({
              key,
              line: line + 1,
              reason: result.rejection.code,
              field: result.rejection.field,
              message: result.rejection.message,
            });
          continue;
        }
        counts.nowValid++;
        if (dryRun) continue;
        const event = { ...result.event, receivedAt: now().toISOString() };
        queue.push({
          key,
          line,
          entryId: candidate.entryId,
          index: candidate.index,
          event,
          record: {
            // Unique per entry (the same eventId may sit in two quarantine objects); only failures read it.
            id: `${key}#${candidate.entryId}`,
            partitionKey: partitionKeyFor(event),
            data: Buffer.from(JSON.stringify(event), 'utf8'),
          },
        });
      }
      await queue.flushWhenFull();
    }
    // Ledgers of files whose entries are all flushed are no longer needed in memory.
    if (queue.size === 0) ledgers.clear();
  }
  await queue.flush();

  return { dryRun, ...counts, stillInvalid, notReplayable, examples, failures };
}

type Candidates = { ok: true; events: Candidate[] } | { ok: false; reason: string };

/** The events a record holds: the one event of an event-level record, or those of a body that now parses. */
function candidatesOf(record: QuarantineLine, line: number): Candidates {
  if (record.truncated) return { ok: false, reason: `${record.reason} (truncated)` };
  const route = routeFromPath(record.route);
  if (!route) return { ok: false, reason: `${record.reason} (unknown route ${record.route})` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(record.rawPayload);
  } catch {
    return { ok: false, reason: record.reason };
  }
  if (EVENT_LEVEL_CODES.has(record.reason)) {
    return { ok: true, events: [{ entryId: String(line), index: record.index, input: parsed, route }] };
  }
  if (!BODY_LEVEL_CODES.has(record.reason)) return { ok: false, reason: record.reason };

  let items: unknown[] | undefined;
  if (route === 'events') {
    const events = isObject(parsed) ? parsed.events : undefined;
    if (Array.isArray(events)) items = events;
  } else if (route === 'batch') {
    const unpacked = segmentBatchMessages(parsed);
    if (unpacked.ok) items = unpacked.messages;
  } else if (isObject(parsed)) {
    items = [parsed];
  }
  if (!items || items.length === 0) return { ok: false, reason: record.reason };
  return {
    ok: true,
    events: items.map((input, n) => ({ entryId: `${line}.${n}`, index: n, input, route })),
  };
}

/** The eventId of a replayed event sent without one: stable across runs, unique per quarantine entry. */
export function replayEventId(quarantineKey: string, entryId: string): string {
  return `replay-${createHash('sha256').update(`${quarantineKey}#${entryId}`).digest('hex').slice(0, 40)}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---------------------------------------------------------------------------------------------
// Reporting
// ---------------------------------------------------------------------------------------------

export function formatReplaySummary(summary: ReplaySummary): string {
  const rows: Array<[string, number]> = [
    ['files scanned', summary.filesScanned],
    ['records', summary.records],
    ['events checked', summary.checked],
    ['now valid', summary.nowValid],
    [summary.dryRun ? 'would replay' : 'replayed', summary.dryRun ? summary.nowValid : summary.replayed],
    ['already replayed', summary.alreadyReplayed],
  ];
  if (!summary.dryRun) rows.push(['publish failed', summary.publishFailed]);
  const out = rows.map(([label, value]) => `  ${label.padEnd(20)}${value}`);
  out.push(...countLines('still invalid', summary.stillInvalid));
  out.push(...countLines('not replayable', summary.notReplayable));
  if (summary.unreadableLines > 0) out.push(`  ${'unreadable lines'.padEnd(20)}${summary.unreadableLines}`);
  return out.join('\n');
}
