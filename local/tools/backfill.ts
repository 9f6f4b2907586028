/**
 * Replay/backfill: rebuilds the feature tables (Profiles, ItemStats) from stored events through the
 * stream consumer's own domain code (FeatureUpdater), e.g. after the feature logic changed.
 *
 * The events are applied as one synthetic Kinesis shard. Its id derives from the content of the
 * source (`backfill-<12 hex of SHA-256>`) and the sequence numbers are the events' positions once
 * sorted by occurredAt, so the consumer's watermarks make a re-run of the same source a replay that
 * changes nothing, and a run resumed after a failure apply exactly what is missing. A different
 * source is a different shard.
 *
 * No AWS imports here: the CLI (../cli/backfill.ts) picks the store, DynamoDB or in memory (--dry-run).
 */
import { rmSync, writeFileSync } from 'node:fs';
import type { FeatureStorePort } from '../../lambdas/consumer/feature-store-port';
import {
  FeatureUpdater,
  type StreamRecord,
  type UpdaterOptions,
} from '../../lambdas/consumer/feature-updater';
import { type CanonicalEvent, CanonicalEventSchema, normalizeEvent } from '../../lambdas/shared/events';
import type { EventSource } from './backfill-source';

// ---------------------------------------------------------------------------------------------
// Planning: validate, sort, assign the synthetic shard and sequence numbers
// ---------------------------------------------------------------------------------------------

export interface Rejection {
  readonly line: number;
  readonly reason: string;
  /** The parsed value, or the raw text when it was not JSON. */
  readonly input: unknown;
}

export interface PlannedRecord {
  readonly line: number;
  readonly sequenceNumber: string;
  readonly event: CanonicalEvent;
}

export interface BackfillPlan {
  readonly source: string;
  readonly shardId: string;
  /** Records read (blank lines excluded). */
  readonly read: number;
  readonly rejections: readonly Rejection[];
  /** Valid events in the order they are applied (occurredAt, then source order). */
  readonly records: readonly PlannedRecord[];
}

const SEQUENCE_DIGITS = 20;

/** The synthetic shard a source is replayed as. */
export function shardIdFor(fingerprint: string): string {
  return `backfill-${fingerprint.slice(0, 12)}`;
}

/** Fixed width, so the consumer's numeric comparison and plain string order agree. */
export function sequenceNumberFor(position: number): string {
  return String(position).padStart(SEQUENCE_DIGITS, '0');
}

export type ToCanonicalResult = { ok: true; event: CanonicalEvent } | { ok: false; reason: string };

/**
 * Accepts a canonical event as it is (what the stream and the lake hold), or normalises a client
 * input event like the ingest API does. The server time normalisation needs is the event's own
 * `receivedAt`, else its `occurredAt`, else `now`; a missing eventId becomes `generatedId`.
 */
export function toCanonical(value: unknown, now: Date, generatedId: string): ToCanonicalResult {
  const fields = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  // Only what looks canonical is tried as such: a failed parse costs as much as normalising.
  if (fields.schemaVersion !== undefined && fields.receivedAt !== undefined) {
    const canonical = CanonicalEventSchema.safeParse(value);
    if (canonical.success) return { ok: true, event: canonical.data };
  }
  const receivedAt = timestampOf(fields.receivedAt) ?? timestampOf(fields.occurredAt) ?? now;
  const result = normalizeEvent(value, { receivedAt, generateId: () => generatedId });
  return result.ok
    ? { ok: true, event: result.event }
    : { ok: false, reason: `${result.rejection.message} (${result.rejection.code})` };
}

function timestampOf(value: unknown): Date | undefined {
  // Numbers below 1e11 would be epoch seconds: normalizeEvent rejects those, so they are not a server time.
  const ms =
    typeof value === 'string' ? Date.parse(value) : typeof value === 'number' && value >= 1e11 ? value : NaN;
  return Number.isFinite(ms) ? new Date(ms) : undefined;
}

/** Reads the whole source (events must be sorted before anything is applied) and plans the replay. */
export async function planBackfill(source: EventSource, now: Date = new Date()): Promise<BackfillPlan> {
  const shardId = shardIdFor(await source.fingerprint());
  const rejections: Rejection[] = [];
  const accepted: Array<{ line: number; time: number; event: CanonicalEvent }> = [];
  let read = 0;
  for await (const record of source) {
    read++;
    if ('error' in record) {
      rejections.push({ line: record.line, reason: record.error, input: record.raw });
      continue;
    }
    const result = toCanonical(record.value, now, `${shardId}-${record.line}`);
    if (result.ok)
      accepted.push({ line: record.line, time: Date.parse(result.event.occurredAt), event: result.event });
    else rejections.push({ line: record.line, reason: result.reason, input: record.value });
  }
  // Array#sort is stable: events at the same instant keep their source order. Compared as numbers:
  // ISO strings of different precision ('…:00Z', '…:00.500Z') do not sort as text.
  accepted.sort((a, b) => a.time - b.time);
  return {
    source: source.name,
    shardId,
    read,
    rejections,
    records: accepted.map((a, i) => ({
      line: a.line,
      sequenceNumber: sequenceNumberFor(i + 1),
      event: a.event,
    })),
  };
}

// ---------------------------------------------------------------------------------------------
// Applying
// ---------------------------------------------------------------------------------------------

