/**
 * `recostream query` and what it stands on: the DuckDB views over the local lake (local/lake-query.ts)
 * and the Athena adapter (local/athena-query.ts). The views must have the Glue tables' columns and
 * types even before any file exists (a fresh `npm start` has an empty lake, and a named query must
 * still run), keep partition values as strings, and map the quarantine JSON keys to column names; the
 * Athena adapter must poll until the query ends, report Athena's reason when it fails, page the
 * results without the header row and type the values like DuckDB does. Output formats are what
 * other tools parse (RFC 4180 CSV, JSON), so they are pinned here.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import {
  EVENT_COLUMNS,
  EVENT_PARTITION_KEYS,
  QUARANTINE_COLUMNS,
  QUARANTINE_PARTITION_KEYS,
} from '../../../../lambdas/shared/events';
import { type CliIo, main } from '../../../../local/cli';
import { AthenaLake, AthenaQueryError, athenaValue } from '../../../../local/lake/athena-query';
import { listNamedQueries, loadNamedQuery, openLocalLake, rowObjects } from '../../../../local/lake/query';
import { hiveTypeToDuckDb } from '../../../../local/lake/writer';
import { fixtureEvents, writeFixtureEvents, writeQuarantineFixture } from '../../../support/lake-fixtures';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lake-query-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function captureIo(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (t) => stdout.push(t), err: (t) => stderr.push(t) };
}

describe('openLocalLake', () => {
  it('an empty (even missing) lake has both tables, typed like the Glue tables, with no rows', async () => {
    const lake = await openLocalLake(join(dir, 'no-such-lake'));
    try {
      expect(lake.files).toEqual({ eventFiles: 0, quarantineFiles: 0 });
      const events = rowObjects(await lake.runQuery('DESCRIBE events'));
      expect(events.map((c) => [c.column_name, c.column_type])).toEqual(
        [...EVENT_COLUMNS, ...EVENT_PARTITION_KEYS].map((c) => [
          c.name,
          hiveTypeToDuckDb(c.type).replaceAll('"', ''),
        ]),
      );
      const quarantine = rowObjects(await lake.runQuery('DESCRIBE quarantine'));
      expect(quarantine.map((c) => c.column_name)).toEqual(
        [...QUARANTINE_COLUMNS, ...QUARANTINE_PARTITION_KEYS].map((c) => c.name),
      );
      expect((await lake.runQuery('SELECT count(*) AS n FROM events')).rows).toEqual([[0]]);
      expect((await lake.runQuery('SELECT count(*) AS n FROM quarantine')).rows).toEqual([[0]]);
    } finally {
      await lake.close();
    }
  });

  it.each(listNamedQueries())('named query %s runs on an empty lake and returns no rows', async (name) => {
    const lake = await openLocalLake(dir);
    try {
      const result = await lake.runQuery(loadNamedQuery(name).sql);
      expect(result.rows).toEqual([]);
      expect(result.columns.length).toBeGreaterThan(1);
    } finally {
      await lake.close();
    }
  });

  it('keeps partition values as strings and reads files that appear after a refresh', async () => {
    const lakeDir = join(dir, 'lake');
    const lake = await openLocalLake(lakeDir);
    try {
      const now = new Date();
      const events = fixtureEvents(now).slice(0, 50);
      await writeFixtureEvents(events, lakeDir);
      await writeQuarantineFixture(lakeDir, now);
      expect((await lake.runQuery('SELECT count(*) FROM events')).rows).toEqual([[0]]);
      const status = await lake.refresh();
      expect(status.eventFiles).toBeGreaterThan(0);
      expect((await lake.runQuery('SELECT count(*) FROM events')).rows).toEqual([[50]]);

      const partitions = rowObjects(
        await lake.runQuery(
          'SELECT DISTINCT typeof(event_type) AS t1, typeof(dt) AS t2, typeof(hour) AS t3, hour FROM events ORDER BY hour LIMIT 1',
        ),
      );
      expect(partitions).toEqual([{ t1: 'VARCHAR', t2: 'VARCHAR', t3: 'VARCHAR', hour: '09' }]);
      const first = events[0]!;
      const stored = rowObjects(
        await lake.runQuery(
          `SELECT event_id, event_type, dt, epoch_ms(occurred_at) AS occurred_ms FROM events WHERE event_id = '${first.eventId}'`,
        ),
      );
      expect(stored).toEqual([
        {
          event_id: first.eventId,
          event_type: first.type,
          dt: first.occurredAt.slice(0, 10),
          occurred_ms: Date.parse(first.occurredAt),
        },
      ]);
    } finally {
      await lake.close();
    }
  });

  it('maps quarantine JSON keys to column names and takes dt and reason from the path', async () => {
    const lakeDir = join(dir, 'lake');
    const { records } = await writeQuarantineFixture(lakeDir, new Date());
    const lake = await openLocalLake(lakeDir);
    try {
      const rows = rowObjects(
        await lake.runQuery(
          `SELECT dt, reason, event_index, request_id, write_key_name, route, raw_payload, truncated
           FROM quarantine WHERE request_id = 'req-a' AND reason = 'unknown_type' ORDER BY event_index`,
        ),
      );
      const expected = records
        .filter((r) => r.requestId === 'req-a' && r.reason === 'unknown_type')
        .map((r) => ({
          dt: r.receivedAt.slice(0, 10),
          reason: r.reason,
          event_index: r.index,
          request_id: r.requestId,
          write_key_name: r.writeKeyName,
          route: r.route,
          raw_payload: r.rawPayload,
          truncated: null,
        }));
      expect(expected).toHaveLength(2);
      expect(rows).toEqual(expected);
      // Body-level records have no index; the write key in a Segment body is redacted.
      const segment = rowObjects(
        await lake.runQuery(`SELECT event_index, raw_payload FROM quarantine WHERE request_id = 'req-e'`),
      );
      expect(segment).toHaveLength(1);
      expect(segment[0]?.raw_payload).toContain('"writeKey":"[redacted]"');
      const body = rowObjects(
        await lake.runQuery(`SELECT event_index FROM quarantine WHERE reason = 'invalid_json'`),
      );
      expect(body).toEqual([{ event_index: null }]);
    } finally {
      await lake.close();
    }
  });

  it('returns counts and sums as numbers, and wide integers beyond 2^53 as exact strings', async () => {
    const lake = await openLocalLake(dir);
    try {
      const result = await lake.runQuery(
        'SELECT count(*) AS n, sum(x) AS s, CAST(9007199254740993 AS BIGINT) AS big, 1.5 AS d, NULL AS nothing FROM (VALUES (1), (2)) AS t (x)',
      );
      expect(result.columns).toEqual(['n', 's', 'big', 'd', 'nothing']);
      expect(result.rows).toEqual([[2, 3, '9007199254740993', '1.5', null]]);
    } finally {
      await lake.close();
    }
  });
});

describe('recostream query (local)', () => {
  it('runs SQL on the lake of a data directory in each format', async () => {
    const lakeDir = join(dir, 'lake');
    await writeQuarantineFixture(lakeDir, new Date());
    const sql =
      "SELECT reason, count(*) AS n FROM quarantine WHERE request_id = 'req-a' GROUP BY reason ORDER BY reason";
    const json = captureIo();
    expect(await main(['query', sql, '--data-dir', dir, '--format', 'json'], json)).toBe(0);
    expect(JSON.parse(json.stdout.join('\n'))).toEqual([
      { reason: 'future_timestamp', n: 1 },
      { reason: 'invalid_event', n: 1 },
      { reason: 'missing_identity', n: 1 },
      { reason: 'unknown_type', n: 2 },
    ]);
    const csv = captureIo();
    expect(await main(['query', sql, '--lake-dir', lakeDir, '--format', 'csv'], csv)).toBe(0);
    expect(csv.stdout.join('\n').split('\r\n')).toEqual([
      'reason,n',
      'future_timestamp,1',
      'invalid_event,1',
      'missing_identity,1',
      'unknown_type,2',
    ]);
    const table = captureIo();
    expect(await main(['query', sql, '--lake-dir', lakeDir], table)).toBe(0);
    expect(table.stdout.join('\n')).toContain('unknown_type      2');
  });

  it('runs a named query, and lists the names when the name is unknown', async () => {
    const ok = captureIo();
    expect(
      await main(['query', '--named', 'rejected_by_reason', '--lake-dir', dir, '--format', 'json'], ok),
    ).toBe(0);
    expect(JSON.parse(ok.stdout.join('\n'))).toEqual([]);

    const unknown = captureIo();
    expect(await main(['query', '--named', 'nope', '--lake-dir', dir], unknown)).toBe(2);
    expect(unknown.stderr.join('\n')).toContain(
      `no named query 'nope'; available: ${listNamedQueries().join(', ')}`,
    );
    const traversal = captureIo();
    expect(await main(['query', '--named', '../package', '--lake-dir', dir], traversal)).toBe(2);
  });

  it('reports SQL errors with exit code 1 and usage errors with 2', async () => {
    const bad = captureIo();
    expect(await main(['query', 'SELECT nope FROM events', '--lake-dir', dir], bad)).toBe(1);
    expect(bad.stderr.join('\n')).toMatch(/local lake .* \(DuckDB\): .*nope/s);

    for (const args of [
      ['query'],
      ['query', 'SELECT 1', '--named', 'daily_active_users'],
      ['query', 'SELECT 1', '--format', 'xml'],
      ['query', 'SELECT 1', '--workgroup', 'wg'],
      ['query', 'SELECT 1', '--athena'],
    ]) {
      const io = captureIo();
      const saved = process.env.RECOSTREAM_ATHENA_WORKGROUP;
      delete process.env.RECOSTREAM_ATHENA_WORKGROUP;
      try {
        expect({ args, code: await main(args, io) }).toEqual({ args, code: 2 });
      } finally {
        if (saved !== undefined) process.env.RECOSTREAM_ATHENA_WORKGROUP = saved;
      }
    }
    const help = captureIo();
    expect(await main(['query', '--help'], help)).toBe(0);
    for (const name of listNamedQueries()) expect(help.stdout.join('\n')).toContain(name);
  });
});

describe('AthenaLake', () => {
  const athena = mockClient(AthenaClient);
  beforeEach(() => athena.reset());

  const engine = (overrides: Partial<ConstructorParameters<typeof AthenaLake>[0]> = {}) => {
    const sleeps: number[] = [];
    const lake = new AthenaLake({
      client: new AthenaClient({ region: 'eu-west-1' }),
      workGroup: 'analysts',
      database: 'recostream',
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      ...overrides,
    });
    return { lake, sleeps };
  };

  const column = (Name: string, Type: string) => ({ Name, Label: Name, Type });
  const row = (...values: Array<string | undefined>) => ({
    Data: values.map((v) => (v === undefined ? {} : { VarCharValue: v })),
  });

  it('starts in the workgroup and database, polls with backoff, pages results without the header, typed', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    athena
      .on(GetQueryExecutionCommand)
      .resolvesOnce({ QueryExecution: { Status: { State: 'QUEUED' } } })
      .resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' } } })
      .resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' } } })
      .resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
    const metadata = {
      ColumnInfo: [
        column('dt', 'varchar'),
        column('users', 'bigint'),
        column('ratio', 'double'),
        column('ok', 'boolean'),
        column('amount', 'decimal'),
      ],
    };
    athena
      .on(GetQueryResultsCommand, { QueryExecutionId: 'q-1', NextToken: undefined })
      .resolves({
        ResultSet: {
          ResultSetMetadata: metadata,
          Rows: [
            row('dt', 'users', 'ratio', 'ok', 'amount'),
            row('2026-11-25', '34', '0.25', 'true', '1.50'),
          ],
        },
        NextToken: 'page-2',
      })
      .on(GetQueryResultsCommand, { QueryExecutionId: 'q-1', NextToken: 'page-2' })
      .resolves({
        ResultSet: {
          ResultSetMetadata: metadata,
          // A later page starts with data, even when it looks like the header.
          Rows: [
            row('dt', '9007199254740993', 'NaN', 'false', undefined),
            row('', undefined, undefined, undefined, '0'),
          ],
        },
      });

    const { lake, sleeps } = engine();
    const result = await lake.runQuery('SELECT 1');
    expect(result).toEqual({
      columns: ['dt', 'users', 'ratio', 'ok', 'amount'],
      types: ['varchar', 'bigint', 'double', 'boolean', 'decimal'],
      rows: [
        ['2026-11-25', 34, 0.25, true, '1.50'],
        ['dt', '9007199254740993', 'NaN', false, null],
        ['', null, null, null, '0'],
      ],
    });
    expect(athena).toHaveReceivedCommandWith(StartQueryExecutionCommand, {
      QueryString: 'SELECT 1',
      WorkGroup: 'analysts',
      QueryExecutionContext: { Database: 'recostream' },
    });
    expect(athena).toHaveReceivedCommandTimes(GetQueryExecutionCommand, 4);
    expect(sleeps).toEqual([200, 400, 800]);
    expect(athena).toHaveReceivedCommandTimes(GetQueryResultsCommand, 2);
  });

  it("fails with Athena's StateChangeReason when the query fails or is cancelled", async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-2' });
    athena.on(GetQueryExecutionCommand).resolves({
      QueryExecution: {
        Status: {
          State: 'FAILED',
          StateChangeReason: "COLUMN_NOT_FOUND: line 1:8: Column 'nope' cannot be resolved",
        },
      },
    });
    const { lake } = engine();
    const error = await lake.runQuery('SELECT nope').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AthenaQueryError);
    expect((error as AthenaQueryError).message).toBe(
      "Athena query q-2 FAILED: COLUMN_NOT_FOUND: line 1:8: Column 'nope' cannot be resolved",
    );
    expect((error as AthenaQueryError).state).toBe('FAILED');
    expect(athena).not.toHaveReceivedCommand(GetQueryResultsCommand);

    athena.on(GetQueryExecutionCommand).resolves({
      QueryExecution: { Status: { State: 'CANCELLED', StateChangeReason: 'Query cancelled by user' } },
    });
    await expect(lake.runQuery('SELECT 1')).rejects.toThrow(
      'Athena query q-2 CANCELLED: Query cancelled by user',
    );
  });

  it('stops a query that outlives the timeout', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-3' });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'RUNNING' } } });
    athena.on(StopQueryExecutionCommand).resolves({});
    let clock = 0;
    const { lake } = engine({
      timeoutMs: 5000,
      pollMaxMs: 1000,
      now: () => clock,
      sleep: async (ms) => {
        clock += ms;
      },
    });
    await expect(lake.runQuery('SELECT 1')).rejects.toThrow(/q-3 still RUNNING after 5 s: stopped/);
    expect(athena).toHaveReceivedCommandWith(StopQueryExecutionCommand, { QueryExecutionId: 'q-3' });
  });

  it('types values from the result metadata', () => {
    expect(athenaValue(undefined, 'varchar')).toBeNull();
    expect(athenaValue('', 'varchar')).toBe('');
    expect(athenaValue('12', 'integer')).toBe(12);
    expect(athenaValue('-3', 'tinyint')).toBe(-3);
    expect(athenaValue('1e3', 'double')).toBe(1000);
    expect(athenaValue('Infinity', 'real')).toBe('Infinity');
    expect(athenaValue('2026-11-25 10:00:00.000', 'timestamp')).toBe('2026-11-25 10:00:00.000');
    expect(athenaValue('[a, b]', 'array(varchar)')).toBe('[a, b]');
  });
});
