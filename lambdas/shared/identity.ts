/**
 * Identity stitching, the contract: which event links an anonymous visitor to a user, and how the link is
 * kept. The consumer writes links (lambdas/consumer/identity-stitching.ts), the recommendation API follows
 * them, the deletion removes the linked visitors with the user; all of them import this module.
 *
 * A link is `anonymousId -> userId`, learnt from any event that carries both ids (Segment `identify` and
 * every call made after login), or from a Segment `alias` (`previousId` is the anonymous id). It is stored
 * on the two profiles, in the same items the consumer writes anyway (profile-record.ts):
 *   - `anon#<anonymousId>`.linkedTo = userId: written once, by a conditional put on the profile version;
 *     the first link wins, and the anonymous profile is frozen from then on;
 *   - <userId>.linkedAnonymous = [anonymousId, ...]: the anonymous profiles already merged into the user's,
 *     written in the same conditional put as the merge itself, so a merge happens exactly once.
 * The lake keeps both ids on every event; its `identities` view (sql/views/identities.sql) lists the links.
 */
import type { CanonicalEvent } from './events';
import { ANONYMOUS_PROFILE_PREFIX, idTextProblem, MAX_ID_LENGTH } from './ids';

/** Anonymous ids merged into one user at most (a deletion request purges at most 100 of them, purge-sql.ts). */
export const MAX_LINKED_ANONYMOUS_IDS = 100;

export interface IdentityLink {
  readonly anonymousId: string;
  readonly userId: string;
}

/** The link an event states, or undefined. */
export function identityLinkOf(event: CanonicalEvent): IdentityLink | undefined {
  const userId = event.userId;
  if (!userId) return undefined;
  if (event.anonymousId) return { anonymousId: event.anonymousId, userId };
  if (event.type === 'custom' && event.name === 'alias') {
    const previousId = event.properties.previousId;
    // Not validated at ingest (it sits in the custom event's properties): the id rules apply here.
    if (
      typeof previousId === 'string' &&
      previousId !== '' &&
      previousId !== userId &&
      previousId.length <= MAX_ID_LENGTH &&
      idTextProblem(previousId) === undefined
    )
      return { anonymousId: previousId, userId };
  }
  return undefined;
}

/** The profile key of an anonymous visitor. */
export function anonymousProfileKey(anonymousId: string): string {
  return `${ANONYMOUS_PROFILE_PREFIX}${anonymousId}`;
}

/** The anonymous id behind a profile key, or undefined for a user's key. */
export function anonymousIdOfKey(profileKey: string): string | undefined {
  return profileKey.startsWith(ANONYMOUS_PROFILE_PREFIX)
    ? profileKey.slice(ANONYMOUS_PROFILE_PREFIX.length)
    : undefined;
}