export interface ApplyOptions {
  readonly updater: UpdaterOptions;
  /** Events per FeatureUpdater batch. */
  readonly batchSize: number;
  /** Attempts per batch when writes fail for good (the rest of the batch is redelivered, like Lambda). */
  readonly batchAttempts?: number;
  /** Called after each batch with the number of events done. */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface ApplyResult {
  readonly applied: number;
  /** Records skipped by a watermark, i.e. already applied by an earlier run of the same source. */
  readonly replays: number;
  /** Records whose eventId was already applied from another record (same or another source). */
  readonly duplicates: number;
  /** Events the domain code threw on: skipped, and reported like rejections. */
  readonly poison: readonly Rejection[];
  readonly profileWrites: number;
  readonly itemWrites: number;
  readonly conflicts: number;
  readonly retries: number;
}

/** Writes failed for good; what was applied stays applied, and re-running the same source resumes. */
export class BackfillWriteError extends Error {
  constructor(
    message: string,
    readonly partial: ApplyResult,
    readonly stoppedAtLine: number,
  ) {
    super(message);
    this.name = 'BackfillWriteError';
  }
}

/**
 * Feeds the plan to the FeatureUpdater batch after batch, strictly in sequence order (batches are
 * not concurrent: an item watermark moved by a later batch would turn an earlier one into replays).
 * A batch that fails from some record on is retried from that record; if it keeps failing the
 * backfill stops with BackfillWriteError. Events counted as applied in a failed attempt may be
 * counted again as replays by the retry.
 */
export async function applyBackfill(
  plan: BackfillPlan,
  store: FeatureStorePort,
  options: ApplyOptions,
): Promise<ApplyResult> {
  if (!(Number.isInteger(options.batchSize) && options.batchSize > 0))
    throw new Error(`batch size must be a positive integer, got ${options.batchSize}`);
  const updater = new FeatureUpdater(store, options.updater);
  const attempts = options.batchAttempts ?? 3;
  const totals = {
    applied: 0,
    replays: 0,
    duplicates: 0,
    profileWrites: 0,
    itemWrites: 0,
    conflicts: 0,
    retries: 0,
  };
  const poison = new Map<string, Rejection>();
  const result = (): ApplyResult => ({ ...totals, poison: [...poison.values()] });

  for (let start = 0; start < plan.records.length; start += options.batchSize) {
    let pending = plan.records.slice(start, start + options.batchSize);
    for (let attempt = 1; ; attempt++) {
      const batch: StreamRecord[] = pending.map((r, index) => ({
        index,
        shardId: plan.shardId,
        sequenceNumber: r.sequenceNumber,
        event: r.event,
      }));
      const current = pending;
      const outcome = await updater.process(batch, async (records) => {
        for (const p of records) {
          const line = current[p.index]?.line ?? 0;
          poison.set(p.sequenceNumber, { line, reason: p.reason, input: p.event });
        }
      });
      for (const key of Object.keys(totals) as Array<keyof typeof totals>) totals[key] += outcome[key];
      if (outcome.failedFromIndex === undefined) break;
      const stoppedAt = pending[outcome.failedFromIndex] as PlannedRecord;
      if (attempt >= attempts) {
        throw new BackfillWriteError(
          `writes failed from line ${stoppedAt.line} (sequence ${stoppedAt.sequenceNumber}) after ${attempts} attempts: ${outcome.failureReason ?? 'unknown error'}`,
          result(),
          stoppedAt.line,
        );
      }
      pending = pending.slice(outcome.failedFromIndex);
      await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** (attempt - 1)));
    }
    options.onProgress?.(Math.min(start + options.batchSize, plan.records.length), plan.records.length);
  }
  return result();
}

// ---------------------------------------------------------------------------------------------
// Reporting
// ---------------------------------------------------------------------------------------------

/** `<file>.rejected.jsonl`: one `{ line, reason, input }` per rejected record. */
export function rejectedPathFor(eventsPath: string): string {
  return `${eventsPath}.rejected.jsonl`;
}

/** Writes the report, or removes a stale one from an earlier run when nothing was rejected. */
export function writeRejectionReport(path: string, rejections: readonly Rejection[]): void {
  if (rejections.length === 0) {
    rmSync(path, { force: true });
    return;
  }
  const sorted = [...rejections].sort((a, b) => a.line - b.line);
  writeFileSync(
    path,
    sorted
      .map((r) => JSON.stringify(r))
      .join('\n')
      .concat('\n'),
  );
}

export interface BackfillSummary {
  readonly read: number;
  readonly rejected: number;
  readonly applied: number;
  readonly duplicates: number;
  readonly replays: number;
  readonly poison: number;
  readonly profileWrites: number;
  readonly itemWrites: number;
  readonly conflicts: number;
  readonly retries: number;
  readonly seconds: number;
  /** Events read per second of the whole run. */
  readonly eventsPerSecond: number;
}

export function summarize(plan: BackfillPlan, result: ApplyResult, seconds: number): BackfillSummary {
  return {
    read: plan.read,
    rejected: plan.rejections.length,
    applied: result.applied,
    duplicates: result.duplicates,
    replays: result.replays,
    poison: result.poison.length,
    profileWrites: result.profileWrites,
    itemWrites: result.itemWrites,
    conflicts: result.conflicts,
    retries: result.retries,
    seconds,
    eventsPerSecond: seconds > 0 ? plan.read / seconds : 0,
  };
}

export function formatSummary(summary: BackfillSummary): string {
  const rows: Array<[string, string]> = [
    ['events read', String(summary.read)],
    ['rejected', String(summary.rejected)],
    ['applied', String(summary.applied)],
    ['duplicates', String(summary.duplicates)],
    ['replays', String(summary.replays)],
    ['poison', String(summary.poison)],
    ['profile writes', String(summary.profileWrites)],
    ['item writes', String(summary.itemWrites)],
    ['conflicts', String(summary.conflicts)],
    ['retries', String(summary.retries)],
    ['seconds', summary.seconds.toFixed(2)],
    ['events/s', summary.eventsPerSecond.toFixed(0)],
  ];
  return rows.map(([label, value]) => `  ${label.padEnd(16)}${value}`).join('\n');
}
