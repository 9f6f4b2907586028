import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { type IdRejectionCode, reservedUserIdProblem } from '../ids';
import { findNonFinite, formatPath, nonFiniteMessage } from './json-shape';
import {
  AddToCartEventSchema,
  type CanonicalEvent,
  CURRENT_SCHEMA_VERSION,
  CustomEventSchema,
  DEFAULT_MAX_EVENT_AGE_MS,
  EVENT_TYPES,
  type EventType,
  hasIdentity,
  IDENTITY_REQUIRED_MESSAGE,
  MAX_EVENT_BYTES,
  MAX_FUTURE_SKEW_MS,
  PageViewEventSchema,
  ProductViewEventSchema,
  PurchaseEventSchema,
  RecommendationClickEventSchema,
  RecommendationImpressionEventSchema,
  RemoveFromCartEventSchema,
  SearchEventSchema,
} from './schema';

export type RejectionCode =
  | 'invalid_event'
  | 'event_too_large'
  | 'missing_identity'
  | 'unknown_type'
  | 'future_timestamp'
  | 'event_too_old'
  | 'non_finite_number'
  | IdRejectionCode;

/** `field` is a path into the event (`lineItems[0].price`), '' for the event as a whole. */
export interface EventRejection {
  code: RejectionCode;
  field: string;
  message: string;
}

export type NormalizeResult = { ok: true; event: CanonicalEvent } | { ok: false; rejection: EventRejection };

export interface NormalizeOptions {
  /** Server time; always wins over any client-supplied `receivedAt`. */
  receivedAt: Date;
  /** Supplies `eventId` when the client sent none. @default crypto.randomUUID */
  generateId?: () => string;
  /**
   * Oldest accepted `occurredAt`, as a distance before `receivedAt`; older events are rejected
   * (`event_too_old`). @default DEFAULT_MAX_EVENT_AGE_MS (30 days)
   */
  maxEventAgeMs?: number;
  /** Whether a `canary#` userId is allowed: only for the freshness canary's own write key. @default false */
  allowCanaryUserIds?: boolean;
}

// Before 1973-03-03 in milliseconds: a timestamp this small is almost certainly epoch SECONDS, which would
// otherwise land silently in a 1970 lake partition.
const MIN_EPOCH_MS = 1e11;
// Last millisecond of year 9999: beyond it toISOString() switches to a 6-digit year.
const MAX_EPOCH_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** Clients may send any offset or epoch milliseconds; the stored value is always UTC from toISOString(). */
const InputTimestamp = z
  .union(
    [
      z.iso.datetime({
        offset: true,
        error: 'expected an ISO-8601 timestamp with seconds and a Z or ±hh:mm offset',
      }),
      z
        .int()
        .min(MIN_EPOCH_MS, { error: 'expected epoch milliseconds; the value looks like seconds' })
        .max(MAX_EPOCH_MS),
    ],
    { error: 'expected an ISO-8601 timestamp string or epoch milliseconds' },
  )
  .transform((value) => new Date(value).toISOString())
  .pipe(PageViewEventSchema.shape.occurredAt);

const InputCurrency = z.string().trim().toUpperCase().pipe(PurchaseEventSchema.shape.currency);

// The canonical variants with the leniencies we grant clients on input. Built once at module load: this runs
// for every event of every ingest request.
const inputFields = { occurredAt: InputTimestamp };
const inputCartFields = {
  ...inputFields,
  quantity: AddToCartEventSchema.shape.quantity.default(1),
  currency: InputCurrency.optional(),
};
const InputEventSchema = z.discriminatedUnion('type', [
  PageViewEventSchema.extend(inputFields),
  ProductViewEventSchema.extend({ ...inputFields, currency: InputCurrency.optional() }),
  AddToCartEventSchema.extend(inputCartFields),
  RemoveFromCartEventSchema.extend(inputCartFields),
  PurchaseEventSchema.extend({ ...inputFields, currency: InputCurrency }),
  SearchEventSchema.extend(inputFields),
  RecommendationImpressionEventSchema.extend(inputFields),
  RecommendationClickEventSchema.extend(inputFields),
  CustomEventSchema.extend({
    ...inputFields,
    properties: CustomEventSchema.shape.properties.default(() => ({})),
  }),
]);

const KNOWN_TYPES: ReadonlySet<string> = new Set<EventType>(EVENT_TYPES);

/** Turns one client-supplied event into a canonical event, or says precisely why it cannot. */
export function normalizeEvent(input: unknown, opts: NormalizeOptions): NormalizeResult {
  if (!isPlainObject(input)) {
    return reject('invalid_event', '', `event must be a JSON object, received ${describeType(input)}`);
  }

  const bytes = serializedBytes(input);
  if (bytes === undefined) return reject('invalid_event', '', 'event cannot be serialized as JSON');
  if (bytes > MAX_EVENT_BYTES) {
    return reject(
      'event_too_large',
      '',
      `event is ${bytes} bytes, over the limit of ${MAX_EVENT_BYTES} bytes`,
    );
  }

  if (typeof input.type !== 'string' || !KNOWN_TYPES.has(input.type)) {
    const received =
      input.type === undefined ? 'missing' : `${truncate(JSON.stringify(input.type))} is unknown`;
    return reject('unknown_type', 'type', `type: ${received}; expected one of ${EVENT_TYPES.join(', ')}`);
  }

  if (!hasIdentity(input)) return reject('missing_identity', 'userId', IDENTITY_REQUIRED_MESSAGE);

  const nonFinite = findNonFinite(input);
  if (nonFinite) {
    const field = formatPath(nonFinite.path);
    return reject('non_finite_number', field, nonFiniteMessage(field, nonFinite.value));
  }

  const receivedAt = opts.receivedAt.toISOString();
  const candidate = withoutNulls(input);
  candidate.eventId ??= (opts.generateId ?? randomUUID)();
  candidate.schemaVersion ??= CURRENT_SCHEMA_VERSION;
  candidate.occurredAt ??= receivedAt;
  candidate.receivedAt = receivedAt;

  const parsed = InputEventSchema.safeParse(candidate, PARSE_OPTIONS);
  if (!parsed.success) {
    const { field, message } = formatIssues(parsed.error.issues);
    return reject(rejectionOf(parsed.error.issues[0]), field, message);
  }

  const event: CanonicalEvent = parsed.data;
  if (event.userId !== undefined) {
    const reserved = reservedUserIdProblem(event.userId, opts.allowCanaryUserIds ?? false);
    if (reserved) return reject('reserved_id', 'userId', `userId: ${reserved}`);
  }
  return checkEventTime(event, opts);
}

