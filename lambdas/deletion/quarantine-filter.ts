/**
 * Which quarantine records (JSON lines, lambdas/ingest/quarantine.ts) belong to a purged user. A record's
 * `rawPayload` is the rejected event re-serialised as JSON, a whole request body, or a stream record that
 * may not be JSON at all. A record is the user's when:
 *   - its raw payload parses as JSON and any object in it, at any depth (a batch body holds many events),
 *     has `userId` / `user_id` equal to the user id, or `anonymousId` / `anonymous_id` equal to one of the
 *     request's anonymous ids; or
 *   - it does not parse (invalid JSON, truncated at 1 MiB) and contains the JSON-encoded id with its quotes
 *     (`"u-42"`), the same test the Athena query that found the object applied.
 * Lines that are not JSON records themselves are kept untouched: they are not attributable.
 */
import type { PurgeSubject } from './purge-sql';

const USER_KEYS = ['userId', 'user_id'];
const ANONYMOUS_KEYS = ['anonymousId', 'anonymous_id'];

export function filterQuarantineLines(
  text: string,
  subject: PurgeSubject,
): { readonly kept: string; readonly removed: number; readonly keptLines: number } {
  return filterJsonLines(text, (line) => belongsToSubject(line, subject));
}

/** Splits JSON lines into the ones `remove` picks and the rest (kept as written, trailing newline too). */
export function filterJsonLines(
  text: string,
  remove: (line: string) => boolean,
): { readonly kept: string; readonly removed: number; readonly keptLines: number } {
  const lines = text.split('\n');
  const trailingNewline = text.endsWith('\n');
  if (trailingNewline) lines.pop();
  const kept: string[] = [];
  let removed = 0;
  for (const line of lines) {
    if (remove(line)) removed += 1;
    else kept.push(line);
  }
  const body = kept.length === 0 ? '' : `${kept.join('\n')}${trailingNewline ? '\n' : ''}`;
  return { kept: body, removed, keptLines: kept.filter((l) => l.trim() !== '').length };
}

export function belongsToSubject(line: string, subject: PurgeSubject): boolean {
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    return false;
  }
  if (!isObject(record) || typeof record.rawPayload !== 'string') return false;
  return payloadMentions(record.rawPayload, subject);
}

/**
 * Whether a raw payload names the subject: as JSON, any object at any depth with its user id or one of its
 * anonymous ids (in any form the subject lists: real, or as a pseudonymised lake stores them); not JSON, the
 * JSON-encoded id with its quotes occurs in it.
 */
export function payloadMentions(raw: string, subject: PurgeSubject): boolean {
  const users = new Set([subject.userId, ...(subject.lakeUserIds ?? [])]);
  const anonymous = new Set([...(subject.anonymousIds ?? []), ...(subject.lakeAnonymousIds ?? [])]);
  let payload: unknown;
  try {
    payload = JSON.parse(raw);
  } catch {
    return [...users, ...anonymous].some((id) => raw.includes(JSON.stringify(id)));
  }
  return mentions(payload, users, anonymous);
}

function mentions(value: unknown, users: ReadonlySet<string>, anonymous: ReadonlySet<string>): boolean {
  if (Array.isArray(value)) return value.some((v) => mentions(v, users, anonymous));
  if (!isObject(value)) return false;
  for (const [key, v] of Object.entries(value)) {
    if (USER_KEYS.includes(key) && typeof v === 'string' && users.has(v)) return true;
    if (ANONYMOUS_KEYS.includes(key) && typeof v === 'string' && anonymous.has(v)) return true;
    if (typeof v === 'object' && v !== null && mentions(v, users, anonymous)) return true;
  }
  return false;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
