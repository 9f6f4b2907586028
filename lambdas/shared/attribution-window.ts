/**
 * The attribution window, one number for every reader: a purchase line counts for a recommendation that showed
 * its item to the buyer at or before the purchase and less than this many days before it. The lake view that
 * holds the rule (sql/views/attribution_touches.sql, rendered by lambdas/shared/events/lake-views.ts) and the
 * attribution metrics job's partition pruning (lambdas/attribution/attribution-sql.ts) both read it.
 */
export const ATTRIBUTION_WINDOW_DAYS = 7;
