/**
 * Pseudonymised lake on the local runtime (context `pseudonymizeLakeUserIds`): events for `alice` flow
 * through the ingest API; the profile in DynamoDB stays keyed `alice` (the recommendation API needs it), while
 * the local Firehose runs the template's Lambda processor through the function host, so the lake holds
 * `p1_<HMAC>` of `alice` (with the data directory's generated key) and no `alice` anywhere. A record the
 * processor cannot parse lands under `errors/processing-failed/` with its original bytes.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutRecordCommand } from '@aws-sdk/client-kinesis';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoWriteKeyStore } from '../../lambdas/authorizer/write-key-store';
import { basicAuthorizationFor, newWriteKey } from '../../lambdas/authorizer/write-keys';
import { parsePseudonymKey, pseudonymize } from '../../lambdas/shared/pseudonym';
import type { BucketStorage } from '../../local/lake/bucket-storage';
import { openBucketLake } from '../../local/lake/query';
import { completeLocalDeletions } from '../../local/lake/user-deletion';
import { LOCAL_PSEUDONYM_KEY_FILE } from '../../local/runtime/pseudonym-key';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime/runtime';

jest.setTimeout(180_000);

let runtime: LocalRuntime;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'recostream-pseudonym-'));
  runtime = await startLocalRuntime({
    dataDir,
    port: 0,
    trafficRate: 0,
    lakeBufferIntervalSeconds: 1,
    context: { pseudonymizeLakeUserIds: true },
  });
});

afterAll(async () => {
  await runtime?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function eventually<T>(read: () => Promise<T>, accept: (v: T) => boolean, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`not reached in ${timeoutMs} ms: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

it('keeps alice in the profile and only her pseudonym in the lake', async () => {
  const events = ['a', 'b', 'c'].map((item) => ({
    type: 'product_view',
    userId: 'alice',
    anonymousId: 'device-7',
    itemId: `item-${item}`,
    category: 'c',
  }));
  const posted = await fetch(`${runtime.apiUrl}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: basicAuthorizationFor(runtime.writeKey) },
    body: JSON.stringify({ events }),
  });
  expect(posted.status).toBe(200);
  // Not JSON: ingest never writes this, but a producer writing to the stream directly could.
  const stream = [...runtime.topology.streams.values()][0];
  await runtime.kinesis.send(
    new PutRecordCommand({ StreamName: stream?.name, PartitionKey: 'x', Data: Buffer.from('not json') }),
  );

  const profile = await eventually(
    async () =>
      (
        await runtime.dynamo.send(
          new GetCommand({ TableName: runtime.tableName('Profiles'), Key: { userId: 'alice' } }),
        )
      ).Item,
    (item) => item !== undefined,
  );
  expect(profile?.userId).toBe('alice');

  const lakeBucket = runtime.lake;
  if (!lakeBucket) throw new Error('the runtime has no lake bucket');
  const key = parsePseudonymKey(readFileSync(join(dataDir, LOCAL_PSEUDONYM_KEY_FILE), 'utf8'));
  const alice = pseudonymize(key, 'alice');
  const device = pseudonymize(key, 'device-7');
  const lakeRows = async () => {
    for (const loop of runtime.lakeDeliveries) await loop.flush();
    const lake = await openBucketLake(lakeBucket);
    try {
      return (
        await lake.runQuery('SELECT user_id, anonymous_id, item_id FROM events ORDER BY item_id')
      ).rows.map((r) => r.map(String));
    } catch {
      return [];
    } finally {
      await lake.close();
    }
  };
  const rows = await eventually(lakeRows, (r) => r.length >= 3);
  expect(rows).toEqual([
    [alice, device, 'item-a'],
    [alice, device, 'item-b'],
    [alice, device, 'item-c'],
  ]);
  expect(alice).toMatch(/^p1_[0-9a-f]{64}$/);

  // No Parquet object of the events prefix contains the raw ids (read from the bucket's local copy).
  const copy = await lakeBucket.localCopy(['events/', 'errors/']);
  const parquet = filesUnder(join(copy, 'events')).filter((f) => f.endsWith('.parquet'));
  expect(parquet.length).toBeGreaterThan(0);
  for (const file of parquet) {
    const bytes = readFileSync(file);
    expect(bytes.includes('alice')).toBe(false);
    expect(bytes.includes('device-7')).toBe(false);
  }

  const failed = await eventually(
    async () => {
      for (const loop of runtime.lakeDeliveries) await loop.flush();
      try {
        const errors = await lakeBucket.localCopy(['errors/']);
        return filesUnder(join(errors, 'errors', 'processing-failed'))
          .flatMap((f) => readFileSync(f, 'utf8').trim().split('\n'))
          .map((line) => JSON.parse(line) as { errorCode: string; rawData: string });
      } catch {
        return [];
      }
    },
    (lines) => lines.length >= 1,
  );
  expect(failed.map((l) => [l.errorCode, Buffer.from(l.rawData, 'base64').toString('utf8')])).toEqual([
    ['Lambda.ProcessingFailed', 'not json'],
  ]);
  expect(runtime.lakeDeliveries[0]?.snapshot().recordsFailed).toBe(1);
});

it('a deleted user is purged from the pseudonymised lake: the purge looks for the pseudonym too', async () => {
  const { key: adminKey, record } = newWriteKey('ops-admin');
  await new DynamoWriteKeyStore(runtime.tableName('WriteKeys'), runtime.dynamo).put({
    ...record,
    role: 'admin',
  });
  const lakeKey = parsePseudonymKey(readFileSync(join(dataDir, LOCAL_PSEUDONYM_KEY_FILE), 'utf8'));
  const bob = pseudonymize(lakeKey, 'bob');
  const post = await fetch(`${runtime.apiUrl}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: basicAuthorizationFor(runtime.writeKey) },
    body: JSON.stringify({
      events: [
        { type: 'product_view', userId: 'bob', itemId: 'item-b1' },
        { type: 'product_view', userId: 'carol', itemId: 'item-c1' },
      ],
    }),
  });
  expect(post.status).toBe(200);
  const count = async (userId: string) => {
    for (const loop of runtime.lakeDeliveries) await loop.flush();
    const lake = await openBucketLake(runtime.lake as BucketStorage);
    try {
      const result = await lake.runQuery(`SELECT count(*) FROM events WHERE user_id = '${userId}'`);
      return Number(result.rows[0]?.[0]);
    } finally {
      await lake.close();
    }
  };
  await eventually(
    () => count(bob),
    (n) => n === 1,
  );

  const deleted = await fetch(`${runtime.apiUrl}/v1/users/bob`, {
    method: 'DELETE',
    headers: { authorization: basicAuthorizationFor(adminKey) },
  });
  expect(deleted.status).toBe(202);
  const result = await completeLocalDeletions(runtime);
  expect(result.rowsRemoved).toBe(1);
  expect(await count(bob)).toBe(0);
  // Nobody else's rows go: carol is still there under her pseudonym.
  expect(await count(pseudonymize(lakeKey, 'carol'))).toBe(1);
});
