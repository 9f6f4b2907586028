/**
 * Identity stitching in the consumer (the contract: lambdas/shared/identity.ts). For one batch:
 *
 * 1. `batchIdentities`: the profiles to read (every record's own key) and the links the batch states;
 *    `unmergedLinkKeys`: the anonymous profiles of the links the users' profiles do not list as merged yet
 *    (Segment sends the anonymousId with every call after login: only a new link costs a second read).
 * 2. `sealLinks`: each new link freezes the anonymous profile with `linkedTo` (a conditional put on its
 *    version; the first link wins). Whoever folds that profile concurrently loses its conditional write,
 *    re-reads, sees the link and has the batch redelivered, so nothing is ever applied to a frozen profile.
 * 3. `routeRecords`: an anonymous event of a linked visitor goes to the user, unless the frozen profile
 *    already holds it (its shard watermark covers the record, or its event ledger knows the event): then it
 *    is a redelivery or a duplicate of history the merge brings, and only counts for item statistics the
 *    way foldUser classifies it.
 * 4. `foldWithLinks`: the user's fold starts from the user's profile with every linked anonymous profile
 *    not merged yet folded in (profile-merge.ts); the merge and its `linkedAnonymous` marker go out in the
 *    user's one conditional put, so a merge is written exactly once whatever is replayed or reordered.
 */
import {
  anonymousIdOfKey,
  anonymousProfileKey,
  type IdentityLink,
  identityLinkOf,
  MAX_LINKED_ANONYMOUS_IDS,
} from '../shared/identity';
import { type Profile, profileKeyOf } from '../shared/profile-record';
import { DedupLedger } from './dedup-ledger';
import type { FeatureStorePort } from './feature-store-port';
import { emptyProfile } from './profile';
import { awaitsMerge, mergeAnonymousProfile } from './profile-merge';
import { isAtOrBelow, watermarkSequence } from './sequence';
import type { StreamRecord } from './stream-record';
import { type FoldOptions, foldUser, type UserFold } from './user-fold';

export interface BatchIdentities {
  /** Profile keys to read before folding. */
  readonly keys: readonly string[];
  /** The links the batch states, the first per anonymous id, in batch order. */
  readonly links: readonly IdentityLink[];
}

export function batchIdentities(records: readonly StreamRecord[]): BatchIdentities {
  const keys = new Set<string>();
  const links = new Map<string, IdentityLink>();
  for (const { event } of records) {
    keys.add(profileKeyOf(event));
    const link = identityLinkOf(event);
    if (link && !links.has(link.anonymousId)) links.set(link.anonymousId, link);
  }
  return { keys: [...keys], links: [...links.values()] };
}

/** The anonymous profiles still to read: those of links the user's profile has not merged yet. */
export function unmergedLinkKeys(
  links: readonly IdentityLink[],
  stored: ReadonlyMap<string, Profile>,
): string[] {
  return links
    .filter((link) => !merged(stored, link))
    .map((link) => anonymousProfileKey(link.anonymousId))
    .filter((key) => !stored.has(key));
}

function merged(stored: ReadonlyMap<string, Profile>, link: IdentityLink): boolean {
  return (stored.get(link.userId)?.linkedAnonymous ?? []).includes(link.anonymousId);
}

/** The links to write: not merged yet, the anonymous profile not linked yet, and the user has room. */
export function linksToSeal(
  links: readonly IdentityLink[],
  stored: ReadonlyMap<string, Profile>,
): IdentityLink[] {
  const room = new Map<string, number>();
  return links.filter((link) => {
    if (merged(stored, link)) return false;
    if (stored.get(anonymousProfileKey(link.anonymousId))?.linkedTo !== undefined) return false;
    const left =
      room.get(link.userId) ??
      MAX_LINKED_ANONYMOUS_IDS - (stored.get(link.userId)?.linkedAnonymous?.length ?? 0);
    room.set(link.userId, left - 1);
    return left > 0;
  });
}

/** The anonymous profile frozen and linked to the user (an empty one when the visitor sent nothing yet). */
export function sealedProfile(stored: Profile | undefined, link: IdentityLink): Profile {
  const base = stored ?? emptyProfile(anonymousProfileKey(link.anonymousId));
  return { ...base, version: base.version + 1, linkedTo: link.userId };
}

/**
 * Writes the batch's new links; returns the profiles with the links in place. A lost race re-reads the
 * anonymous profile and tries again (someone else may have linked it meanwhile: the first link wins).
 */
export async function sealLinks(
  store: Pick<FeatureStorePort, 'getProfiles' | 'putProfile'>,
  links: readonly IdentityLink[],
  stored: ReadonlyMap<string, Profile>,
  attempts: number,
): Promise<{ profiles: Map<string, Profile>; sealed: number; conflicts: number }> {
  const profiles = new Map(stored);
  let sealed = 0;
  let conflicts = 0;
  for (const link of linksToSeal(links, stored)) {
    const key = anonymousProfileKey(link.anonymousId);
    for (let attempt = 1; ; attempt++) {
      const current = profiles.get(key);
      if (current?.linkedTo !== undefined) break;
      const next = sealedProfile(current, link);
      if (await store.putProfile(next, current?.version ?? 0)) {
        profiles.set(key, next);
        sealed++;
        break;
      }
      conflicts++;
      if (attempt >= attempts) throw new Error(`linking ${key} to a user: too many write conflicts`);
      const fresh = (await store.getProfiles([key])).get(key);
      if (fresh) profiles.set(key, fresh);
      else profiles.delete(key);
    }
  }
  return { profiles, sealed, conflicts };
}

