/** The purge function's two actions, its lease and the metrics the deadline alarm reads. */
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { type DeletionRequest, hashUserId } from '../../../lambdas/deletion/deletion-request';
import { DynamoPurgeLease, PURGE_LEASE_ID } from '../../../lambdas/deletion/dynamo-purge-lease';
import type { LakeObjects, LakeSql } from '../../../lambdas/deletion/lake-purge-runner';
import { createPurgeHandler, type PurgeHandlerDeps } from '../../../lambdas/deletion/purge/handler';

const request = (id: string, requestedAt: string, lakeDeadline: string): DeletionRequest => ({
  requestId: id,
  userIdHash: hashUserId(id),
  userId: `user-${id}`,
  requestedBy: 'ops',
  requestedAt,
  lakeDeadline,
  status: 'pending',
  stores: { profile: 'deleted', itemStats: 'not_removable', lake: 'pending' },
});

function setup(options: { leaseFree?: boolean; findRows?: string[][] } = {}) {
  const rows = new Map<string, DeletionRequest>([
    ['r1', request('r1', '2026-11-20T00:00:00.000Z', '2026-11-23T00:00:00.000Z')],
    ['r2', request('r2', '2026-11-26T00:00:00.000Z', '2026-11-29T00:00:00.000Z')],
  ]);
  const metrics: Array<[string, number]> = [];
  const lease = { acquired: [] as string[], released: [] as string[] };
  const selects: string[] = [];
  const sql: LakeSql = {
    select: async (text) => {
      selects.push(text);
      return [];
    },
    execute: async () => {},
  };
  const deps: PurgeHandlerDeps = {
    requests: {
      put: async (r) => void rows.set(r.requestId, r),
      get: async (id) => rows.get(id),
      pending: async () => [...rows.values()].filter((r) => r.status === 'pending'),
    },
    profiles: { deleteProfile: async () => true, linkedAnonymousIds: async () => [] },
    lease: {
      acquire: async (owner) => {
        lease.acquired.push(owner);
        return options.leaseFree ?? true;
      },
      release: async (owner) => void lease.released.push(owner),
    },
    sql: () => sql,
    objects: { listKeys: async () => [] } as unknown as LakeObjects,
    bucket: 'lake-bucket',
    database: 'db',
    settleMs: 3_600_000,
    reserveMs: 180_000,
    metrics: { addMetric: (name: string, _unit: unknown, value: number) => void metrics.push([name, value]) },
    logger: { info: () => {}, warn: () => {} },
    now: () => new Date('2026-11-26T12:00:00.000Z'),
  };
  const context = { awsRequestId: 'inv-1', getRemainingTimeInMillis: () => 600_000 };
  return { handle: createPurgeHandler(deps), rows, metrics, lease, selects, context };
}

it('check: publishes pending, overdue and the oldest age for the deadline alarm', async () => {
  const { handle, metrics, context } = setup();
  expect(await handle({ action: 'check' }, context)).toEqual({
    action: 'check',
    pending: 2,
    overdue: 1,
    oldestPendingAgeHours: 156,
    overdueRequestIds: ['r1'],
  });
  expect(metrics).toEqual([
    ['DeletionRequestsPending', 2],
    ['DeletionRequestsOverdue', 1],
    ['OldestPendingDeletionAgeHours', 156],
  ]);
});

it('purge: one pass under the lease, completes what it can and counts the iterations', async () => {
  const { handle, rows, lease, metrics, context } = setup();
  const out = await handle({ action: 'purge', iteration: 2, failed: ['r9'] }, context);
  expect(out).toEqual({ action: 'purge', iteration: 3, moreWork: false, failed: ['r9'], failedCount: 1 });
  expect(lease).toEqual({ acquired: ['inv-1'], released: ['inv-1'] });
  // r2 is 12 h old (past the 1 h settle time): both complete, nothing in the lake for them.
  expect([...rows.values()].map((r) => r.status)).toEqual(['completed', 'completed']);
  expect(metrics).toContainEqual(['DeletionPurgeFailures', 0]);
});

it('purge: stops without work when another invocation holds the lease', async () => {
  const { handle, lease, selects, context } = setup({ leaseFree: false });
  expect(await handle({}, context)).toEqual({
    action: 'purge',
    iteration: 1,
    moreWork: false,
    failed: [],
    failedCount: 0,
    leaseHeld: true,
  });
  expect(lease.released).toEqual([]);
  expect(selects).toEqual([]);
});

it('refuses an unknown action', async () => {
  const { handle, context } = setup();
  await expect(handle({ action: 'nuke' as 'purge' }, context)).rejects.toThrow(
    "unknown action 'nuke': expected 'purge' or 'check'",
  );
});

describe('DynamoPurgeLease', () => {
  const ddb = mockClient(DynamoDBDocumentClient);
  const lease = new DynamoPurgeLease(DynamoDBDocumentClient.from(new DynamoDBClient({})), 'Requests');
  beforeEach(() => ddb.reset());

  it('takes a free or expired lease with a conditional put, and reports a held one', async () => {
    ddb
      .on(PutCommand)
      .resolvesOnce({})
      .rejectsOnce(new ConditionalCheckFailedException({ message: 'held', $metadata: {} }));
    expect(await lease.acquire('me', 1000, 500)).toBe(true);
    expect(await lease.acquire('me', 1000, 500)).toBe(false);
    expect(ddb.commandCalls(PutCommand)[0]?.args[0].input).toEqual({
      TableName: 'Requests',
      Item: { requestId: PURGE_LEASE_ID, owner: 'me', expiresAtMs: 1500 },
      ConditionExpression: 'attribute_not_exists(requestId) OR expiresAtMs < :now OR #owner = :owner',
      ExpressionAttributeNames: { '#owner': 'owner' },
      ExpressionAttributeValues: { ':now': 1000, ':owner': 'me' },
    });
  });

  it('releases only its own lease', async () => {
    ddb
      .on(DeleteCommand)
      .rejects(new ConditionalCheckFailedException({ message: 'not mine', $metadata: {} }));
    await expect(lease.release('me')).resolves.toBeUndefined();
    expect(ddb.commandCalls(DeleteCommand)[0]?.args[0].input.ConditionExpression).toBe('#owner = :owner');
  });
});