/** occurredAt within [receivedAt - max age, receivedAt + skew]: the lake and the jobs rely on the bound. */
function checkEventTime(event: CanonicalEvent, opts: NormalizeOptions): NormalizeResult {
  const receivedAt = event.receivedAt;
  const aheadMs = Date.parse(event.occurredAt) - opts.receivedAt.getTime();
  if (aheadMs > MAX_FUTURE_SKEW_MS) {
    return reject(
      'future_timestamp',
      'occurredAt',
      `occurredAt: ${event.occurredAt} is ${Math.round(aheadMs / 1000)} s after server time ${receivedAt}; ` +
        `at most ${MAX_FUTURE_SKEW_MS / 1000} s of clock skew is allowed`,
    );
  }
  const maxAgeMs = opts.maxEventAgeMs ?? DEFAULT_MAX_EVENT_AGE_MS;
  if (-aheadMs > maxAgeMs) {
    return reject(
      'event_too_old',
      'occurredAt',
      `occurredAt: ${event.occurredAt} is ${describeDuration(-aheadMs)} before server time ${receivedAt}; ` +
        `events older than ${describeDuration(maxAgeMs)} are not accepted (import history with recostream import)`,
    );
  }
  return { ok: true, event };
}

function describeDuration(ms: number): string {
  const hours = ms / 3_600_000;
  if (hours < 48) return `${Math.round(hours * 10) / 10} h`;
  return `${Math.round((hours / 24) * 10) / 10} days`;
}

/** The reason code an issue carries (`params.rejection`, set by the id schemas), else `invalid_event`. */
function rejectionOf(issue: z.core.$ZodIssue | undefined): RejectionCode {
  const params = issue?.code === 'custom' ? (issue.params as { rejection?: unknown } | undefined) : undefined;
  return params?.rejection === 'invalid_id' || params?.rejection === 'reserved_id'
    ? params.rejection
    : 'invalid_event';
}

const PARSE_OPTIONS = { error: conciseMessage } satisfies z.core.ParseContext<z.core.$ZodIssue>;

/** Short messages that fit after `field: `; returning undefined keeps zod's (or the schema's) own message. */
function conciseMessage(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined
        ? 'required'
        : `expected ${issue.expected}, received ${describeType(issue.input)}`;
    case 'too_small':
      return boundMessage(issue.origin, 'least', issue.minimum, issue.inclusive);
    case 'too_big':
      return boundMessage(issue.origin, 'most', issue.maximum, issue.inclusive);
    default:
      return undefined;
  }
}

function boundMessage(origin: string, side: 'least' | 'most', bound: unknown, inclusive = true): string {
  if (side === 'least' && bound === 1 && (origin === 'string' || origin === 'array'))
    return 'must not be empty';
  if (origin === 'string') return `must be at ${side} ${bound} characters long`;
  if (origin === 'array') return `must have at ${side} ${bound} items`;
  const operator = side === 'least' ? (inclusive ? '>=' : '>') : inclusive ? '<=' : '<';
  return `must be ${operator} ${bound}`;
}

// Several issues are all listed (the client fixes them in one go), up to a bound that keeps a 500-line-item
// order with a bad price on every line from producing a 20 KB message.
const MAX_LISTED_ISSUES = 5;

/** `field` is the first issue's path; the message summarises every issue as `path: reason`. */
function formatIssues(issues: readonly z.core.$ZodIssue[]): { field: string; message: string } {
  const summaries = issues.slice(0, MAX_LISTED_ISSUES).map((issue) => {
    const path = formatPath(issue.path);
    return path === '' ? issue.message : `${path}: ${issue.message}`;
  });
  const more = issues.length - summaries.length;
  if (more > 0) summaries.push(`and ${more} more`);
  return { field: formatPath(issues[0]?.path ?? []), message: summaries.join('; ') };
}

/**
 * A shallow copy without top-level nulls: JSON clients commonly send `"userId": null` for "not set", and
 * treating that as absent is kinder than rejecting the event. Nested values are left as sent. The copy has
 * no prototype: `JSON.parse` makes `"__proto__"` an own key, and assigning it to an ordinary object would
 * set the copy's prototype, through which the schema would read the fields it carries.
 */
function withoutNulls(input: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(input)) {
    if (input[key] !== null) copy[key] = input[key];
  }
  return copy;
}

function serializedBytes(input: object): number | undefined {
  try {
    return Buffer.byteLength(JSON.stringify(input), 'utf8');
  } catch {
    return undefined; // cycles or BigInt; impossible for parsed JSON, possible for in-process callers
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return typeof value;
}

function truncate(text: string, max = 64): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function reject(code: RejectionCode, field: string, message: string): NormalizeResult {
  return { ok: false, rejection: { code, field, message } };
}
