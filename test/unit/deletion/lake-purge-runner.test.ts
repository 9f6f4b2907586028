/**
 * The AWS lake purge end to end against mocked SDK clients (aws-sdk-client-mock): the runner with the real
 * Athena and S3 adapters. The S3 mock keeps a small versioned bucket (every version of every key); the Athena
 * mock answers the purge's find queries from that bucket and performs its UNLOADs into it, so the tests
 * check what is left in the bucket, the exact Athena/S3 call sequence, and resuming after a crash.
 */
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { AthenaQueryError, AthenaSqlRunner } from '../../../lambdas/deletion/athena-sql-runner';
import {
  type DeletionRequest,
  type DeletionRequestStore,
  hashUserId,
  type ProfileEraser,
} from '../../../lambdas/deletion/deletion-request';
import { extrasPrefix, type LakePurgeDeps, runLakePurge } from '../../../lambdas/deletion/lake-purge-runner';
import { S3VersionedObjects } from '../../../lambdas/deletion/s3-versioned-objects';

const BUCKET = 'lake-bucket';
const DB = 'recostream_db';
const A = 'events/event_type=product_view/dt=2026-11-25/hour=09/Delivery-1-a.parquet';
const B = 'events/event_type=purchase/dt=2026-11-25/hour=10/Delivery-1-b.parquet';
const C = 'events/event_type=product_view/dt=2026-11-25/hour=11/Delivery-1-c.parquet';
const Q = 'quarantine/dt=2026-11-25/reason=invalid_event/1764061200000-req1.jsonl';
const E = 'errors/format-conversion-failed/dt=2026-11-25/Delivery-1-e';
const E2 = 'errors/processing-failed/dt=2026-11-25/Delivery-1-f';

type Row = { event_id: string; user_id: string | null };

/** A versioned bucket: key -> versions, oldest first (the last is current). */
class FakeBucket {
  readonly versions = new Map<string, Array<{ id: string; body: string }>>();
  readonly trace: string[] = [];
  private next = 0;
  failNext: { command: string; key: string } | undefined;

  put(key: string, body: string): string {
    const id = `v${++this.next}`;
    this.versions.set(key, [...(this.versions.get(key) ?? []), { id, body }]);
    return id;
  }
  current(key: string): string | undefined {
    return this.versions.get(key)?.at(-1)?.body;
  }
  rows(key: string): Row[] {
    return JSON.parse(this.current(key) ?? '[]') as Row[];
  }
  keysUnder(prefix: string): string[] {
    return [...this.versions.keys()]
      .filter((k) => k.startsWith(prefix) && this.versions.get(k)?.length)
      .sort();
  }
  check(command: string, key: string) {
    this.trace.push(`${command} ${key}`);
    if (this.failNext?.command === command && this.failNext.key === key) {
      this.failNext = undefined;
      throw new Error(`injected ${command} failure`);
    }
  }
}

class MemoryRequests implements DeletionRequestStore {
  readonly rows = new Map<string, DeletionRequest>();
  async put(r: DeletionRequest) {
    this.rows.set(r.requestId, r);
  }
  async get(id: string) {
    return this.rows.get(id);
  }
  async pending() {
    return [...this.rows.values()].filter((r) => r.status === 'pending');
  }
}

const s3 = mockClient(S3Client);
const athena = mockClient(AthenaClient);
let bucket: FakeBucket;
let queries: string[];
let unloadFailure: string | undefined;
let unloadParts: number;

function wireS3() {
  s3.on(ListObjectsV2Command).callsFake(({ Prefix }) => {
    bucket.check('ListObjectsV2', Prefix);
    return { Contents: bucket.keysUnder(Prefix).map((Key) => ({ Key })), IsTruncated: false };
  });
  s3.on(ListObjectVersionsCommand).callsFake(({ Prefix }) => {
    bucket.check('ListObjectVersions', Prefix);
    const Versions = bucket.keysUnder(Prefix).flatMap((Key) => {
      const all = bucket.versions.get(Key) ?? [];
      return all.map((v, i) => ({ Key, VersionId: v.id, IsLatest: i === all.length - 1 }));
    });
    return { Versions, IsTruncated: false };
  });
  s3.on(CopyObjectCommand).callsFake(({ CopySource, Key }) => {
    bucket.check('CopyObject', Key);
    const source = decodeURIComponent(String(CopySource).slice(BUCKET.length + 1));
    const body = bucket.current(source);
    if (body === undefined) throw new Error(`NoSuchKey ${source}`);
    return { VersionId: bucket.put(Key, body) };
  });
  s3.on(GetObjectCommand).callsFake(({ Key }) => {
    bucket.check('GetObject', Key);
    const body = bucket.current(Key) as string;
    return { Body: { transformToString: async () => body } };
  });
  s3.on(PutObjectCommand).callsFake(({ Key, Body }) => {
    bucket.check('PutObject', Key);
    return { VersionId: bucket.put(Key, String(Body)) };
  });
  s3.on(DeleteObjectCommand).callsFake(({ Key, VersionId }) => {
    if (!VersionId) throw new Error('the purge must always name a version');
    bucket.check('DeleteObject', `${Key}@${VersionId}`);
    const left = (bucket.versions.get(Key) ?? []).filter((v) => v.id !== VersionId);
    if (left.length) bucket.versions.set(Key, left);
    else bucket.versions.delete(Key);
    return {};
  });
}

