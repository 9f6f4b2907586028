/**
 * The Athena SQL of the AWS lake purge, rendered from validated values only: the ids run inside queries
 * executed with the purge role, so each is checked (the shared id rules: length, NFC, no control
 * characters, well-formed) and
 * rendered as a Trino string literal with quotes doubled; identifiers come from the lake column list and
 * must be plain lower-case names; object paths must be keys of the layout Firehose writes. No AWS here.
 *
 * NULL matters: `user_id IN ('a')` is NULL, not false, for an anonymous event, and `NOT NULL` would drop
 * that row from the rewrite. Every membership test is wrapped in `coalesce(..., false)`.
 */
import { parseStoredId } from '../shared/ids';
import { InvalidUserIdError } from './deletion-request';

/** Whose rows a purge removes: the user id, plus anonymous ids when the request names them. */
export interface PurgeSubject {
  readonly userId: string;
  readonly anonymousIds?: readonly string[];
  /**
   * The same ids as a pseudonymised lake stores them (`p1_…`, lambdas/shared/pseudonym.ts), when the lake
   * is pseudonymised: rows written before the switch carry the real ids, rows after it the pseudonyms.
   */
  readonly lakeUserIds?: readonly string[];
  readonly lakeAnonymousIds?: readonly string[];
}

export class PurgeSqlError extends Error {
  override readonly name = 'PurgeSqlError';
}

/** Athena's query-text limit is 256 KiB; 100 ids of at most 256 characters stay far below it. */
export const MAX_ANONYMOUS_IDS = 100;

/** C0 control characters and DEL. */
const hasControl = (text: string) =>
  [...text].some((c) => (c.codePointAt(0) as number) < 0x20 || c === '\u007f');
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,127}$/;
/** `events/event_type=<t>/dt=<yyyy-MM-dd>/hour=<HH>/<file>`: the keys Firehose (and this purge) writes. */
const EVENT_KEY =
  /^events\/event_type=[a-z_]{1,64}\/dt=\d{4}-\d{2}-\d{2}\/hour=\d{2}\/[A-Za-z0-9._=-]{1,512}$/;
/** `quarantine/dt=<yyyy-MM-dd>/reason=<code>/<file>.jsonl` (lambdas/shared/quarantine-layout.ts). */
const QUARANTINE_KEY =
  /^quarantine\/dt=\d{4}-\d{2}-\d{2}\/reason=[A-Za-z0-9_-]{1,64}\/[A-Za-z0-9._-]{1,512}$/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * Validates an id to purge as it is stored, under the id rules every entry point shares (lambdas/shared/ids.ts):
 * whatever the ingest API and DELETE accept, the purge accepts, and nothing else reaches the SQL.
 */
export function validatePurgeId(id: unknown, what: 'userId' | 'anonymousId' = 'userId'): string {
  const parsed = parseStoredId(id, what);
  if (!parsed.ok) throw new InvalidUserIdError(parsed.message);
  return parsed.id;
}

/** A Trino string literal of a validated id. */
export function idLiteral(id: unknown, what: 'userId' | 'anonymousId' = 'userId'): string {
  return `'${validatePurgeId(id, what).replaceAll("'", "''")}'`;
}

export function quoteIdentifier(name: string): string {
  if (!IDENTIFIER.test(name)) throw new PurgeSqlError(`'${name}' is not a plain lower-case identifier`);
  return `"${name}"`;
}

function validateSubject(subject: PurgeSubject): { users: string[]; anonymous: string[] } {
  const anonymous = [...new Set(subject.anonymousIds ?? [])];
  if (anonymous.length > MAX_ANONYMOUS_IDS)
    throw new PurgeSqlError(
      `at most ${MAX_ANONYMOUS_IDS} anonymous ids per request, got ${anonymous.length}`,
    );
  const users = [...new Set([subject.userId, ...(subject.lakeUserIds ?? [])])];
  const anonymousAsStored = [...new Set([...anonymous, ...(subject.lakeAnonymousIds ?? [])])];
  return {
    users: users.map((id) => idLiteral(id)),
    anonymous: anonymousAsStored.map((id) => idLiteral(id, 'anonymousId')),
  };
}

