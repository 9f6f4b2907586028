/**
 * Segment-style write keys: what they look like, how they are stored and how they arrive.
 * No AWS here; the DynamoDB adapter is write-key-store.ts and the Lambda glue is handler.ts.
 *
 * Only the SHA-256 of a key is stored. A plain, fast hash is the right tool (not bcrypt/scrypt/argon2):
 * slow hashes protect low-entropy secrets such as passwords against guessing, but a generated key has
 * 256 random bits (and any key we accept must have at least 128), so guessing a preimage is infeasible
 * however fast the hash is, and a fast hash keeps the authorizer's cold path cheap.
 */
import { createHash, randomBytes } from 'node:crypto';

export const WRITE_KEY_PREFIX = 'rs_';
/** 32 random bytes = 256 bits of entropy, well above the 128-bit floor. */
const WRITE_KEY_RANDOM_BYTES = 32;
/** Longer keys are rejected without a lookup: no real key is this long, and it bounds hashing work. */
export const MAX_WRITE_KEY_LENGTH = 256;

/** A row of the write-keys table. The key itself is never stored, only its hash. */
export interface WriteKeyRecord {
  /** SHA-256 hex of the key: the partition key. */
  readonly keyHash: string;
  /** Human-readable name (e.g. `web-shop-prod`): becomes the authorizer principal and `writeKeyName`. */
  readonly name: string;
  /** ISO-8601 creation time. */
  readonly createdAt: string;
  /** A disabled key is known but denied (403), so a leaked key can be revoked without deleting its history. */
  readonly disabled?: boolean;
  /** ISO-8601 time the key was disabled (`recostream keys revoke` records it). */
  readonly disabledAt?: string;
  /**
   * What the key may do (KEY_ROLES); absent = `write`, the ordinary key the ingest routes take. `admin` keys
   * may also call the admin methods (DELETE /v1/users/{userId}, PUT /v1/items); `catalog` keys may only
   * write the item catalogue (PUT /v1/items).
   */
  readonly role?: KeyRole;
}

/**
 * Key roles, in one place for the authorizers, the table adapter and `recostream keys`:
 *   write    ingest routes (events, Segment calls)
 *   admin    ingest routes, DELETE /v1/users/{userId}, PUT /v1/items
 *   catalog  PUT /v1/items only
 */
export const KEY_ROLES = ['write', 'admin', 'catalog'] as const;
export type KeyRole = (typeof KEY_ROLES)[number];

/** The role a stored value grants: only an exact role name counts; anything else is an ordinary key. */
export function keyRoleOf(value: unknown): KeyRole {
  return value === 'admin' || value === 'catalog' ? value : 'write';
}

/** Parses a comma-separated role list (an authorizer's ACCEPTED_ROLES); an unknown name is an error. */
export function parseKeyRoles(text: string): KeyRole[] {
  const roles = text
    .split(',')
    .map((r) => r.trim())
    .filter((r) => r !== '');
  for (const role of roles) {
    if (!(KEY_ROLES as readonly string[]).includes(role)) {
      throw new Error(`unknown key role '${role}': expected ${KEY_ROLES.join(', ')}`);
    }
  }
  if (roles.length === 0) throw new Error('the accepted key roles must not be empty');
  return roles as KeyRole[];
}

/** SHA-256 hex of a write key (see the module comment for why a fast hash is fine). */
export function hashWriteKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** A new random write key: `rs_` + 32 random bytes in base64url (43 characters). */
export function generateWriteKey(): string {
  return WRITE_KEY_PREFIX + randomBytes(WRITE_KEY_RANDOM_BYTES).toString('base64url');
}

/** A fresh key and the record to store for it; the caller shows the key once and stores only the record. */
export function newWriteKey(
  name: string,
  now: Date = new Date(),
  role: KeyRole = 'write',
): { key: string; record: WriteKeyRecord } {
  if (name.trim() === '') throw new Error('write key name must not be empty');
  const key = generateWriteKey();
  return {
    key,
    record: {
      keyHash: hashWriteKey(key),
      name,
      createdAt: now.toISOString(),
      // Ordinary keys keep the item shape they always had (no role attribute).
      ...(role !== 'write' ? { role } : {}),
    },
  };
}

export type ParsedAuthorization = { ok: true; writeKey: string } | { ok: false; reason: string };

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Parses `Authorization: Basic base64(<writeKey>:)`, the header Segment's libraries send: the key is the
 * user name and the password is empty (a non-empty password is ignored). A decoded value without a colon
 * is taken as the key, as Segment does. The reasons returned never contain the key.
 */
export function parseBasicAuthorization(header: string | undefined | null): ParsedAuthorization {
  if (header === undefined || header === null || header.trim() === '') {
    return { ok: false, reason: 'missing Authorization header' };
  }
  const match = /^\s*basic\s+(\S+)\s*$/i.exec(header);
  if (!match) return { ok: false, reason: 'Authorization header is not of the form "Basic <base64>"' };
  const encoded = match[1]!;
  if (encoded.length % 4 !== 0 || !BASE64.test(encoded)) {
    return { ok: false, reason: 'Authorization credentials are not valid base64' };
  }
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const writeKey = colon === -1 ? decoded : decoded.slice(0, colon);
  if (writeKey === '') return { ok: false, reason: 'Authorization credentials carry an empty write key' };
  if (writeKey.length > MAX_WRITE_KEY_LENGTH) {
    return { ok: false, reason: `write key longer than ${MAX_WRITE_KEY_LENGTH} characters` };
  }
  // Keys are printable ASCII without spaces; anything else (control characters, the U+FFFD of invalid
  // UTF-8) cannot be a key we issued, so it is garbled input rather than a key to look up.
  if (!/^[!-~]+$/.test(writeKey)) {
    return { ok: false, reason: 'write key contains characters other than printable ASCII' };
  }
  return { ok: true, writeKey };
}

/** The value of `Basic` credentials for a key, as a client sends it; used by tools and tests. */
export function basicAuthorizationFor(writeKey: string): string {
  return `Basic ${Buffer.from(`${writeKey}:`, 'utf8').toString('base64')}`;
}