/** Athena over the fake bucket: the find queries and the UNLOAD the purge renders. */
function wireAthena() {
  const results = new Map<string, string[][]>();
  athena.on(StartQueryExecutionCommand).callsFake(({ QueryString, WorkGroup, QueryExecutionContext }) => {
    expect(WorkGroup).toBe('recostream-wg');
    expect(QueryExecutionContext).toEqual({ Database: DB });
    const sql = String(QueryString);
    const id = `q${queries.push(sql)}`;
    const user = /"user_id" = '([^']*)'/.exec(sql)?.[1];
    if (sql.startsWith('SELECT "$path" AS path, count(*)')) {
      const rows = bucket
        .keysUnder('events/')
        .map((k) => [`s3://${BUCKET}/${k}`, String(bucket.rows(k).filter((r) => r.user_id === user).length)])
        .filter(([, n]) => n !== '0');
      results.set(id, rows);
    } else if (sql.startsWith('SELECT DISTINCT "$path"')) {
      const needle = /strpos\("raw_payload", '([^']*)'\)/.exec(sql)?.[1] as string;
      results.set(
        id,
        bucket
          .keysUnder('quarantine/')
          .filter((k) => bucket.current(k)?.includes(JSON.stringify(needle).slice(1, -1)))
          .map((k) => [`s3://${BUCKET}/${k}`]),
      );
    } else if (sql.startsWith('UNLOAD')) {
      if (unloadFailure) return { QueryExecutionId: id };
      const source = /"\$path" = 's3:\/\/lake-bucket\/([^']+)'/.exec(sql)?.[1] as string;
      const target = /TO 's3:\/\/lake-bucket\/([^']+)'/.exec(sql)?.[1] as string;
      expect(bucket.keysUnder(target)).toEqual([]); // UNLOAD needs an empty target
      const kept = bucket.rows(source).filter((r) => r.user_id !== user);
      // Athena writes no file for an empty result; `unloadParts` files otherwise.
      if (kept.length > 0)
        for (let p = 0; p < unloadParts; p++)
          bucket.put(`${target}part-${p}`, JSON.stringify(kept.filter((_, i) => i % unloadParts === p)));
    }
    return { QueryExecutionId: id };
  });
  athena.on(GetQueryExecutionCommand).callsFake(({ QueryExecutionId }) => {
    const sql = queries[Number(String(QueryExecutionId).slice(1)) - 1] as string;
    if (sql.startsWith('UNLOAD') && unloadFailure)
      return { QueryExecution: { Status: { State: 'FAILED', StateChangeReason: unloadFailure } } };
    return { QueryExecution: { Status: { State: 'SUCCEEDED' } } };
  });
  athena.on(GetQueryResultsCommand).callsFake(({ QueryExecutionId }) => ({
    ResultSet: {
      Rows: [
        { Data: [{ VarCharValue: 'path' }] },
        ...(results.get(String(QueryExecutionId)) ?? []).map((r) => ({
          Data: r.map((VarCharValue) => ({ VarCharValue })),
        })),
      ],
    },
  }));
}

const pendingRequest = (requestId: string, userId: string): DeletionRequest => ({
  requestId,
  userIdHash: hashUserId(userId),
  userId,
  requestedBy: 'ops',
  requestedAt: '2026-11-26T10:00:00.000Z',
  lakeDeadline: '2026-11-29T10:00:00.000Z',
  status: 'pending',
  stores: { profile: 'deleted', itemStats: 'not_removable', lake: 'pending' },
});

let requests: MemoryRequests;
let erased: string[];
let clock: Date;

