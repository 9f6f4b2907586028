/**
 * "Delete a user everywhere" on the local runtime: events of two users flow into profiles and the lake;
 * DELETE /v1/users/{userId} refuses missing auth and the ordinary write key, accepts an admin key, deletes
 * the profile at once and records the request; the lake purge then removes exactly that user's rows
 * (queried with DuckDB over the local lake) and completes the audit record, which keeps only the hash.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoWriteKeyStore } from '../../lambdas/authorizer/write-key-store';
import { basicAuthorizationFor, newWriteKey } from '../../lambdas/authorizer/write-keys';
import { hashUserId } from '../../lambdas/deletion/deletion-request';
import { openLocalLake } from '../../local/lake/query';
import { completeLocalDeletions } from '../../local/lake/user-deletion';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime/runtime';

jest.setTimeout(180_000);

let runtime: LocalRuntime;
let dataDir: string;
let adminKey: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'recostream-deletion-'));
  runtime = await startLocalRuntime({ dataDir, port: 0, trafficRate: 0, lakeBufferIntervalSeconds: 1 });
  const { key, record } = newWriteKey('ops-admin');
  adminKey = key;
  await new DynamoWriteKeyStore(runtime.tableName('WriteKeys'), runtime.dynamo).put({
    ...record,
    role: 'admin',
  });
});

afterAll(async () => {
  await runtime?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function lakeCounts(): Promise<Record<string, number>> {
  const lake = await openLocalLake(runtime.lakeDir as string);
  try {
    const result = await lake.runQuery(
      "SELECT user_id, count(*) AS n FROM events WHERE user_id IN ('erin', 'frank') GROUP BY user_id",
    );
    return Object.fromEntries(result.rows.map((r) => [String(r[0]), Number(r[1])]));
  } finally {
    await lake.close();
  }
}

async function eventually<T>(
  read: () => Promise<T>,
  accept: (v: T) => boolean,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`not reached in ${timeoutMs} ms: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const profileOf = async (userId: string) =>
  (await runtime.dynamo.send(new GetCommand({ TableName: runtime.tableName('Profiles'), Key: { userId } })))
    .Item;

const remove = (userId: string, headers: Record<string, string>) =>
  fetch(`${runtime.apiUrl}/v1/users/${encodeURIComponent(userId)}`, { method: 'DELETE', headers });

it('deletes the profile now, the lake rows at the purge, and keeps the audit', async () => {
  const events = ['erin', 'frank'].flatMap((userId) =>
    ['a', 'b', 'c'].map((item) => ({ type: 'product_view', userId, itemId: `item-${item}`, category: 'c' })),
  );
  const posted = await fetch(`${runtime.apiUrl}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: basicAuthorizationFor(runtime.writeKey) },
    body: JSON.stringify({ events }),
  });
  expect(posted.status).toBe(200);
  await eventually(lakeCounts, (c) => c.erin === 3 && c.frank === 3);
  await eventually(
    () => profileOf('erin'),
    (p) => p !== undefined,
  );

  // Refused: no Authorization (401), the ordinary write key (403), an unknown key (403).
  expect((await remove('erin', {})).status).toBe(401);
  expect((await remove('erin', { authorization: basicAuthorizationFor(runtime.writeKey) })).status).toBe(403);
  const unknown = newWriteKey('nobody').key;
  expect((await remove('erin', { authorization: basicAuthorizationFor(unknown) })).status).toBe(403);
  expect(await profileOf('erin')).toBeDefined();

  const response = await remove('erin', { authorization: basicAuthorizationFor(adminKey) });
  expect(response.status).toBe(202);
  const body = (await response.json()) as Record<string, unknown>;
  expect(body).toMatchObject({
    userIdHash: hashUserId('erin'),
    profileExisted: true,
    stores: { profile: 'deleted', itemStats: 'not_removable', lake: 'pending' },
  });
  expect(await profileOf('erin')).toBeUndefined();
  expect(await profileOf('frank')).toBeDefined();

  const result = await completeLocalDeletions(runtime);
  expect(result).toMatchObject({ completed: 1, rowsRemoved: 3 });
  expect(result.filesRewritten).toBeGreaterThanOrEqual(1);
  expect(await lakeCounts()).toEqual({ frank: 3 });

  const audit = (
    await runtime.dynamo.send(
      new GetCommand({
        TableName: runtime.tableName('DeletionRequests'),
        Key: { requestId: body.requestId },
      }),
    )
  ).Item as Record<string, unknown>;
  expect(audit).toMatchObject({
    requestId: body.requestId,
    userIdHash: hashUserId('erin'),
    requestedBy: 'ops-admin',
    status: 'completed',
    stores: { profile: 'deleted', itemStats: 'not_removable', lake: 'deleted' },
    lakeRowsRemoved: 3,
  });
  expect(audit.userId).toBeUndefined();

  // A second purge has nothing to do.
  expect(await completeLocalDeletions(runtime)).toEqual({ completed: 0, filesRewritten: 0, rowsRemoved: 0 });
});
