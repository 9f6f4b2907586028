/**
 * A user's request to be forgotten, as the audit trail keeps it (DeletionRequests table), and the
 * orchestration of the synchronous part: the profile goes at once, the lake rows within the stated
 * purge window. No AWS here: stores are ports (dynamo-deletion-store.ts implements them).
 *
 * What is deleted where:
 *   Profiles (DynamoDB)       the user's row and the rows of the anonymous visitors linked to the user
 *                             (identity stitching, lambdas/shared/identity.ts): deleted synchronously by
 *                             DELETE /v1/users/{userId}; the linked anonymous ids join the request, so the
 *                             lake purge removes their rows too
 *   ItemStats (DynamoDB)      NOT removable: per-item counters are sums over all users and carry no user id
 *   lake events (Parquet)     the user's rows: removed by the next lake purge (LAKE_PURGE_WINDOW_HOURS);
 *                             in AWS also every older S3 version of the rewritten objects (lake-purge-runner.ts)
 *   quarantine (JSON lines)   the user's rejected records: removed by the AWS lake purge
 *   Kinesis stream            records expire with the stream retention (24 h by default); events still in
 *                             the stream when the profile is deleted can re-create a profile, which the
 *                             purge deletes again (it re-runs the profile step)
 * The audit record keeps the userId (and the linked anonymous ids) only until the lake purge is done; after
 * that only the userId's hash.
 */
import { createHash, randomUUID } from 'node:crypto';
import { anonymousProfileKey } from '../shared/identity';
import { parseUserId } from '../shared/ids';

/**
 * Longest time between a request and its rows being gone from the lake. The AWS purge starts daily and
 * loops until no work is left, so a request normally completes within about 25 h; the rest is room for two
 * more daily runs after a failure before the overdue alarm (lib/lake-purge.ts) fires.
 */
export const LAKE_PURGE_WINDOW_HOURS = 72;

export type StoreStatus = 'deleted' | 'pending' | 'not_removable' | 'failed';

export interface DeletionRequest {
  readonly requestId: string;
  /** SHA-256 hex of the userId: kept for ever, so a later question "was X deleted?" can be answered. */
  readonly userIdHash: string;
  /** The raw userId, needed by the lake purge; removed once the purge is done. */
  readonly userId?: string;
  /** The admin key name (authorizer principal) that asked. */
  readonly requestedBy: string;
  readonly requestedAt: string;
  /** The promise: lake rows gone by then. */
  readonly lakeDeadline: string;
  readonly status: 'pending' | 'completed' | 'failed';
  readonly stores: {
    readonly profile: StoreStatus;
    readonly itemStats: StoreStatus;
    readonly lake: StoreStatus;
    /** Set by the AWS lake purge (the local flow has no quarantine purge and leaves it out). */
    readonly quarantine?: StoreStatus;
    /** Firehose error records under `errors/`; set by the AWS lake purge. */
    readonly deliveryErrors?: StoreStatus;
  };
  /** When each store's data was confirmed gone (ISO-8601), for "deleted everywhere, when". */
  readonly storeDeletedAt?: {
    readonly lake?: string;
    readonly quarantine?: string;
    readonly deliveryErrors?: string;
    readonly profile?: string;
  };
  /** Anonymous ids to purge with the user: the visitors linked to the user's profile when it was deleted. */
  readonly anonymousIds?: readonly string[];
  /** Lake files rewritten and rows removed, once purged (cumulative over AWS purge runs). */
  readonly lakeFilesRewritten?: number;
  readonly lakeRowsRemoved?: number;
  readonly quarantineFilesRewritten?: number;
  readonly quarantineRecordsRemoved?: number;
  readonly deliveryErrorFilesRewritten?: number;
  readonly deliveryErrorRecordsRemoved?: number;
  /**
   * AWS purge: object keys whose rewrite started but whose older versions may not be deleted yet; the next
   * run finishes them first (bounded by the objects one invocation touches).
   */
  readonly purgeInFlight?: readonly string[];
  readonly purgeStartedAt?: string;
  readonly lastPurgeRunAt?: string;
  readonly purgeAttempts?: number;
  readonly completedAt?: string;
  readonly error?: string;
}

export interface DeletionRequestStore {
  put(request: DeletionRequest): Promise<void>;
  /** Requests whose lake purge is still to do. */
  pending(): Promise<DeletionRequest[]>;
  get(requestId: string): Promise<DeletionRequest | undefined>;
}

export interface ProfileEraser {
  /** Deletes the profile (a user id, or an anonymous visitor's key `anon#<id>`); true when there was one. */
  deleteProfile(userId: string): Promise<boolean>;
  /** The anonymous ids linked to the user's profile (`linkedAnonymous`); none without a profile. */
  linkedAnonymousIds(userId: string): Promise<readonly string[]>;
}

