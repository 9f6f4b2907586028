/**
 * Freshness-canary events. They travel the real path (ingest API, stream, consumer, lake) but must never
 * count in statistics, training or CTR. The v1 schema has no flag field (unknown keys are stripped), so
 * the marker is a reserved userId prefix, which every store keeps:
 *   consumer    item statistics skip them (item-stats.ts); the canary's own profile is updated, which
 *               is what the canary measures
 *   lake / SQL  batch jobs and analyses filter `user_id IS NULL OR user_id NOT LIKE 'canary#%'`
 *               (CANARY_SQL_FILTER)
 * The prefix is reserved (lambdas/shared/ids.ts): the ingest API accepts it only from the canary's own
 * write key, the one named CANARY_WRITE_KEY_NAME, so no client can hide its events from the statistics.
 */
import { SERVICES } from './metric-names';

export const CANARY_USER_PREFIX = 'canary#';

/** Name of the canary's write key (the canary registers its key under its service name). */
export const CANARY_WRITE_KEY_NAME: string = SERVICES.canary;

/** The lake filter every batch job and CTR query applies (Athena and DuckDB accept it alike). */
export const CANARY_SQL_FILTER = `(user_id IS NULL OR user_id NOT LIKE '${CANARY_USER_PREFIX}%')`;

export function isCanaryUserId(userId: string | undefined): boolean {
  return userId?.startsWith(CANARY_USER_PREFIX) ?? false;
}

export function isCanaryEvent(event: { readonly userId?: string }): boolean {
  return isCanaryUserId(event.userId);
}
