/** The deletion domain and the DELETE handler, with in-memory stores. */
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { createDeleteUserHandler } from '../../../lambdas/deletion/api/handler';
import {
  completePendingDeletions,
  type DeletionRequest,
  type DeletionRequestStore,
  hashUserId,
  type LakePurger,
  type ProfileEraser,
  requestUserDeletion,
} from '../../../lambdas/deletion/deletion-request';

class MemoryRequests implements DeletionRequestStore {
  readonly rows = new Map<string, DeletionRequest>();
  readonly history: DeletionRequest[] = [];
  async put(r: DeletionRequest) {
    this.rows.set(r.requestId, r);
    this.history.push(r);
  }
  async get(id: string) {
    return this.rows.get(id);
  }
  async pending() {
    return [...this.rows.values()].filter((r) => r.status === 'pending');
  }
}

class MemoryProfiles implements ProfileEraser {
  constructor(
    readonly users = new Set<string>(),
    readonly linked = new Map<string, string[]>(),
  ) {}
  readonly deleted: string[] = [];
  async deleteProfile(userId: string) {
    this.deleted.push(userId);
    return this.users.delete(userId);
  }
  async linkedAnonymousIds(userId: string) {
    return this.users.has(userId) ? (this.linked.get(userId) ?? []) : [];
  }
}

const now = new Date('2026-11-26T10:00:00.000Z');