function deps(overrides: Partial<LakePurgeDeps> = {}): LakePurgeDeps {
  const profiles: ProfileEraser = {
    deleteProfile: async (userId) => {
      erased.push(userId);
      return false;
    },
    linkedAnonymousIds: async () => [],
  };
  return {
    sql: new AthenaSqlRunner(new AthenaClient({}), {
      workGroup: 'recostream-wg',
      database: DB,
      remainingMs: () => 600_000,
      sleep: async () => {},
    }),
    objects: new S3VersionedObjects(new S3Client({}), BUCKET),
    requests,
    profiles,
    bucket: BUCKET,
    database: DB,
    eventColumns: ['event_id', 'user_id'],
    settleMs: 3_600_000,
    now: () => clock,
    hasTime: () => true,
    ...overrides,
  };
}

beforeEach(() => {
  s3.reset();
  athena.reset();
  bucket = new FakeBucket();
  queries = [];
  unloadFailure = undefined;
  unloadParts = 1;
  requests = new MemoryRequests();
  erased = [];
  clock = new Date('2026-11-27T03:00:00.000Z');
  wireS3();
  wireAthena();
  bucket.put(
    A,
    JSON.stringify([
      { event_id: 'a1', user_id: 'u1' },
      { event_id: 'a2', user_id: 'u2' },
      { event_id: 'a3', user_id: null },
      { event_id: 'a4', user_id: 'u1' },
    ]),
  );
  bucket.put(B, JSON.stringify([{ event_id: 'b1', user_id: 'u1' }]));
  bucket.put(C, JSON.stringify([{ event_id: 'c1', user_id: 'u2' }]));
  bucket.put(
    Q,
    `${JSON.stringify({ reason: 'invalid_event', rawPayload: JSON.stringify({ userId: 'u1', type: 'x' }) })}\n` +
      `${JSON.stringify({ reason: 'invalid_event', rawPayload: JSON.stringify({ userId: 'u2', type: 'x' }) })}\n`,
  );
  // Firehose error documents: the stream record base64-encoded in rawData.
  const failed = (record: object) =>
    JSON.stringify({
      errorCode: 'DataFormatConversion.InvalidSchema',
      rawData: Buffer.from(JSON.stringify(record)).toString('base64'),
    });
  bucket.put(
    E,
    `${failed({ userId: 'u1', type: 'page_view' })}\n${failed({ userId: 'u2', type: 'page_view' })}\n`,
  );
  bucket.put(E2, `${failed({ events: [{ anonymousId: 'x', userId: 'u1' }] })}\n`);
});

const stagingVersions = () => bucket.keysUnder('purge-staging/');

