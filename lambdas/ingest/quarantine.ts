/**
 * Quarantine: every rejected event and every rejected request body is kept, never silently dropped.
 * One JSON-lines object per request and reason, under
 *
 *   <prefix>dt=YYYY-MM-DD/reason=<code>/<epochMs>-<requestId>.jsonl      (dt from receivedAt, UTC)
 *
 * so operators can list a day's rejections by reason, and Athena/DuckDB can read them as a table
 * partitioned by dt and reason. Records are built here (no AWS); writing goes through the ObjectStore port
 * (S3 in AWS, files locally).
 *
 * `rawPayload` is the event as the client sent it, re-serialised from the parsed body (whitespace and key
 * order may differ from the wire bytes; values do not), or the raw body text for body-level rejections.
 * It is capped at 1 MiB of UTF-8, cut on a character boundary, with `truncated: true`. Any `"writeKey"`
 * string in it (analytics.js puts the write key in Segment bodies) is replaced by "[redacted]": quarantine
 * objects are read by operators and must not hand out working keys.
 */
import { QUARANTINE_PREFIX } from '../shared/lake-layout';
import type { ObjectStore } from '../shared/object-store';
import { normalizePrefix, type QuarantineReason, quarantineObjectKey } from '../shared/quarantine-layout';
import type { IngestBatch } from './ingest-request';

export const QUARANTINE_SOURCE = 'ingest-api';
/** Which API refused the record: the events routes, or the catalogue's `PUT /v1/items`. */
export type QuarantineSource = typeof QUARANTINE_SOURCE | 'catalogue-api';
export const MAX_RAW_PAYLOAD_BYTES = 1024 * 1024;

export interface QuarantineRecord {
  /** Rejection code: an event rejection (`missing_identity`, ...) or a body-level one (`invalid_json`, ...). */
  readonly reason: string;
  readonly field: string;
  readonly message: string;
  readonly source: QuarantineSource;
  /** Request path, e.g. `/v1/events`. */
  readonly route: string;
  /** Position of the event in the request; null for a body-level rejection. */
  readonly index: number | null;
  readonly receivedAt: string;
  readonly requestId: string;
  /** Name of the write key the authorizer accepted (never the key); null when unknown. */
  readonly writeKeyName: string | null;
  readonly rawPayload: string;
  readonly truncated?: true;
}

export interface QuarantineContext {
  /** Request path, e.g. `/v1/events`. */
  readonly route: string;
  readonly receivedAt: Date;
  readonly requestId: string;
  readonly writeKeyName?: string | undefined;
  /** @default 'ingest-api' */
  readonly source?: QuarantineSource;
}

/** Records for the events a batch rejected; duplicates are not rejections and are not included. */
export function eventQuarantineRecords(batch: IngestBatch, ctx: QuarantineContext): QuarantineRecord[] {
  return batch.errors.map((error) =>
    buildRecord(
      ctx,
      error.code,
      error.field,
      error.message,
      error.index,
      JSON.stringify(batch.items[error.index]) ?? '',
    ),
  );
}

/** A request refused as a whole: its status, reason and the message the client got (an ingest BodyRejection is one). */
export interface RequestRefusal {
  readonly status: number;
  readonly code: QuarantineReason;
  readonly message: string;
}

/** The record for a request rejected as a whole, carrying the raw body. */
export function bodyQuarantineRecord(
  rejection: RequestRefusal,
  rawBody: string,
  ctx: QuarantineContext,
): QuarantineRecord {
  return buildRecord(ctx, rejection.code, bodyField(rejection.message), rejection.message, null, rawBody);
}

function buildRecord(
  ctx: QuarantineContext,
  reason: string,
  field: string,
  message: string,
  index: number | null,
  raw: string,
): QuarantineRecord {
  const { text, truncated } = truncateUtf8(redactWriteKeys(raw), MAX_RAW_PAYLOAD_BYTES);
  return {
    reason,
    field,
    message,
    source: ctx.source ?? QUARANTINE_SOURCE,
    route: ctx.route,
    index,
    receivedAt: ctx.receivedAt.toISOString(),
    requestId: ctx.requestId,
    writeKeyName: ctx.writeKeyName ?? null,
    rawPayload: text,
    ...(truncated ? { truncated: true as const } : {}),
  };
}

