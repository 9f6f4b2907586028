/** Status transitions, quarantine line filtering and the deadline figures of the AWS lake purge. */
import { type DeletionRequest, hashUserId } from '../../../lambdas/deletion/deletion-request';
import {
  addProgress,
  completeRequest,
  deadlineReport,
  isOverdue,
  markStoreDeleted,
  nextPurgeStep,
  purgeSubject,
  readyToPurge,
  recordPurgeFailure,
  startPurgeRun,
  withInFlight,
} from '../../../lambdas/deletion/purge-status';
import { filterQuarantineLines } from '../../../lambdas/deletion/quarantine-filter';

const request: DeletionRequest = {
  requestId: 'r1',
  userIdHash: hashUserId('u1'),
  userId: 'u1',
  requestedBy: 'ops',
  requestedAt: '2026-11-26T10:00:00.000Z',
  lakeDeadline: '2026-11-29T10:00:00.000Z',
  status: 'pending',
  stores: { profile: 'deleted', itemStats: 'not_removable', lake: 'pending' },
};
const at = (iso: string) => new Date(iso);

describe('transitions', () => {
  it('walks lake -> quarantine -> delivery errors -> complete, with a timestamp per store, then drops the raw ids', () => {
    let r = startPurgeRun(request, at('2026-11-27T03:00:00Z'));
    expect(r.stores.quarantine).toBe('pending');
    expect(r.purgeStartedAt).toBe('2026-11-27T03:00:00.000Z');
    expect(nextPurgeStep(r)).toBe('lake');
    r = addProgress(addProgress(r, 'lake', 1, 4), 'lake', 1, 2);
    r = markStoreDeleted(r, 'lake', at('2026-11-27T03:10:00Z'));
    expect(nextPurgeStep(r)).toBe('quarantine');
    r = addProgress(r, 'quarantine', 1, 3);
    r = markStoreDeleted(r, 'quarantine', at('2026-11-27T03:11:00Z'));
    expect(nextPurgeStep(r)).toBe('deliveryErrors');
    r = addProgress(r, 'deliveryErrors', 1, 2);
    r = markStoreDeleted(r, 'deliveryErrors', at('2026-11-27T03:11:30Z'));
    expect(nextPurgeStep(r)).toBe('complete');
    const done = completeRequest(
      { ...r, anonymousIds: ['a1'], purgeInFlight: [] },
      at('2026-11-27T03:12:00Z'),
    );
    expect(done).toEqual({
      requestId: 'r1',
      userIdHash: hashUserId('u1'),
      requestedBy: 'ops',
      requestedAt: '2026-11-26T10:00:00.000Z',
      lakeDeadline: '2026-11-29T10:00:00.000Z',
      status: 'completed',
      stores: {
        profile: 'deleted',
        itemStats: 'not_removable',
        lake: 'deleted',
        quarantine: 'deleted',
        deliveryErrors: 'deleted',
      },
      storeDeletedAt: {
        lake: '2026-11-27T03:10:00.000Z',
        quarantine: '2026-11-27T03:11:00.000Z',
        deliveryErrors: '2026-11-27T03:11:30.000Z',
        profile: '2026-11-27T03:12:00.000Z',
      },
      lakeFilesRewritten: 2,
      lakeRowsRemoved: 6,
      quarantineFilesRewritten: 1,
      quarantineRecordsRemoved: 3,
      deliveryErrorFilesRewritten: 1,
      deliveryErrorRecordsRemoved: 2,
      purgeStartedAt: '2026-11-27T03:00:00.000Z',
      lastPurgeRunAt: '2026-11-27T03:00:00.000Z',
      completedAt: '2026-11-27T03:12:00.000Z',
    });
    expect(() => purgeSubject(done)).toThrow('request r1 is completed, not pending');
    expect(() => markStoreDeleted(done, 'lake', at('2026-11-28T00:00:00Z'))).toThrow('not pending');
  });

  it('refuses to complete before every store is deleted, or to delete a store twice', () => {
    const r = startPurgeRun(request, at('2026-11-27T03:00:00Z'));
    expect(() => completeRequest(r, at('2026-11-27T04:00:00Z'))).toThrow(
      'request r1 cannot complete: lake pending, quarantine pending, delivery errors pending',
    );
    const lakeDone = markStoreDeleted(r, 'lake', at('2026-11-27T03:30:00Z'));
    expect(() => markStoreDeleted(lakeDone, 'lake', at('2026-11-27T03:31:00Z'))).toThrow(
      'lake of request r1 is already deleted',
    );
  });

  it('records a failure and keeps the request pending; a later success clears the error', () => {
    const failed = recordPurgeFailure(
      recordPurgeFailure(request, new Error('boom'), at('2026-11-27T03:00:00Z')),
      new Error('again'),
      at('2026-11-28T03:00:00Z'),
    );
    expect(failed).toMatchObject({
      status: 'pending',
      userId: 'u1',
      error: 'Error: again',
      purgeAttempts: 2,
    });
    expect(markStoreDeleted(failed, 'lake', at('2026-11-28T03:05:00Z')).error).toBeUndefined();
  });

  it('passes the anonymous ids of the request to the purge', () => {
    expect(purgeSubject({ ...request, anonymousIds: ['a1'] })).toEqual({
      userId: 'u1',
      anonymousIds: ['a1'],
    });
    expect(purgeSubject(request)).toEqual({ userId: 'u1' });
    expect(withInFlight(withInFlight(request, ['k', 'k']), []).purgeInFlight).toBeUndefined();
    expect(withInFlight(request, ['k', 'k']).purgeInFlight).toEqual(['k']);
  });
});

