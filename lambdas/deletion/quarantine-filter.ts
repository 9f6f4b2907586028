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
  const lines = text.split('\n');
  const trailingNewline = text.endsWith('\n');
  if (trailingNewline) lines.pop();
  const kept: string[] = [];
  let removed = 0;
  for (const line of lines) {
    if (belongsToSubject(line, subject)) removed += 1;
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
  const raw = record.rawPayload;
  let payload: unknown;
  try {
    payload = JSON.parse(raw);
  } catch {
    return [subject.userId, ...(subject.anonymousIds ?? [])].some((id) => raw.includes(JSON.stringify(id)));
  }
  return mentions(payload, subject, new Set(subject.anonymousIds ?? []));
}

function mentions(value: unknown, subject: PurgeSubject, anonymous: ReadonlySet<string>): boolean {
  if (Array.isArray(value)) return value.some((v) => mentions(v, subject, anonymous));
  if (!isObject(value)) return false;
  for (const [key, v] of Object.entries(value)) {
    if (USER_KEYS.includes(key) && v === subject.userId) return true;
    if (ANONYMOUS_KEYS.includes(key) && typeof v === 'string' && anonymous.has(v)) return true;
    if (typeof v === 'object' && v !== null && mentions(v, subject, anonymous)) return true;
  }
  return false;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