describe('requestUserDeletion', () => {
  it('records the request before deleting, then marks the profile deleted with a 72 h lake deadline', async () => {
    const requests = new MemoryRequests();
    const profiles = new MemoryProfiles(new Set(['u1', 'u2']));
    const out = await requestUserDeletion(
      { requests, profiles },
      { userId: 'u1', requestedBy: 'ops', now, requestId: 'r1' },
    );
    expect(out).toEqual({
      requestId: 'r1',
      userIdHash: hashUserId('u1'),
      userId: 'u1',
      requestedBy: 'ops',
      requestedAt: '2026-11-26T10:00:00.000Z',
      lakeDeadline: '2026-11-29T10:00:00.000Z',
      status: 'pending',
      stores: { profile: 'deleted', itemStats: 'not_removable', lake: 'pending' },
      profileExisted: true,
    });
    expect(requests.history.map((r) => r.stores.profile)).toEqual(['pending', 'deleted']);
    expect([...profiles.users]).toEqual(['u2']);
    expect(hashUserId('u1')).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each([[''], [undefined], ['x'.repeat(257)], ['a\u0000'], ['anon#x']])(
    'refuses userId %p',
    async (userId) => {
      const requests = new MemoryRequests();
      await expect(
        requestUserDeletion(
          { requests, profiles: new MemoryProfiles() },
          { userId, requestedBy: 'ops', now },
        ),
      ).rejects.toThrow(/^userId (must|is required|the prefix anon# is reserved)/);
      expect(requests.rows.size).toBe(0);
    },
  );
});

describe('deleting a user with linked anonymous visitors (identity stitching)', () => {
  it('deletes the visitors’ profiles too, and has the lake purge remove their rows', async () => {
    const requests = new MemoryRequests();
    const profiles = new MemoryProfiles(
      new Set(['u1', 'anon#v1', 'anon#v2', 'anon#v3']),
      new Map([['u1', ['v1', 'v2']]]),
    );
    const out = await requestUserDeletion(
      { requests, profiles },
      { userId: 'u1', requestedBy: 'ops', now, requestId: 'r1' },
    );
    expect(out.anonymousIds).toEqual(['v1', 'v2']);
    expect(requests.history[0]?.anonymousIds).toEqual(['v1', 'v2']); // recorded before anything is deleted
    expect([...profiles.users]).toEqual(['anon#v3']);

    profiles.users.add('anon#v1'); // re-created by a visitor event still in the stream
    const purged: Array<[string[], string[]]> = [];
    const lake: LakePurger = {
      purge: async (ids, anonymous = []) => {
        purged.push([[...ids], [...anonymous]]);
        return { filesRewritten: 1, rowsRemoved: 4 };
      },
    };
    await completePendingDeletions({ requests, profiles, lake }, () => now);
    expect(purged).toEqual([[['u1'], ['v1', 'v2']]]);
    expect([...profiles.users]).toEqual(['anon#v3']);
    const done = requests.rows.get('r1') as DeletionRequest;
    expect(done.status).toBe('completed');
    expect('anonymousIds' in done).toBe(false);
  });
});

describe('completePendingDeletions', () => {
  it('purges all pending users in one pass, deletes re-created profiles and drops the raw userId', async () => {
    const requests = new MemoryRequests();
    const profiles = new MemoryProfiles(new Set(['a', 'b']));
    for (const [id, user] of [
      ['r1', 'a'],
      ['r2', 'b'],
      ['r3', 'a'],
    ])
      await requestUserDeletion(
        { requests, profiles },
        { userId: user, requestedBy: 'ops', now, requestId: id },
      );
    profiles.users.add('a'); // re-created by events still in the stream
    const purged: string[][] = [];
    const lake: LakePurger = {
      purge: async (ids) => {
        purged.push([...ids]);
        return { filesRewritten: 2, rowsRemoved: 7 };
      },
    };
    const later = new Date('2026-11-26T11:00:00.000Z');
    expect(await completePendingDeletions({ requests, profiles, lake }, () => later)).toEqual({
      completed: 3,
      filesRewritten: 2,
      rowsRemoved: 7,
    });
    expect(purged).toEqual([['a', 'b']]);
    expect(profiles.users.size).toBe(0);
    const r1 = requests.rows.get('r1') as DeletionRequest;
    expect(r1).toMatchObject({ status: 'completed', completedAt: later.toISOString(), lakeRowsRemoved: 7 });
    expect(r1.stores.lake).toBe('deleted');
    expect('userId' in r1).toBe(false);
    expect(await requests.pending()).toEqual([]);
  });

  it('keeps requests pending with the error when the lake purge fails', async () => {
    const requests = new MemoryRequests();
    const profiles = new MemoryProfiles();
    await requestUserDeletion(
      { requests, profiles },
      { userId: 'a', requestedBy: 'ops', now, requestId: 'r1' },
    );
    const lake: LakePurger = { purge: () => Promise.reject(new Error('disk full')) };
    await expect(completePendingDeletions({ requests, profiles, lake }, () => now)).rejects.toThrow(
      'disk full',
    );
    expect(requests.rows.get('r1')).toMatchObject({ status: 'pending', userId: 'a', error: 'disk full' });
  });
});

describe('DELETE handler', () => {
  const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });
  const event = (userId: string | undefined, writeKeyName?: string) =>
    ({
      httpMethod: 'DELETE',
      pathParameters: userId === undefined ? null : { userId },
      requestContext: { authorizer: writeKeyName ? { writeKeyName } : undefined },
    }) as unknown as APIGatewayProxyEvent;

  it('answers 202 with the request and what happens in each store', async () => {
    const requests = new MemoryRequests();
    const handle = createDeleteUserHandler({
      requests,
      profiles: new MemoryProfiles(new Set(['u1'])),
      logger,
      now: () => now,
    });
    const res = await handle(event('u1', 'ops'));
    expect(res.statusCode).toBe(202);
    const body = JSON.parse(res.body);
    expect(body).toMatchObject({
      userIdHash: hashUserId('u1'),
      profileExisted: true,
      lakeDeadline: '2026-11-29T10:00:00.000Z',
      stores: { profile: 'deleted', itemStats: 'not_removable', lake: 'pending' },
    });
    expect(requests.rows.get(body.requestId)?.requestedBy).toBe('ops');
  });

  it('refuses a call without the authorizer principal (403) and a bad userId (400)', async () => {
    const handle = createDeleteUserHandler({
      requests: new MemoryRequests(),
      profiles: new MemoryProfiles(),
      logger,
    });
    expect((await handle(event('u1'))).statusCode).toBe(403);
    const bad = await handle(event(undefined, 'ops'));
    expect(bad.statusCode).toBe(400);
    expect(JSON.parse(bad.body)).toEqual({
      error: 'invalid_user_id',
      message: 'userId is required',
    });
  });
});