describe('deadline', () => {
  it('waits for the settle time, and counts requests past their lake deadline as overdue', () => {
    expect(readyToPurge(request, at('2026-11-26T10:59:59Z'), 3_600_000)).toBe(false);
    expect(readyToPurge(request, at('2026-11-26T11:00:00Z'), 3_600_000)).toBe(true);
    expect(isOverdue(request, at('2026-11-29T10:00:00Z'))).toBe(false);
    expect(isOverdue(request, at('2026-11-29T10:00:01Z'))).toBe(true);
    const r2 = {
      ...request,
      requestId: 'r2',
      requestedAt: '2026-11-28T10:00:00.000Z',
      lakeDeadline: '2026-12-01T10:00:00.000Z',
    };
    const done: DeletionRequest = { ...request, requestId: 'r0', status: 'completed' };
    expect(deadlineReport([r2, request, done], at('2026-11-29T12:00:00Z'))).toEqual({
      pending: 2,
      overdue: 1,
      oldestPendingAgeHours: 74,
      overdueRequestIds: ['r1'],
    });
    expect(deadlineReport([done], at('2026-11-29T12:00:00Z'))).toEqual({
      pending: 0,
      overdue: 0,
      oldestPendingAgeHours: 0,
      overdueRequestIds: [],
    });
  });
});

describe('quarantine lines', () => {
  const line = (rawPayload: string, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ reason: 'invalid_event', message: 'x', rawPayload, ...extra });

  it('removes the records whose payload names the user or an anonymous id, keeps the rest byte for byte', () => {
    const keepOther = line(JSON.stringify({ type: 'product_view', userId: 'u2', itemId: 'u1' }));
    const text = [
      line(JSON.stringify({ type: 'product_view', userId: 'u1' })),
      keepOther,
      line(JSON.stringify({ batch: [{ userId: 'u3' }, { user_id: 'u1' }] })),
      line(JSON.stringify({ anonymousId: 'a1' })),
      line('{"userId":"u1", broken'),
      line('{"userId":"u10", broken'),
      'not json at all',
    ].join('\n');
    expect(filterQuarantineLines(`${text}\n`, { userId: 'u1', anonymousIds: ['a1'] })).toEqual({
      kept: `${keepOther}\n${line('{"userId":"u10", broken')}\nnot json at all\n`,
      removed: 4,
      keptLines: 3,
    });
  });

  it('reports an object with nothing left', () => {
    expect(filterQuarantineLines(`${line('{"userId":"u1"}')}\n`, { userId: 'u1' })).toEqual({
      kept: '',
      removed: 1,
      keptLines: 0,
    });
  });
});