/**
 * Steps 1-3 for a batch whose own profiles are `read`: reads the unmerged links' anonymous profiles, writes
 * the new links, routes the records and reads the users they are routed to.
 */
export async function stitchBatch(
  store: Pick<FeatureStorePort, 'getProfiles' | 'putProfile'>,
  identities: BatchIdentities,
  read: Map<string, Profile>,
  records: readonly StreamRecord[],
  attempts: number,
): Promise<{ stored: Map<string, Profile>; routing: Routing; sealed: number; conflicts: number }> {
  const unread = unmergedLinkKeys(identities.links, read);
  if (unread.length > 0) for (const [key, profile] of await store.getProfiles(unread)) read.set(key, profile);
  const { profiles: stored, sealed, conflicts } = await sealLinks(store, identities.links, read, attempts);
  const routing = routeRecords(records, stored);
  const missing = unreadKeys(routing, stored);
  if (missing.length > 0)
    for (const [key, profile] of await store.getProfiles(missing)) stored.set(key, profile);
  return { stored, routing, sealed, conflicts };
}

export interface Routing {
  /** Profile key -> the records folded into it, in batch order. */
  readonly byProfile: Map<string, StreamRecord[]>;
  /** Frozen anonymous profile key -> the records it already holds (classified for items, never written). */
  readonly held: Map<string, StreamRecord[]>;
}

/** Where each record goes, given the stored profiles with the batch's links in place. */
export function routeRecords(
  records: readonly StreamRecord[],
  stored: ReadonlyMap<string, Profile>,
): Routing {
  const byProfile = new Map<string, StreamRecord[]>();
  const held = new Map<string, StreamRecord[]>();
  const ledgers = new Map<string, DedupLedger>();
  const push = (map: Map<string, StreamRecord[]>, key: string, record: StreamRecord) => {
    const list = map.get(key);
    if (list) list.push(record);
    else map.set(key, [record]);
  };
  for (const record of records) {
    const key = profileKeyOf(record.event);
    const anonymous = anonymousIdOfKey(key) !== undefined ? stored.get(key) : undefined;
    if (anonymous?.linkedTo === undefined) {
      push(byProfile, key, record);
      continue;
    }
    let ledger = ledgers.get(key);
    if (!ledger) {
      ledger = DedupLedger.decode(anonymous.ledger);
      ledgers.set(key, ledger);
    }
    if (holds(anonymous, ledger, record)) push(held, key, record);
    else push(byProfile, anonymous.linkedTo, record);
  }
  return { byProfile, held };
}

function holds(profile: Profile, ledger: DedupLedger, record: StreamRecord): boolean {
  if (isAtOrBelow(record.sequenceNumber, watermarkSequence(profile.hwm[record.shardId]))) return true;
  const origins = (record.origins ?? []).map((o) => o.sequenceNumber);
  return ledger.check(record.event.eventId, record.sequenceNumber, origins) !== 'new';
}

/** Keys the routing sends records to that were not read yet (users of linked visitors). */
export function unreadKeys(routing: Routing, stored: ReadonlyMap<string, Profile>): string[] {
  return [...routing.byProfile.keys()].filter((key) => !stored.has(key));
}

/** The anonymous profiles linked to `userId`, by anonymous id. */
export function linkedProfiles(userId: string, stored: ReadonlyMap<string, Profile>): Map<string, Profile> {
  const linked = new Map<string, Profile>();
  for (const [key, profile] of stored) {
    const anonymousId = anonymousIdOfKey(key);
    if (anonymousId !== undefined && profile.linkedTo === userId) linked.set(anonymousId, profile);
  }
  return linked;
}

/** foldUser, starting from the user's profile with the linked anonymous profiles not merged yet merged in. */
export function foldWithLinks(
  stored: Profile,
  linked: ReadonlyMap<string, Profile>,
  records: readonly StreamRecord[],
  options: FoldOptions,
): UserFold {
  const pending = [...linked]
    .filter(([anonymousId, anonymous]) => awaitsMerge(stored, anonymousId, anonymous))
    .sort(([a], [b]) => (a < b ? -1 : 1));
  if (pending.length === 0) return foldUser(stored, records, options);
  const merged = pending.reduce(
    (profile, [anonymousId, anonymous]) =>
      mergeAnonymousProfile(profile, anonymousId, anonymous, options.limits),
    stored,
  );
  const fold = foldUser(merged, records, options);
  return { ...fold, base: stored, changed: true, profile: fold.changed ? fold.profile : merged };
}

/**
 * The records a frozen anonymous profile already holds, classified as foldUser would (redeliveries may
 * still count for items, producer duplicates not); the profile itself is never written again.
 */
export function foldHeld(frozen: Profile, records: readonly StreamRecord[], options: FoldOptions): UserFold {
  const fold = foldUser(frozen, records, options);
  return { ...fold, profile: frozen, changed: false, appliedRecords: [], applied: 0, poison: [] };
}
