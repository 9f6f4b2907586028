/**
 * The ingest API's request rules, as plain functions (no AWS): content type, body size, JSON, event count,
 * then per-event normalisation and in-request de-duplication. The handler turns the result into a Kinesis
 * publish, quarantine records and a response.
 *
 * Body-level problems reject the whole request (there is nothing to split). Per-event problems reject only
 * that event: valid events in the same request are always accepted.
 *
 * More than 500 events is a 413, not a 400: the request is well-formed but larger than this API accepts,
 * and 413 tells a client (and any proxy in between) to split the payload rather than to fix its content.
 */
import {
  type CanonicalEvent,
  findNonFinite,
  findTooDeep,
  formatPath,
  MAX_EVENT_BYTES,
  MAX_JSON_DEPTH,
  type NormalizeOptions,
  nonFiniteMessage,
  normalizeEvent,
  type RejectionCode,
  segmentBatchMessages,
  segmentToEventInput,
} from '../shared/events';
import type { IngestRoute } from './ingest-routes';
import { parseJson } from './json-syntax';

/** 1 MiB of UTF-8 after base64 decoding, as measured by the ingest Lambda. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** Events (or Segment messages) per request; also Kinesis' PutRecords record limit. */
export const MAX_EVENTS_PER_REQUEST = 500;

export type BodyRejectionCode =
  | 'unsupported_media_type'
  | 'payload_too_large'
  | 'invalid_json'
  | 'invalid_body'
  | 'too_many_events'
  | 'nesting_too_deep';

/** A problem with the request as a whole; nothing in it is accepted. */
export interface BodyRejection {
  readonly status: 400 | 413 | 415;
  readonly code: BodyRejectionCode;
  /** Starts with the field or header it is about, e.g. `events: expected an array, got object`. */
  readonly message: string;
}

/** One rejected event, as reported to the client. */
export interface EventError {
  readonly index: number;
  readonly code: RejectionCode;
  /** Path from the request root: `events[3].userId`, `batch[0].properties.product_id`, or `userId`. */
  readonly field: string;
  readonly message: string;
}

export interface AcceptedEvent {
  /** Position in the request (`events[index]` / `batch[index]`; 0 for single-message Segment calls). */
  readonly index: number;
  readonly event: CanonicalEvent;
}

export interface IngestBatch {
  readonly route: IngestRoute;
  /** The items as parsed from the body, so a rejected event can be quarantined as sent. */
  readonly items: readonly unknown[];
  /** Valid, first-seen events in request order. */
  readonly accepted: readonly AcceptedEvent[];
  readonly errors: readonly EventError[];
  /** Indexes of later copies of an eventId already accepted in this request (neither errors nor quarantined). */
  readonly duplicates: readonly number[];
}

export type IngestParseResult =
  | { readonly ok: true; readonly batch: IngestBatch }
  /** `rawBody` is the decoded body text, kept for the quarantine record. */
  | { readonly ok: false; readonly rejection: BodyRejection; readonly rawBody: string };

export interface IngestRequestInput {
  readonly route: IngestRoute;
  readonly headers: Readonly<Record<string, string | undefined>> | null | undefined;
  readonly body: string | null | undefined;
  readonly isBase64Encoded?: boolean;
  /** Server receipt time; becomes every event's `receivedAt`. */
  readonly receivedAt: Date;
  /** Supplies an eventId for events sent without one. @default crypto.randomUUID */
  readonly generateId?: () => string;
  /** Oldest accepted occurredAt, before receivedAt. @default DEFAULT_MAX_EVENT_AGE_MS */
  readonly maxEventAgeMs?: number;
  /** The request comes with the freshness canary's write key: `canary#` userIds are allowed. @default false */
  readonly fromCanary?: boolean;
}

/** Longest field path quoted in a nesting rejection (the path itself can be long). */
const MAX_FIELD_CHARS = 200;

