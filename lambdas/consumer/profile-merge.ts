/**
 * Merging an anonymous visitor's profile into the profile of the user it is linked to (identity stitching,
 * lambdas/shared/identity.ts). Pure. Every part combines the way folding the visitor's events into the
 * user's profile would have: counts add up, affinities add as decayed sums on event time, recent
 * interactions interleave by event time, carts add up (a shop merges the visitor's cart at login); the same
 * bounds apply after.
 *
 * The user's watermarks and event ledger are left alone: the visitor's events stay recorded on the frozen
 * anonymous profile, which the consumer consults before it applies a later copy of one of them to the user.
 * Exactly once: the merged anonymous id joins `linkedAnonymous`, written in the same conditional put.
 */
import type { BrowsedItem, Profile, SessionFeatures } from '../shared/profile-record';
import {
  addDecayed,
  draftProfile,
  finishProfile,
  insertRecent,
  maxIso,
  minIso,
  type ProfileLimits,
} from './profile';

/** True when `anonymous` is linked to `user` and not merged into it yet. */
export function awaitsMerge(user: Profile, anonymousId: string, anonymous: Profile): boolean {
  return anonymous.linkedTo === user.userId && !(user.linkedAnonymous ?? []).includes(anonymousId);
}

/** `user` with `anonymous`'s history folded in, and `anonymousId` recorded as merged. */
export function mergeAnonymousProfile(
  user: Profile,
  anonymousId: string,
  anonymous: Profile,
  limits: ProfileLimits,
): Profile {
  const draft = draftProfile(user);
  for (const interaction of anonymous.recent)
    insertRecent(draft.recent, interaction, limits.recentInteractions);
  for (const [category, affinity] of Object.entries(anonymous.affinities))
    draft.affinities[category] = addDecayed(
      draft.affinities[category],
      affinity.score,
      affinity.at,
      limits.halfLifeMs,
    );
  for (const p of anonymous.purchased) {
    const previous = draft.purchased.get(p.itemId);
    const count = p.count ?? 1;
    const firstAt = p.firstAt ?? p.at;
    draft.purchased.set(
      p.itemId,
      previous
        ? {
            at: maxIso(previous.at, p.at),
            count: previous.count + count,
            firstAt: minIso(previous.firstAt, firstAt),
          }
        : { at: p.at, count, firstAt },
    );
  }
  if (anonymous.orders) {
    const mine = draft.orders;
    draft.orders = mine
      ? {
          count: mine.count + anonymous.orders.count,
          firstAt: minIso(mine.firstAt, anonymous.orders.firstAt),
          lastAt: maxIso(mine.lastAt, anonymous.orders.lastAt),
        }
      : anonymous.orders;
  }
  for (const [itemId, theirs] of Object.entries(anonymous.browsed ?? {}))
    draft.browsed[itemId] = mergeBrowsed(draft.browsed[itemId], theirs);
  // The visitor's cart joins the account's, as a shop merges carts at login: quantities add up.
  for (const [itemId, line] of Object.entries(anonymous.cart)) {
    const mine = draft.cart[itemId];
    draft.cart[itemId] = mine
      ? { quantity: mine.quantity + line.quantity, at: maxIso(mine.at, line.at) }
      : line;
  }
  draft.session = mergeSession(draft.session, anonymous.session);
  for (const [type, n] of Object.entries(anonymous.counts) as [keyof Profile['counts'], number][])
    draft.counts[type] = (draft.counts[type] ?? 0) + n;
  if (anonymous.firstEventAt) draft.firstEventAt = minIso(draft.firstEventAt, anonymous.firstEventAt);
  if (anonymous.lastEventAt) draft.lastEventAt = maxIso(draft.lastEventAt, anonymous.lastEventAt);
  if (anonymous.lastReceivedAt) draft.lastReceivedAt = maxIso(draft.lastReceivedAt, anonymous.lastReceivedAt);
  return {
    ...finishProfile(draft, limits),
    linkedAnonymous: [...(user.linkedAnonymous ?? []), anonymousId],
  };
}

function mergeBrowsed(mine: BrowsedItem | undefined, theirs: BrowsedItem): BrowsedItem {
  if (!mine) return theirs;
  const viewedAt = latest(mine.viewedAt, theirs.viewedAt);
  const cartedAt = latest(mine.cartedAt, theirs.cartedAt);
  return {
    views: mine.views + theirs.views,
    carts: mine.carts + theirs.carts,
    ...(viewedAt ? { viewedAt } : {}),
    ...(cartedAt ? { cartedAt } : {}),
  };
}

/** The same session on both ids (a login mid-session) adds up; otherwise the later session is current. */
function mergeSession(
  mine: SessionFeatures | undefined,
  theirs: SessionFeatures | undefined,
): SessionFeatures | undefined {
  if (!mine || !theirs) return mine ?? theirs;
  if (mine.id === theirs.id)
    return {
      id: mine.id,
      startedAt: minIso(mine.startedAt, theirs.startedAt),
      lastAt: maxIso(mine.lastAt, theirs.lastAt),
      events: mine.events + theirs.events,
    };
  return theirs.lastAt > mine.lastAt ? theirs : mine;
}

function latest(a: string | undefined, b: string | undefined): string | undefined {
  return b === undefined ? a : maxIso(a, b);
}
