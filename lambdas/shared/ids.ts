/**
 * The id contract, one for every entry point: the ingest API (our events and Segment's), the canonical event
 * the consumer parses, `DELETE /v1/users/{userId}`, the recommendation API's `{userId}`, and the lake purge.
 * An id the API stores can therefore always be looked up and deleted again.
 *
 * An id is text that is
 *   - 1 to 256 UTF-16 code units long (Kinesis partition keys, DynamoDB keys and SQL literals stay small);
 *   - in Unicode NFC: entry points normalise it (`é` typed as e + U+0301 and as U+00E9 is one user), and
 *     the purge, which receives stored ids, requires it;
 *   - well-formed (`String.prototype.isWellFormed()`): a lone surrogate has no UTF-8 form, so Parquet,
 *     DynamoDB and Athena would each treat it differently;
 *   - free of control characters: C0 (U+0000-U+001F), DEL (U+007F) and C1 (U+0080-U+009F).
 *
 * Reserved userId prefixes: `anon#` (anonymous visitors' profiles are keyed `anon#<anonymousId>`, so a
 * userId `anon#x` would share visitor x's profile) and `canary#` (the freshness canary's marker, which every
 * statistic filters out; only the canary's own write key may send it, see ingest). An anonymousId needs no
 * reservation: its profile key always carries the `anon#` prefix.
 */
import { z } from 'zod';
import { CANARY_USER_PREFIX } from './canary';

export { CANARY_USER_PREFIX };

export const MAX_ID_LENGTH = 256;
/** Anonymous visitors' profile key: `anon#<anonymousId>` (the consumer's profile key, the recommendation path). */
export const ANONYMOUS_PROFILE_PREFIX = 'anon#';

/** The quarantine reason of an event whose id breaks the text rules, and of one using a reserved prefix. */
export type IdRejectionCode = 'invalid_id' | 'reserved_id';

/** General category Cc: exactly C0 (U+0000-U+001F), DEL (U+007F) and C1 (U+0080-U+009F). */
const CONTROL_CHARACTER = /\p{Cc}/u;

/** What is wrong with the text of an id (length aside), or undefined. */
export function idTextProblem(value: string): string | undefined {
  if (!value.isWellFormed()) return 'must be well-formed Unicode (it contains a lone surrogate)';
  const control = CONTROL_CHARACTER.exec(value);
  if (control) {
    const code = (control[0].codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0');
    return `must not contain control characters (U+${code} at position ${control.index})`;
  }
  if (value.normalize('NFC') !== value) return 'must be in Unicode normalization form NFC';
  return undefined;
}

/** Why `userId` may not be used as a userId here, or undefined. */
export function reservedUserIdProblem(userId: string, allowCanary: boolean): string | undefined {
  if (userId.startsWith(ANONYMOUS_PROFILE_PREFIX))
    return `the prefix ${ANONYMOUS_PROFILE_PREFIX} is reserved for anonymous visitors; send their id as anonymousId`;
  if (!allowCanary && userId.startsWith(CANARY_USER_PREFIX))
    return `the prefix ${CANARY_USER_PREFIX} is reserved for the freshness canary`;
  return undefined;
}

const nfc = (value: string) => value.normalize('NFC');

function idIssue(reason: IdRejectionCode, message: string, input: string): z.core.$ZodRawIssue {
  return { code: 'custom', message, input, params: { rejection: reason } };
}

/**
 * Any id (event, session, item, order, recommendation, user, anonymous visitor): normalised to NFC on parse,
 * then checked. The issues carry `params.rejection`, which the event normaliser turns into its reason code.
 */
export function idSchema(max = MAX_ID_LENGTH) {
  return (
    z
      .string()
      .overwrite(nfc)
      .superRefine((value, ctx) => {
        const problem = idLengthProblem(value, max) ?? idTextProblem(value);
        if (problem) ctx.addIssue(idIssue('invalid_id', problem, value));
      })
      // The length rule in the JSON Schema export (the check above is a refinement it cannot see).
      .meta({ minLength: 1, maxLength: max })
  );
}

function idLengthProblem(value: string, max: number): string | undefined {
  if (value.length === 0) return 'must not be empty';
  if (value.length > max) return `must be at most ${max} characters long`;
  return undefined;
}

/** A userId as stored: `canary#` is allowed here (the canary's events are canonical events too). */
export const UserIdSchema = idSchema().superRefine((value, ctx) => {
  const problem = reservedUserIdProblem(value, true);
  if (problem) ctx.addIssue(idIssue('reserved_id', problem, value));
});

export const AnonymousIdSchema = idSchema();

/**
 * A profile key, as the recommendation API's `{userId}` takes it: a userId, or `anon#<anonymousId>` for an
 * anonymous visitor.
 */
export const ProfileKeySchema = z
  .string()
  .overwrite(nfc)
  .superRefine((value, ctx) => {
    const anonymous = value.startsWith(ANONYMOUS_PROFILE_PREFIX);
    const id = anonymous ? value.slice(ANONYMOUS_PROFILE_PREFIX.length) : value;
    const parsed = (anonymous ? AnonymousIdSchema : UserIdSchema).safeParse(id);
    if (parsed.success) return;
    const message = parsed.error.issues[0]?.message ?? 'invalid id';
    if (anonymous && id === '') {
      ctx.addIssue(
        idIssue('invalid_id', `${ANONYMOUS_PROFILE_PREFIX} must be followed by the anonymousId`, value),
      );
    } else {
      ctx.addIssue(
        idIssue('invalid_id', anonymous ? `the anonymousId after anon# ${message}` : message, value),
      );
    }
  });

export type IdParseResult = { ok: true; id: string } | { ok: false; message: string };

/** `<what> <problem>` for the first problem of `value`, e.g. `userId must not be empty`. */
function parseWith(schema: z.ZodType<string>, what: string, value: unknown): IdParseResult {
  if (value === undefined || value === null) return { ok: false, message: `${what} is required` };
  if (typeof value !== 'string') return { ok: false, message: `${what} must be a string` };
  const parsed = schema.safeParse(value);
  if (parsed.success) return { ok: true, id: parsed.data };
  return { ok: false, message: `${what} ${parsed.error.issues[0]?.message ?? 'is invalid'}` };
}

/** A userId from an entry point (DELETE path, purge): normalised to NFC, checked, reservations applied. */
export function parseUserId(value: unknown): IdParseResult {
  return parseWith(UserIdSchema, 'userId', value);
}

export function parseAnonymousId(value: unknown): IdParseResult {
  return parseWith(AnonymousIdSchema, 'anonymousId', value);
}

/**
 * A stored id, exactly as stored: the same rules, and it must already be NFC (the purge runs SQL with it,
 * so it is never rewritten on the way).
 */
export function parseStoredId(value: unknown, what: 'userId' | 'anonymousId'): IdParseResult {
  const parsed = what === 'userId' ? parseUserId(value) : parseAnonymousId(value);
  if (parsed.ok && parsed.id !== value)
    return { ok: false, message: `${what} must be in Unicode normalization form NFC` };
  return parsed;
}
