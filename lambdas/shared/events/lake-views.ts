/**
 * The lake's views, in one place: `events_unique` (sql/views/events_unique.sql), one row per event over the
 * at-least-once `events` table, and `identities` (sql/views/identities.sql), the anonymous ids linked to users. The Glue view Athena reads (lib/data-lake/athena-view.ts) and the local DuckDB
 * view (local/lake/query.ts) are both created from `eventsUniqueSql()` (and `identitiesSql()`), so the two engines cannot disagree on
 * what a unique event is.
 *
 * Not exported from ./index: no Lambda reads these files (the SQL lives beside the app, not in the bundles).
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EVENT_COLUMNS, EVENT_PARTITION_KEYS, type LakeColumn } from './lake-columns';

/** Name of the view, in Glue and in DuckDB. */
export const EVENTS_UNIQUE_VIEW = 'events_unique';

/** The view's columns: those of `events`, partition keys last (as a query over `events` lists them). */
export const EVENTS_UNIQUE_COLUMNS: readonly LakeColumn[] = [...EVENT_COLUMNS, ...EVENT_PARTITION_KEYS];

/** The folder of the view definitions. */
export const VIEW_SQL_DIR = resolve(__dirname, '..', '..', '..', 'sql', 'views');

const COLUMNS_PLACEHOLDER = '{{event_columns}}';

/**
 * The SELECT of `events_unique`, with its column list rendered from the lake's columns (an explicit list: a
 * Presto view whose `*` grew with the table would be "stale" in Athena). Comments kept: Athena shows them.
 */
export function eventsUniqueSql(dir: string = VIEW_SQL_DIR): string {
  const text = readFileSync(join(dir, `${EVENTS_UNIQUE_VIEW}.sql`), 'utf8').trim();
  if (text.split(COLUMNS_PLACEHOLDER).length !== 2)
    throw new Error(`${EVENTS_UNIQUE_VIEW}.sql must contain ${COLUMNS_PLACEHOLDER} exactly once`);
  return text.replace(COLUMNS_PLACEHOLDER, EVENTS_UNIQUE_COLUMNS.map((c) => c.name).join(', '));
}

/** Name of the identity links view, in Glue and in DuckDB (the link contract: lambdas/shared/identity.ts). */
export const IDENTITIES_VIEW = 'identities';

/** The columns `identities` returns, in order, with their Hive types. */
export const IDENTITIES_COLUMNS: readonly LakeColumn[] = [
  { name: 'anonymous_id', type: 'string', comment: 'anonymous visitor id' },
  { name: 'user_id', type: 'string', comment: 'the user it was linked to' },
  { name: 'first_seen_at', type: 'timestamp', comment: 'first event stating the link (receipt time)' },
  { name: 'last_seen_at', type: 'timestamp', comment: 'latest event stating the link (receipt time)' },
  { name: 'events', type: 'bigint', comment: 'distinct events stating the link' },
];

/** The SELECT of `identities`, comments kept. */
export function identitiesSql(dir: string = VIEW_SQL_DIR): string {
  return readFileSync(join(dir, `${IDENTITIES_VIEW}.sql`), 'utf8').trim();
}
