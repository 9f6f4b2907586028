/**
 * Pseudonymisation of the person identifiers an event carries on its way into the lake (opt-in, context
 * `pseudonymizeLakeUserIds`). A pseudonym is `p1_` + hex HMAC-SHA256(key, id): stable per id and key, so the
 * batch jobs still group one person's events, but not reversible without the key. The `p1` is the scheme
 * version: a new key or algorithm gets a new prefix, so analysts (and the purge) can tell generations apart.
 * No AWS here: the key comes from the caller (Secrets Manager in AWS, an env variable locally).
 */
import { createHmac } from 'node:crypto';
import { CANARY_USER_PREFIX } from './canary';

export const PSEUDONYM_VERSION = 'p1';
export const PSEUDONYM_PREFIX = `${PSEUDONYM_VERSION}_`;
/** `p1_` and 64 lower-case hex digits. */
export const PSEUDONYM_PATTERN = /^p1_[0-9a-f]{64}$/;
/** A shorter key would make the HMAC guessable by brute force over the key. */
export const MIN_KEY_LENGTH = 32;
/** The event fields pseudonymised: both identify a person (a signed-in user, a device or cookie). */
export const PSEUDONYMISED_FIELDS = ['userId', 'anonymousId'] as const;

export class PseudonymKeyError extends Error {
  override readonly name = 'PseudonymKeyError';
}

export class PseudonymRecordError extends Error {
  override readonly name = 'PseudonymRecordError';
}

/** The HMAC key from its text form (a generated secret string), checked for a minimum length. */
export function parsePseudonymKey(secret: string | undefined): Buffer {
  const text = (secret ?? '').trim();
  if (text.length < MIN_KEY_LENGTH) {
    throw new PseudonymKeyError(
      `pseudonym key must be at least ${MIN_KEY_LENGTH} characters, got ${text.length}`,
    );
  }
  return Buffer.from(text, 'utf8');
}

/** `p1_<hex HMAC-SHA256(key, id)>`. */
export function pseudonymize(key: Uint8Array, id: string): string {
  return `${PSEUDONYM_PREFIX}${createHmac('sha256', key).update(id, 'utf8').digest('hex')}`;
}

export function isPseudonym(value: unknown): boolean {
  return typeof value === 'string' && PSEUDONYM_PATTERN.test(value);
}

/**
 * The id as the lake stores it. Canary ids (`canary#…`) are synthetic, not personal, and every job and named
 * query excludes them by that prefix, so they stay as they are.
 */
export function lakeIdentifier(key: Uint8Array, id: string): string {
  return id.startsWith(CANARY_USER_PREFIX) ? id : pseudonymize(key, id);
}

/**
 * A copy of a JSON event with `userId` and `anonymousId` replaced by their pseudonyms; every other field as
 * it was. Absent, null or empty ids stay as they are (the lake keeps "not set" as it was sent).
 */
export function pseudonymizeEvent(event: unknown, key: Uint8Array): Record<string, unknown> {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    throw new PseudonymRecordError('record is not a JSON object');
  }
  const out: Record<string, unknown> = { ...(event as Record<string, unknown>) };
  for (const field of PSEUDONYMISED_FIELDS) {
    const value = out[field];
    if (value === undefined || value === null || value === '') continue;
    if (typeof value !== 'string') {
      throw new PseudonymRecordError(`${field} must be a string, got ${typeof value}`);
    }
    out[field] = lakeIdentifier(key, value);
  }
  return out;
}

/** Parses one record's bytes (UTF-8 JSON) and pseudonymises it; throws PseudonymRecordError with the reason. */
export function pseudonymizeRecord(data: Uint8Array, key: Uint8Array): string {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(data).toString('utf8'));
  } catch (error) {
    throw new PseudonymRecordError(`record is not valid JSON: ${(error as Error).message}`);
  }
  return JSON.stringify(pseudonymizeEvent(json, key));
}