/** Deletes the user's profile and the linked visitors' profiles; true when the user's existed. */
export async function deleteProfiles(
  profiles: ProfileEraser,
  userId: string,
  anonymousIds: readonly string[] = [],
): Promise<boolean> {
  const existed = await profiles.deleteProfile(userId);
  for (const anonymousId of anonymousIds) await profiles.deleteProfile(anonymousProfileKey(anonymousId));
  return existed;
}

export class InvalidUserIdError extends Error {}

/**
 * The userId of a deletion request, under the rules every entry point shares (lambdas/shared/ids.ts):
 * normalised to NFC, so it is the id the ingest API stored, and refused exactly when ingest refuses it.
 */
export function validateUserId(userId: unknown): string {
  const parsed = parseUserId(userId);
  if (!parsed.ok) throw new InvalidUserIdError(parsed.message);
  return parsed.id;
}

export function hashUserId(userId: string): string {
  return createHash('sha256').update(userId, 'utf8').digest('hex');
}

/** Deletes the profile now and records the request; the lake purge finishes it later. */
export async function requestUserDeletion(
  deps: { readonly profiles: ProfileEraser; readonly requests: DeletionRequestStore },
  input: {
    readonly userId: unknown;
    readonly requestedBy: string;
    readonly now: Date;
    readonly requestId?: string;
  },
): Promise<DeletionRequest & { readonly profileExisted: boolean }> {
  const userId = validateUserId(input.userId);
  const anonymousIds = await deps.profiles.linkedAnonymousIds(userId);
  const base = {
    requestId: input.requestId ?? randomUUID(),
    userIdHash: hashUserId(userId),
    userId,
    requestedBy: input.requestedBy,
    requestedAt: input.now.toISOString(),
    lakeDeadline: new Date(input.now.getTime() + LAKE_PURGE_WINDOW_HOURS * 3_600_000).toISOString(),
    ...(anonymousIds.length > 0 ? { anonymousIds } : {}),
  };
  // Recorded before anything is deleted, so a crash in between still leaves the request to finish.
  await deps.requests.put({
    ...base,
    status: 'pending',
    stores: { profile: 'pending', itemStats: 'not_removable', lake: 'pending' },
  });
  const profileExisted = await deleteProfiles(deps.profiles, userId, anonymousIds);
  const request: DeletionRequest = {
    ...base,
    status: 'pending',
    stores: { profile: 'deleted', itemStats: 'not_removable', lake: 'pending' },
  };
  await deps.requests.put(request);
  return { ...request, profileExisted };
}

/** Removes a set of users' rows from the lake; the DuckDB and Athena implementations share this port. */
export interface LakePurger {
  /** Removes the rows of `userIds`, and the rows of `anonymousIds` (the visitors linked to them). */
  purge(
    userIds: readonly string[],
    anonymousIds?: readonly string[],
  ): Promise<{ filesRewritten: number; rowsRemoved: number }>;
}

/**
 * The scheduled step: purge every pending request's user from the lake in one pass (each affected file
 * is rewritten once), delete the profile again (events still in the stream may have re-created it),
 * then complete the requests and drop the raw userId from the audit.
 */
export async function completePendingDeletions(
  deps: {
    readonly profiles: ProfileEraser;
    readonly requests: DeletionRequestStore;
    readonly lake: LakePurger;
  },
  now: () => Date,
): Promise<{ completed: number; filesRewritten: number; rowsRemoved: number }> {
  const pending = (await deps.requests.pending()).filter((r) => r.userId !== undefined);
  if (pending.length === 0) return { completed: 0, filesRewritten: 0, rowsRemoved: 0 };
  const userIds = [...new Set(pending.map((r) => r.userId as string))];
  const anonymousIds = [...new Set(pending.flatMap((r) => r.anonymousIds ?? []))];
  let result: { filesRewritten: number; rowsRemoved: number };
  try {
    result = await deps.lake.purge(userIds, anonymousIds);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    for (const request of pending) await deps.requests.put({ ...request, error: message });
    throw error;
  }
  for (const request of pending)
    await deleteProfiles(deps.profiles, request.userId as string, request.anonymousIds);
  for (const request of pending) {
    const { userId: _dropped, anonymousIds: _anonymous, error: _cleared, ...kept } = request;
    await deps.requests.put({
      ...kept,
      status: 'completed',
      stores: { ...request.stores, lake: 'deleted' },
      lakeFilesRewritten: result.filesRewritten,
      lakeRowsRemoved: result.rowsRemoved,
      completedAt: now().toISOString(),
    });
  }
  return { completed: pending.length, ...result };
}
