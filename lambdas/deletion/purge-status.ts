/**
 * Status transitions of a deletion request during the AWS lake purge, and the deadline checks the overdue
 * alarm reads. Pure functions over the audit record (deletion-request.ts); no AWS here.
 *
 *   pending --(events purged)--> stores.lake = deleted, storeDeletedAt.lake
 *           --(quarantine purged)--> stores.quarantine = deleted, storeDeletedAt.quarantine
 *           --(Firehose error records purged)--> stores.deliveryErrors = deleted, storeDeletedAt.deliveryErrors
 *           --(all deleted, profile deleted again)--> completed: completedAt set, raw ids dropped
 *   any failure: stays pending with `error`, `purgeAttempts` + 1 (the next run resumes)
 */
import type { DeletionRequest, StoreStatus } from './deletion-request';
import type { PurgeSubject } from './purge-sql';

export type PurgedStore = 'lake' | 'quarantine' | 'deliveryErrors';

export class InvalidTransitionError extends Error {
  override readonly name = 'InvalidTransitionError';
}

/** What a pending request still needs, in the order the purge does it. */
export function nextPurgeStep(request: DeletionRequest): PurgedStore | 'complete' {
  requirePurgeable(request);
  if (request.stores.lake !== 'deleted') return 'lake';
  if (request.stores.quarantine !== 'deleted') return 'quarantine';
  if (request.stores.deliveryErrors !== 'deleted') return 'deliveryErrors';
  return 'complete';
}

/** The ids to purge; throws when the raw id was already dropped (the request is done). */
export function purgeSubject(request: DeletionRequest): PurgeSubject {
  requirePurgeable(request);
  return {
    userId: request.userId as string,
    ...(request.anonymousIds?.length ? { anonymousIds: request.anonymousIds } : {}),
  };
}

/** Starting a purge run: quarantine and error records become explicit pending stores, the run is timestamped. */
export function startPurgeRun(request: DeletionRequest, now: Date): DeletionRequest {
  requirePurgeable(request);
  return {
    ...request,
    stores: {
      ...request.stores,
      quarantine: request.stores.quarantine ?? 'pending',
      deliveryErrors: request.stores.deliveryErrors ?? 'pending',
    },
    purgeStartedAt: request.purgeStartedAt ?? now.toISOString(),
    lastPurgeRunAt: now.toISOString(),
  };
}

export function markStoreDeleted(request: DeletionRequest, store: PurgedStore, now: Date): DeletionRequest {
  requirePurgeable(request);
  if (request.stores[store] === 'deleted')
    throw new InvalidTransitionError(`${store} of request ${request.requestId} is already deleted`);
  const { error: _cleared, ...rest } = request;
  return {
    ...rest,
    stores: { ...request.stores, [store]: 'deleted' satisfies StoreStatus },
    storeDeletedAt: { ...request.storeDeletedAt, [store]: now.toISOString() },
  };
}

/** Every purged store deleted and the profile deleted again: completed, and the raw ids are dropped. */
export function completeRequest(request: DeletionRequest, now: Date): DeletionRequest {
  if (nextPurgeStep(request) !== 'complete')
    throw new InvalidTransitionError(
      `request ${request.requestId} cannot complete: lake ${request.stores.lake}, quarantine ${request.stores.quarantine}, ` +
        `delivery errors ${request.stores.deliveryErrors}`,
    );
  const {
    userId: _user,
    anonymousIds: _anonymous,
    error: _error,
    purgeInFlight: _inFlight,
    ...kept
  } = request;
  return {
    ...kept,
    status: 'completed',
    stores: { ...request.stores, profile: 'deleted' },
    storeDeletedAt: { ...request.storeDeletedAt, profile: now.toISOString() },
    completedAt: now.toISOString(),
  };
}

export function recordPurgeFailure(request: DeletionRequest, error: unknown, now: Date): DeletionRequest {
  if (request.status !== 'pending')
    throw new InvalidTransitionError(`request ${request.requestId} is not pending`);
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return {
    ...request,
    error: message.slice(0, 2000),
    lastPurgeRunAt: now.toISOString(),
    purgeAttempts: (request.purgeAttempts ?? 0) + 1,
  };
}

/** Progress of one rewritten object, added to the request's counters. */
export function addProgress(
  request: DeletionRequest,
  store: PurgedStore,
  files: number,
  rows: number,
): DeletionRequest {
  switch (store) {
    case 'lake':
      return {
        ...request,
        lakeFilesRewritten: (request.lakeFilesRewritten ?? 0) + files,
        lakeRowsRemoved: (request.lakeRowsRemoved ?? 0) + rows,
      };
    case 'quarantine':
      return {
        ...request,
        quarantineFilesRewritten: (request.quarantineFilesRewritten ?? 0) + files,
        quarantineRecordsRemoved: (request.quarantineRecordsRemoved ?? 0) + rows,
      };
    case 'deliveryErrors':
      return {
        ...request,
        deliveryErrorFilesRewritten: (request.deliveryErrorFilesRewritten ?? 0) + files,
        deliveryErrorRecordsRemoved: (request.deliveryErrorRecordsRemoved ?? 0) + rows,
      };
  }
}

export function withInFlight(request: DeletionRequest, keys: readonly string[]): DeletionRequest {
  const { purgeInFlight: _old, ...rest } = request;
  return keys.length === 0 ? rest : { ...rest, purgeInFlight: [...new Set(keys)] };
}

/** A request is purged only after events still buffered in the stream and Firehose have reached the lake. */
export function readyToPurge(request: DeletionRequest, now: Date, settleMs: number): boolean {
  return request.status === 'pending' && Date.parse(request.requestedAt) + settleMs <= now.getTime();
}

export function isOverdue(request: DeletionRequest, now: Date): boolean {
  return request.status === 'pending' && Date.parse(request.lakeDeadline) < now.getTime();
}

/** The figures the check publishes: pending, overdue, and the age of the oldest pending request (hours). */
export function deadlineReport(
  requests: readonly DeletionRequest[],
  now: Date,
): { pending: number; overdue: number; oldestPendingAgeHours: number; overdueRequestIds: string[] } {
  const pending = requests.filter((r) => r.status === 'pending');
  const overdue = pending.filter((r) => isOverdue(r, now));
  const oldest = Math.min(...pending.map((r) => Date.parse(r.requestedAt)));
  return {
    pending: pending.length,
    overdue: overdue.length,
    oldestPendingAgeHours: pending.length === 0 ? 0 : Math.max(0, (now.getTime() - oldest) / 3_600_000),
    overdueRequestIds: overdue.map((r) => r.requestId).sort(),
  };
}

function requirePurgeable(request: DeletionRequest): void {
  if (request.status !== 'pending')
    throw new InvalidTransitionError(`request ${request.requestId} is ${request.status}, not pending`);
  if (request.userId === undefined)
    throw new InvalidTransitionError(`request ${request.requestId} has no userId left to purge`);
}