it('rewrites the affected objects, deletes their older versions, purges the quarantine and completes', async () => {
  await requests.put(pendingRequest('r1', 'u1'));
  const result = await runLakePurge(deps());
  expect(result).toEqual({
    examined: 1,
    completed: 1,
    objectsRewritten: 2,
    rowsRemoved: 3,
    quarantineRecordsRemoved: 1,
    deliveryErrorRecordsRemoved: 2,
    failed: [],
    moreWork: false,
  });
  // errors/: u1's records gone (E2 held only u1's: deleted with its versions), u2's kept.
  expect(bucket.current(E)?.trim().split('\n')).toHaveLength(1);
  expect(Buffer.from(JSON.parse(bucket.current(E) as string).rawData, 'base64').toString()).toContain('"u2"');
  expect(bucket.versions.get(E)).toHaveLength(1);
  expect(bucket.versions.has(E2)).toBe(false);
  // A: only the other users' rows, in one version; B: every version gone; C untouched.
  expect(bucket.rows(A).map((r) => r.event_id)).toEqual(['a2', 'a3']);
  expect(bucket.versions.get(A)).toHaveLength(1);
  expect(bucket.versions.has(B)).toBe(false);
  expect(bucket.versions.get(C)?.map((v) => v.id)).toEqual(['v3']);
  expect(bucket.current(Q)?.trim().split('\n')).toHaveLength(1);
  expect(bucket.current(Q)).toContain('u2');
  expect(bucket.versions.get(Q)).toHaveLength(1);
  expect(stagingVersions()).toEqual([]);
  expect(erased).toEqual(['u1']);

  // Athena: find, one UNLOAD per object, find again (verifies: nothing left), quarantine find.
  expect(queries.map((q) => q.split(' (')[0]?.split(' FROM')[0])).toEqual([
    'SELECT "$path" AS path, count(*) AS row_count',
    'UNLOAD',
    'UNLOAD',
    'SELECT "$path" AS path, count(*) AS row_count',
    'SELECT DISTINCT "$path" AS path',
  ]);
  // The S3 sequence of object A: clear staging, UNLOAD, list staged, clear extras, commit, old versions, staging.
  const staging = /TO 's3:\/\/lake-bucket\/([^']+)'/.exec(queries[1] as string)?.[1] as string;
  const aTrace = bucket.trace.slice(0, bucket.trace.indexOf(`ListObjectVersions ${staging}`, 1) + 1);
  expect(aTrace).toEqual([
    `ListObjectVersions ${staging}`,
    `ListObjectsV2 ${staging}`,
    `ListObjectVersions ${extrasPrefix(A, 'r1')}`,
    `CopyObject ${A}`,
    `ListObjectVersions ${A}`,
    `DeleteObject ${A}@v1`,
    `ListObjectVersions ${staging}`,
  ]);

  const audit = requests.rows.get('r1') as DeletionRequest;
  expect(audit).toMatchObject({
    status: 'completed',
    stores: {
      profile: 'deleted',
      itemStats: 'not_removable',
      lake: 'deleted',
      quarantine: 'deleted',
      deliveryErrors: 'deleted',
    },
    storeDeletedAt: {
      lake: '2026-11-27T03:00:00.000Z',
      quarantine: '2026-11-27T03:00:00.000Z',
      deliveryErrors: '2026-11-27T03:00:00.000Z',
      profile: '2026-11-27T03:00:00.000Z',
    },
    lakeFilesRewritten: 2,
    lakeRowsRemoved: 3,
    quarantineFilesRewritten: 1,
    quarantineRecordsRemoved: 1,
    deliveryErrorFilesRewritten: 2,
    deliveryErrorRecordsRemoved: 2,
    completedAt: '2026-11-27T03:00:00.000Z',
  });
  expect(audit.userId).toBeUndefined();
  expect(audit.purgeInFlight).toBeUndefined();

  // A second run finds nothing to do.
  expect((await runLakePurge(deps())).examined).toBe(0);
});

it('resumes after a crash between the commit and the deletion of the older versions', async () => {
  await requests.put(pendingRequest('r1', 'u1'));
  bucket.failNext = { command: 'DeleteObject', key: `${A}@v1` };
  const first = await runLakePurge(deps());
  expect(first).toMatchObject({ completed: 0, failed: ['r1'] });
  // The committed copy hides the user's rows, but the old version still holds them: the audit says so.
  expect(bucket.rows(A).map((r) => r.event_id)).toEqual(['a2', 'a3']);
  expect(bucket.versions.get(A)?.map((v) => v.id)).toEqual(['v1', expect.any(String)]);
  expect(requests.rows.get('r1')).toMatchObject({
    status: 'pending',
    userId: 'u1',
    purgeInFlight: [A],
    purgeAttempts: 1,
    error: 'Error: injected DeleteObject failure',
  });

  clock = new Date('2026-11-28T03:00:00.000Z');
  const second = await runLakePurge(deps());
  expect(second).toMatchObject({ completed: 1, failed: [], objectsRewritten: 1, rowsRemoved: 1 });
  expect(bucket.versions.get(A)).toHaveLength(1);
  expect(bucket.versions.has(B)).toBe(false);
  expect(stagingVersions()).toEqual([]);
  // A was unloaded once: the resume finished its old versions instead of rewriting it again.
  expect(queries.filter((q) => q.startsWith('UNLOAD') && q.includes(A))).toHaveLength(1);
  expect(requests.rows.get('r1')).toMatchObject({
    status: 'completed',
    // A's rewrite was committed in the crashed run before it was counted: counters are a lower bound.
    lakeFilesRewritten: 1,
    storeDeletedAt: { lake: '2026-11-28T03:00:00.000Z' },
  });
  expect(requests.rows.get('r1')?.error).toBeUndefined();
});

it('redoes an object whose UNLOAD failed, from an empty staging prefix', async () => {
  await requests.put(pendingRequest('r1', 'u1'));
  unloadFailure = 'HIVE_CURSOR_ERROR: boom';
  const first = await runLakePurge(deps());
  expect(first.failed).toEqual(['r1']);
  expect(requests.rows.get('r1')?.error).toMatch(
    /^AthenaQueryError: Athena query q2 FAILED: HIVE_CURSOR_ERROR: boom$/,
  );
  expect(bucket.versions.get(A)).toHaveLength(1);
  expect(bucket.rows(A)).toHaveLength(4);

  unloadFailure = undefined;
  expect(await runLakePurge(deps())).toMatchObject({ completed: 1, rowsRemoved: 3 });
  expect(bucket.rows(A).map((r) => r.event_id)).toEqual(['a2', 'a3']);
});