/** TRUE exactly for the subject's event rows (never NULL). */
export function subjectPredicate(subject: PurgeSubject): string {
  const { users, anonymous } = validateSubject(subject);
  const parts = [
    users.length === 1
      ? `coalesce("user_id" = ${users[0]}, false)`
      : `coalesce("user_id" IN (${users.join(', ')}), false)`,
  ];
  if (anonymous.length > 0) parts.push(`coalesce("anonymous_id" IN (${anonymous.join(', ')}), false)`);
  return parts.length === 1 ? (parts[0] as string) : `(${parts.join(' OR ')})`;
}

function table(database: string, name: string): string {
  return `${quoteIdentifier(database)}.${quoteIdentifier(name)}`;
}

/** The objects of the events table holding the subject's rows, with the row count of each. */
export function findEventObjectsSql(database: string, subject: PurgeSubject): string {
  return (
    `SELECT "$path" AS path, count(*) AS row_count FROM ${table(database, 'events')} ` +
    `WHERE ${subjectPredicate(subject)} GROUP BY "$path" ORDER BY "$path"`
  );
}

/**
 * Quarantine objects that may hold the subject's records: the JSON-encoded id (with its quotes) occurs in
 * the raw payload. A superset: the Lambda filters each object's lines exactly (quarantine-filter.ts).
 */
export function findQuarantineObjectsSql(database: string, subject: PurgeSubject): string {
  validateSubject(subject);
  const ids = [...new Set([subject.userId, ...(subject.anonymousIds ?? [])])];
  const needles = ids.map((id) => `strpos("raw_payload", ${stringLiteral(JSON.stringify(id))}) > 0`);
  return (
    `SELECT DISTINCT "$path" AS path FROM ${table(database, 'quarantine')} ` +
    `WHERE ${needles.join(' OR ')} ORDER BY "$path"`
  );
}

/**
 * Rewrites one events object without the subject's rows into `stagingUri` (an empty prefix): the data
 * columns only, in table order, so the output has the layout Firehose writes (partition values stay in
 * the key).
 */
export function unloadWithoutSubjectSql(input: {
  readonly database: string;
  readonly columns: readonly string[];
  readonly objectUri: string;
  readonly subject: PurgeSubject;
  readonly stagingUri: string;
}): string {
  if (input.columns.length === 0) throw new PurgeSqlError('no columns to unload');
  const columns = input.columns.map(quoteIdentifier).join(', ');
  const { bucket, key } = parseS3Uri(input.objectUri);
  eventObjectKey(key);
  const staging = parseS3Uri(input.stagingUri);
  if (!staging.key.endsWith('/') || !/^[A-Za-z0-9._=/-]+$/.test(staging.key))
    throw new PurgeSqlError(
      `staging location must be a plain prefix ending in '/', got '${input.stagingUri}'`,
    );
  return (
    `UNLOAD (SELECT ${columns} FROM ${table(input.database, 'events')} ` +
    `WHERE "$path" = ${stringLiteral(`s3://${bucket}/${key}`)} AND NOT ${subjectPredicate(input.subject)}) ` +
    `TO ${stringLiteral(`s3://${staging.bucket}/${staging.key}`)} ` +
    `WITH (format = 'PARQUET', compression = 'SNAPPY')`
  );
}

/** Splits `s3://bucket/key`, checking the bucket name. */
export function parseS3Uri(uri: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!match || !BUCKET.test(match[1] as string))
    throw new PurgeSqlError(`'${uri}' is not an s3:// object URI`);
  return { bucket: match[1] as string, key: match[2] as string };
}

/** The key if it is an events object of the lake layout; throws otherwise. */
export function eventObjectKey(key: string): string {
  if (!EVENT_KEY.test(key))
    throw new PurgeSqlError(`'${key}' is not an events object key of the lake layout`);
  return key;
}

export function quarantineObjectKey(key: string): string {
  if (!QUARANTINE_KEY.test(key))
    throw new PurgeSqlError(`'${key}' is not a quarantine object key of the lake layout`);
  return key;
}

/** A literal for text this module built or checked itself (no control characters). */
function stringLiteral(text: string): string {
  if (hasControl(text)) throw new PurgeSqlError('control characters in a SQL string');
  return `'${text.replaceAll("'", "''")}'`;
}