export function parseIngestRequest(input: IngestRequestInput): IngestParseResult {
  const { text, bytes } = decodeBody(input.body, input.isBase64Encoded ?? false);
  const rejectBody = (status: BodyRejection['status'], code: BodyRejectionCode, message: string) =>
    ({ ok: false, rejection: { status, code, message }, rawBody: text }) as const;

  const contentType = headerValue(input.headers, 'content-type');
  if (!isJsonContentType(contentType)) {
    return rejectBody(
      415,
      'unsupported_media_type',
      contentType === undefined
        ? 'Content-Type: header is missing, expected application/json'
        : `Content-Type: expected application/json, got ${JSON.stringify(contentType)}`,
    );
  }
  if (bytes > MAX_BODY_BYTES) {
    return rejectBody(
      413,
      'payload_too_large',
      `body: ${bytes} bytes, at most ${MAX_BODY_BYTES} bytes per request`,
    );
  }
  if (text.trim() === '') return rejectBody(400, 'invalid_json', 'body: empty, expected a JSON object');

  const parsed = parseJson(text);
  if (!parsed.ok) {
    const { position, line, column, message } = parsed.error;
    return rejectBody(
      400,
      'invalid_json',
      `body: invalid JSON at position ${position} (line ${line}, column ${column}): ${message}`,
    );
  }

  // Before anything else reads the body: nothing in a request nested this deep is accepted, so no valid
  // event of it is published (and none duplicated when the client retries after fixing it).
  const deep = findTooDeep(parsed.value, MAX_JSON_DEPTH);
  if (deep) {
    const field = truncateField(formatPath(deep));
    return rejectBody(
      400,
      'nesting_too_deep',
      `${field}: nested more than ${MAX_JSON_DEPTH} objects or arrays deep (counted from the body)`,
    );
  }

  const items = extractItems(input.route, parsed.value);
  if (!items.ok) return rejectBody(items.rejection.status, items.rejection.code, items.rejection.message);
  return { ok: true, batch: normalizeItems(input, items.items) };
}

type ExtractResult = { ok: true; items: readonly unknown[] } | { ok: false; rejection: BodyRejection };

function extractItems(route: IngestRoute, body: unknown): ExtractResult {
  if (route === 'events') {
    if (!isPlainObject(body)) {
      return invalidBody(`body: expected a JSON object with an "events" array, got ${describeType(body)}`);
    }
    if (!Array.isArray(body.events))
      return invalidBody(`events: expected an array, got ${describeType(body.events)}`);
    return checkCount('events', body.events);
  }
  if (route === 'batch') {
    const unpacked = segmentBatchMessages(body);
    if (!unpacked.ok) return invalidBody(unpacked.rejection.message);
    return checkCount('batch', unpacked.messages);
  }
  // A single Segment call: the body is the message; a non-object is rejected as that one event.
  return { ok: true, items: [body] };
}

function checkCount(field: string, items: readonly unknown[]): ExtractResult {
  if (items.length === 0) return invalidBody(`${field}: expected at least 1 event`);
  if (items.length > MAX_EVENTS_PER_REQUEST) {
    return {
      ok: false,
      rejection: {
        status: 413,
        code: 'too_many_events',
        message: `${field}: ${items.length} events, at most ${MAX_EVENTS_PER_REQUEST} per request`,
      },
    };
  }
  return { ok: true, items };
}

function invalidBody(message: string): ExtractResult {
  return { ok: false, rejection: { status: 400, code: 'invalid_body', message } };
}