it('stops starting objects when the time budget is spent and continues on the next invocation', async () => {
  await requests.put(pendingRequest('r1', 'u1'));
  let budget = 3; // hasTime() answers true this many times: the request, the lake step, object A
  const first = await runLakePurge(deps({ hasTime: () => budget-- > 0 }));
  expect(first).toMatchObject({ completed: 0, moreWork: true, objectsRewritten: 1, failed: [] });
  expect(requests.rows.get('r1')).toMatchObject({
    status: 'pending',
    lakeFilesRewritten: 1,
    stores: { lake: 'pending' },
  });
  const second = await runLakePurge(deps());
  expect(second).toMatchObject({ completed: 1, moreWork: false, objectsRewritten: 1 });
  expect(requests.rows.get('r1')).toMatchObject({ lakeFilesRewritten: 2, lakeRowsRemoved: 3 });
});

it('places extra UNLOAD output files next to the original before committing it', async () => {
  unloadParts = 2;
  await requests.put(pendingRequest('r1-abcdef', 'u1'));
  await runLakePurge(deps());
  const extra = `${extrasPrefix(A, 'r1-abcdef')}1.parquet`;
  expect(extra).toBe(
    'events/event_type=product_view/dt=2026-11-25/hour=09/Delivery-1-a-purge-r1abcdef-1.parquet',
  );
  const copies = bucket.trace.filter((t) => t.startsWith('CopyObject'));
  expect(copies.slice(0, 2)).toEqual([`CopyObject ${extra}`, `CopyObject ${A}`]);
  expect([...bucket.rows(A), ...bucket.rows(extra)].map((r) => r.event_id).sort()).toEqual(['a2', 'a3']);
});

it('waits for the settle time and skips requests that failed earlier in the execution', async () => {
  await requests.put({ ...pendingRequest('r1', 'u1'), requestedAt: '2026-11-27T02:30:00.000Z' });
  expect(await runLakePurge(deps())).toMatchObject({ examined: 0 });
  clock = new Date('2026-11-27T03:30:00.000Z');
  expect(await runLakePurge(deps(), { skipRequestIds: ['r1'] })).toMatchObject({ examined: 0 });
  expect(await runLakePurge(deps())).toMatchObject({ examined: 1, completed: 1 });
});

describe('AthenaSqlRunner', () => {
  it('polls until the query ends, skips the header row and pages through results', async () => {
    athena.reset();
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q1' });
    athena
      .on(GetQueryExecutionCommand)
      .resolvesOnce({ QueryExecution: { Status: { State: 'QUEUED' } } })
      .resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' } } })
      .resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
    athena
      .on(GetQueryResultsCommand)
      .resolvesOnce({
        ResultSet: { Rows: [{ Data: [{ VarCharValue: 'path' }] }, { Data: [{ VarCharValue: 'x' }] }] },
        NextToken: 't',
      })
      .resolves({ ResultSet: { Rows: [{ Data: [{ VarCharValue: 'y' }] }] } });
    const waits: number[] = [];
    const runner = new AthenaSqlRunner(new AthenaClient({}), {
      workGroup: 'wg',
      database: 'db',
      remainingMs: () => 600_000,
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    expect(await runner.select('SELECT 1')).toEqual([['x'], ['y']]);
    expect(waits).toEqual([1000, 2000]);
    expect(athena.commandCalls(GetQueryResultsCommand).map((c) => c.args[0].input.NextToken)).toEqual([
      undefined,
      't',
    ]);
  });

  it('stops a query that would outlive the invocation', async () => {
    athena.reset();
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q9' });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'RUNNING' } } });
    athena.on(StopQueryExecutionCommand).resolves({});
    const runner = new AthenaSqlRunner(new AthenaClient({}), {
      workGroup: 'wg',
      database: 'db',
      remainingMs: () => 4000,
      sleep: async () => {},
    });
    await expect(runner.execute('UNLOAD ...')).rejects.toThrow(AthenaQueryError);
    expect(athena.commandCalls(StopQueryExecutionCommand)[0]?.args[0].input).toEqual({
      QueryExecutionId: 'q9',
    });
  });
});