/** Reason of a request the handler failed on unexpectedly (a bug, not the client's fault): kept whole. */
export type IngestFailureCode = 'internal_error';
const MAX_FAILURE_MESSAGE_CHARS = 500;

/** The record for a request the handler could not finish: the raw body and what went wrong. */
export function failureQuarantineRecord(
  error: unknown,
  rawBody: string,
  ctx: QuarantineContext,
): QuarantineRecord {
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const message = `internal error: ${detail}`.slice(0, MAX_FAILURE_MESSAGE_CHARS);
  const reason: IngestFailureCode = 'internal_error';
  return buildRecord(ctx, reason, '', message, null, rawBody);
}

/** Body-level messages start with the field they are about (`events: ...`, `Content-Type: ...`). */
function bodyField(message: string): string {
  const colon = message.indexOf(':');
  return colon > 0 ? message.slice(0, colon) : '';
}

const WRITE_KEY_PROPERTY = /("writeKey"\s*:\s*)"(?:[^"\\]|\\.)*"/g;

/** Replaces the value of every `"writeKey": "..."` property in a JSON text with "[redacted]". */
export function redactWriteKeys(json: string): string {
  return json.includes('"writeKey"') ? json.replace(WRITE_KEY_PROPERTY, '$1"[redacted]"') : json;
}

/** At most `maxBytes` of UTF-8, never splitting a character. */
export function truncateUtf8(text: string, maxBytes: number): { text: string; truncated: boolean } {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return { text, truncated: false };
  let end = maxBytes;
  // Back up over continuation bytes (10xxxxxx) so the cut lands on the start of a character.
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return { text: bytes.subarray(0, end).toString('utf8'), truncated: true };
}

// The key layout is shared with the stream consumer's quarantine writes.
export { normalizePrefix, quarantineObjectKey };

export interface QuarantineObject {
  readonly key: string;
  readonly reason: string;
  readonly records: number;
  readonly body: string;
}

/** Groups records by reason into JSON-lines objects, one per reason. */
export function quarantineObjects(
  records: readonly QuarantineRecord[],
  prefix: string,
  receivedAt: Date,
  requestId: string,
): QuarantineObject[] {
  const byReason = new Map<string, QuarantineRecord[]>();
  for (const record of records) {
    const group = byReason.get(record.reason);
    if (group) group.push(record);
    else byReason.set(record.reason, [record]);
  }
  return [...byReason].map(([reason, group]) => ({
    key: quarantineObjectKey(prefix, receivedAt, reason, requestId),
    reason,
    records: group.length,
    body: group.map((r) => `${JSON.stringify(r)}\n`).join(''),
  }));
}

export interface QuarantineWriteResult {
  readonly written: readonly QuarantineObject[];
  readonly failed: ReadonlyArray<{ readonly object: QuarantineObject; readonly error: unknown }>;
}

/** The port the ingest handler writes rejections through. Never throws: failures are returned. */
export interface QuarantineWriter {
  write(records: readonly QuarantineRecord[], ctx: QuarantineContext): Promise<QuarantineWriteResult>;
}

export class ObjectStoreQuarantine implements QuarantineWriter {
  private readonly prefix: string;

  constructor(
    private readonly store: ObjectStore,
    private readonly bucket: string,
    prefix: string = QUARANTINE_PREFIX,
  ) {
    this.prefix = normalizePrefix(prefix);
  }

  async write(records: readonly QuarantineRecord[], ctx: QuarantineContext): Promise<QuarantineWriteResult> {
    const objects = quarantineObjects(records, this.prefix, ctx.receivedAt, ctx.requestId);
    const settled = await Promise.allSettled(
      objects.map((o) => this.store.put(this.bucket, o.key, o.body, 'application/x-ndjson')),
    );
    const written: QuarantineObject[] = [];
    const failed: Array<{ object: QuarantineObject; error: unknown }> = [];
    settled.forEach((outcome, i) => {
      const object = objects[i]!;
      if (outcome.status === 'fulfilled') written.push(object);
      else failed.push({ object, error: outcome.reason });
    });
    return { written, failed };
  }
}