function normalizeItems(input: IngestRequestInput, items: readonly unknown[]): IngestBatch {
  const { route } = input;
  const accepted: AcceptedEvent[] = [];
  const errors: EventError[] = [];
  const duplicates: number[] = [];
  const seen = new Set<string>();
  const options: NormalizeOptions = {
    receivedAt: input.receivedAt,
    ...(input.generateId ? { generateId: input.generateId } : {}),
    ...(input.maxEventAgeMs !== undefined ? { maxEventAgeMs: input.maxEventAgeMs } : {}),
    allowCanaryUserIds: input.fromCanary ?? false,
  };

  items.forEach((item, index) => {
    const prefix = route === 'events' || route === 'batch' ? `${route}[${index}]` : '';
    const result = normalizeItem(route, item, options);
    if (!result.ok) {
      const { code, field, message } = result.rejection;
      errors.push({ index, code, field: joinField(prefix, field), message });
    } else if (seen.has(result.event.eventId)) {
      duplicates.push(index);
    } else {
      seen.add(result.event.eventId);
      accepted.push({ index, event: result.event });
    }
  });
  return { route, items, accepted, errors, duplicates };
}

/**
 * One event of a request as the API takes it: a Segment message is size-checked and mapped first, then every
 * event goes through `normalize` (the event rules; the quarantine replay passes its own in tests).
 */
export function normalizeItem(
  route: IngestRoute,
  item: unknown,
  options: NormalizeOptions,
  normalize: typeof normalizeEvent = normalizeEvent,
): ReturnType<typeof normalizeEvent> {
  if (route === 'events') return normalize(item, options);

  // Segment messages: the 32 KB limit applies to the message as sent (Segment's own rule), not to our
  // mapping of it, which drops fields and could let an oversized message through.
  const bytes = Buffer.byteLength(JSON.stringify(item) ?? '', 'utf8');
  if (bytes > MAX_EVENT_BYTES) {
    return {
      ok: false,
      rejection: {
        code: 'event_too_large',
        field: '',
        message: `event is ${bytes} bytes, over the limit of ${MAX_EVENT_BYTES} bytes`,
      },
    };
  }
  // Checked on the message as sent, so the error names Segment's field (`properties.price`), not ours.
  const nonFinite = findNonFinite(item);
  if (nonFinite) {
    const field = formatPath(nonFinite.path);
    return {
      ok: false,
      rejection: { code: 'non_finite_number', field, message: nonFiniteMessage(field, nonFinite.value) },
    };
  }
  const mapped = segmentToEventInput(item, route === 'batch' ? undefined : route);
  return mapped.ok ? normalize(mapped.input, options) : mapped;
}

/** `events[3]` + `userId` -> `events[3].userId`; `events[3]` + `[0]` -> `events[3][0]`; '' + `userId` -> `userId`. */
export function joinField(prefix: string, field: string): string {
  if (prefix === '') return field;
  if (field === '') return prefix;
  return field.startsWith('[') ? `${prefix}${field}` : `${prefix}.${field}`;
}

function truncateField(field: string): string {
  return field.length > MAX_FIELD_CHARS ? `${field.slice(0, MAX_FIELD_CHARS)}…` : field;
}

function decodeBody(
  body: string | null | undefined,
  isBase64Encoded: boolean,
): { text: string; bytes: number } {
  if (body === null || body === undefined) return { text: '', bytes: 0 };
  if (isBase64Encoded) {
    const buffer = Buffer.from(body, 'base64');
    return { text: buffer.toString('utf8'), bytes: buffer.length };
  }
  return { text: body, bytes: Buffer.byteLength(body, 'utf8') };
}

/** `application/json`, with any parameters (`; charset=utf-8`); type and subtype are case-insensitive. */
export function isJsonContentType(value: string | undefined): boolean {
  if (value === undefined) return false;
  const mediaType = value.split(';', 1)[0]!.trim().toLowerCase();
  return mediaType === 'application/json';
}

/** Header names are case-insensitive; API Gateway passes them as the client spelled them. */
export function headerValue(
  headers: Readonly<Record<string, string | undefined>> | null | undefined,
  name: string,
): string | undefined {
  if (!headers) return undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  }
  return undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  return Array.isArray(value) ? 'array' : typeof value;
}
