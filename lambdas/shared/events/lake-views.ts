/**
 * The lake's views, in one place: `events_unique` (sql/views/events_unique.sql), one row per event over the
 * at-least-once `events` table; `identities` (sql/views/identities.sql), the anonymous ids linked to users;
 * `attribution_touches` (sql/views/attribution_touches.sql), the attribution rule; `recommendation_slots` and
 * `recommendation_clicks`, what a recommendation showed (one row per item and position) and the clicks on it.
 * The Glue views Athena reads (lib/data-lake/athena-view.ts) and the local DuckDB views (local/lake/query.ts)
 * are both created from these functions, so the two engines cannot disagree on what a unique event is, what a
 * recommendation showed or which recommendation earned a purchase.
 *
 * Not exported from ./index: no Lambda reads these files (the SQL lives beside the app, not in the bundles).
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ATTRIBUTION_WINDOW_DAYS } from '../attribution-window';
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
  return renderView(
    dir,
    EVENTS_UNIQUE_VIEW,
    COLUMNS_PLACEHOLDER,
    EVENTS_UNIQUE_COLUMNS.map((c) => c.name).join(', '),
  );
}

/** The text of sql/views/<view>.sql, comments kept (Athena shows them). */
function viewText(dir: string, view: string): string {
  return readFileSync(join(dir, `${view}.sql`), 'utf8').trim();
}

/** The view's text with its one placeholder filled (a file without it, or with two, is an error). */
function renderView(dir: string, view: string, placeholder: string, value: string): string {
  const text = viewText(dir, view);
  if (text.split(placeholder).length !== 2)
    throw new Error(`${view}.sql must contain ${placeholder} exactly once`);
  return text.replace(placeholder, value);
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
  return viewText(dir, IDENTITIES_VIEW);
}

/** Name of the attribution rule's view, in Glue and in DuckDB. */
export const ATTRIBUTION_TOUCHES_VIEW = 'attribution_touches';

/**
 * The columns `attribution_touches` returns, in order, with their Hive types: the purchase line, then the
 * impression that touched it; each side with its event time, receipt time and receipt partition.
 */
export const ATTRIBUTION_TOUCHES_COLUMNS: readonly LakeColumn[] = [
  { name: 'purchase_id', type: 'string', comment: 'event_id of the purchase' },
  { name: 'line_pos', type: 'int', comment: 'position of the line in line_items, from 1' },
  { name: 'user_key', type: 'string', comment: "the buyer: user_id, else 'anon#' || anonymous_id" },
  { name: 'item_id', type: 'string', comment: 'the item bought and shown' },
  { name: 'quantity', type: 'int', comment: 'the line quantity (1 when absent)' },
  { name: 'price', type: 'double', comment: 'the line unit price (0 when absent)' },
  { name: 'purchased_at', type: 'timestamp', comment: 'purchase event time (UTC)' },
  { name: 'purchase_received_at', type: 'timestamp', comment: 'purchase arrival time (UTC)' },
  { name: 'purchase_dt', type: 'string', comment: 'receipt date partition of the purchase' },
  { name: 'purchase_hour', type: 'string', comment: 'receipt hour partition of the purchase' },
  { name: 'recommendation_id', type: 'string', comment: 'the impression that showed the item' },
  { name: 'placement', type: 'string', comment: 'its placement (for-you when absent)' },
  { name: 'variant', type: 'string', comment: 'its A/B variant' },
  { name: 'shown_at', type: 'timestamp', comment: 'impression event time (UTC)' },
  { name: 'shown_received_at', type: 'timestamp', comment: 'impression arrival time (UTC)' },
  { name: 'shown_dt', type: 'string', comment: 'receipt date partition of the impression' },
  { name: 'shown_hour', type: 'string', comment: 'receipt hour partition of the impression' },
];

const WINDOW_PLACEHOLDER = '{{window_days}}';

/** The SELECT of `attribution_touches`, with the attribution window filled in; comments kept. */
export function attributionTouchesSql(dir: string = VIEW_SQL_DIR): string {
  return renderView(dir, ATTRIBUTION_TOUCHES_VIEW, WINDOW_PLACEHOLDER, String(ATTRIBUTION_WINDOW_DAYS));
}

/** Name of the view of recommended items shown, one row per slot, in Glue and in DuckDB. */
export const RECOMMENDATION_SLOTS_VIEW = 'recommendation_slots';

/** The columns `recommendation_slots` returns, in order, with their Hive types. */
export const RECOMMENDATION_SLOTS_COLUMNS: readonly LakeColumn[] = [
  {
    name: 'recommendation_id',
    type: 'string',
    comment: 'the recommendation_impression (its recommendationId)',
  },
  { name: 'placement', type: 'string', comment: 'its placement (for-you when absent)' },
  { name: 'variant', type: 'string', comment: 'its A/B variant' },
  { name: 'user_key', type: 'string', comment: "the user shown it: user_id, else 'anon#' || anonymous_id" },
  { name: 'item_id', type: 'string', comment: 'the item in this slot' },
  { name: 'position', type: 'bigint', comment: 'the slot in the list, 0 = first item shown' },
  { name: 'shown_at', type: 'timestamp', comment: 'impression event time (UTC)' },
  { name: 'dt', type: 'string', comment: 'receipt date partition of the impression' },
];

/** The SELECT of `recommendation_slots`, comments kept. */
export function recommendationSlotsSql(dir: string = VIEW_SQL_DIR): string {
  return viewText(dir, RECOMMENDATION_SLOTS_VIEW);
}

/** Name of the view of clicks on recommended items, in Glue and in DuckDB. */
export const RECOMMENDATION_CLICKS_VIEW = 'recommendation_clicks';

/** The columns `recommendation_clicks` returns, in order, with their Hive types. */
export const RECOMMENDATION_CLICKS_COLUMNS: readonly LakeColumn[] = [
  { name: 'recommendation_id', type: 'string', comment: 'the recommendation clicked in' },
  { name: 'item_id', type: 'string', comment: 'the item clicked' },
  { name: 'clicked_at', type: 'timestamp', comment: 'click event time (UTC)' },
  { name: 'dt', type: 'string', comment: 'receipt date partition of the click' },
];

/** The SELECT of `recommendation_clicks`, comments kept. */
export function recommendationClicksSql(dir: string = VIEW_SQL_DIR): string {
  return viewText(dir, RECOMMENDATION_CLICKS_VIEW);
}
