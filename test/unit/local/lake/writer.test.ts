/**
 * The local lake writer (local/lake-writer.ts) must produce what Firehose produces in AWS, because
 * the Glue tables, Athena queries and the local query CLI all read the same layout: Hive types
 * translated to DuckDB types, the delivery stream's Prefix expanded per partition, Parquet files
 * whose columns are exactly EVENT_COLUMNS (partition values only in the path) and whose values
 * survive a round trip (nested line items and context, timestamps), and Firehose-shaped error
 * records under the ErrorOutputPrefix.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { type CanonicalEvent, EVENT_COLUMNS, toLakeRow } from '../../../../lambdas/shared/events';
import {
  duckDbColumns,
  expandPrefix,
  hiveTypeToDuckDb,
  writeErrorRecords,
  writeEventsParquet,
} from '../../../../local/lake/writer';

const PREFIX =
  'events/event_type=!{partitionKeyFromQuery:event_type}/dt=!{partitionKeyFromQuery:dt}/hour=!{partitionKeyFromQuery:hour}/';
const ERROR_PREFIX = 'errors/!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/';
const fixture = (type: string) =>
  JSON.parse(
    readFileSync(join(__dirname, '../../../fixtures/events/v1', `${type}.json`), 'utf8'),
  ) as CanonicalEvent;

let lakeDir: string;
beforeEach(async () => {
  lakeDir = await mkdtemp(join(tmpdir(), 'lake-writer-'));
});
afterEach(() => rmSync(lakeDir, { recursive: true, force: true }));

function filesUnder(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => !f.endsWith(sep) && /\.(parquet|jsonl)$/.test(f))
    .map((f) => f.split(sep).join('/'))
    .sort();
}

async function query(sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

describe('hiveTypeToDuckDb', () => {
  it.each([
    ['int', 'INTEGER'],
    ['string', 'VARCHAR'],
    ['double', 'DOUBLE'],
    ['timestamp', 'TIMESTAMP'],
    ['boolean', 'BOOLEAN'],
    ['bigint', 'BIGINT'],
    ['date', 'DATE'],
    ['decimal(12,2)', 'DECIMAL(12,2)'],
    ['varchar(20)', 'VARCHAR'],
    ['array<string>', 'VARCHAR[]'],
    ['map<string,int>', 'MAP(VARCHAR, INTEGER)'],
    ['struct<a:int,b:string>', 'STRUCT("a" INTEGER, "b" VARCHAR)'],
    [
      'array<struct<itemid:string,quantity:int,price:double,category:string>>',
      'STRUCT("itemid" VARCHAR, "quantity" INTEGER, "price" DOUBLE, "category" VARCHAR)[]',
    ],
    [
      'struct<useragent:string,page:struct<url:string,title:string>>',
      'STRUCT("useragent" VARCHAR, "page" STRUCT("url" VARCHAR, "title" VARCHAR))',
    ],
    ['ARRAY< STRUCT< a : INT > >', 'STRUCT("a" INTEGER)[]'],
  ])('%s → %s', (hive, duck) => {
    expect(hiveTypeToDuckDb(hive)).toBe(duck);
  });

  it.each(['uniontype<int,string>', 'array<int', 'struct<a int>', 'int extra'])('rejects %s', (hive) => {
    expect(() => hiveTypeToDuckDb(hive)).toThrow(/Cannot translate Hive type/);
  });

  it('translates every lake column, and DuckDB accepts the result', async () => {
    const columns = duckDbColumns();
    expect(columns.map(([name]) => name)).toEqual(EVENT_COLUMNS.map((c) => c.name));
    const casts = columns.map(([name, type]) => `NULL::${type} AS "${name}"`).join(', ');
    const rows = await query(`DESCRIBE SELECT ${casts}`);
    expect(rows.map((r) => r.column_name)).toEqual(EVENT_COLUMNS.map((c) => c.name));
  });
});

describe('expandPrefix', () => {
  const now = new Date('2026-11-26T07:08:09.000Z');

  it('fills in partition keys from the query', () => {
    expect(
      expandPrefix(PREFIX, { partition: { event_type: 'purchase', dt: '2026-11-26', hour: '07' } }),
    ).toBe('events/event_type=purchase/dt=2026-11-26/hour=07/');
  });

  it('fills in the error output type and UTC timestamps', () => {
    expect(expandPrefix(ERROR_PREFIX, { errorOutputType: 'processing-failed', now })).toBe(
      'errors/processing-failed/dt=2026-11-26/',
    );
    expect(expandPrefix('raw/!{timestamp:yyyy/MM/dd/HH/mm/ss}/', { now })).toBe('raw/2026/11/26/07/08/09/');
  });

  it('fails on a key the partition does not have and on unknown expressions', () => {
    expect(() => expandPrefix('x=!{partitionKeyFromQuery:nope}/', { partition: {} })).toThrow(/nope/);
    expect(() => expandPrefix('!{partitionKeyFromLambda:a}/')).toThrow(/Unsupported/);
    expect(() => expandPrefix('!{firehose:error-output-type}/')).toThrow(/Unsupported/);
  });
});

describe('writeEventsParquet', () => {
  it('writes one Snappy Parquet file per partition (event type, receipt hour), at the expanded prefix', async () => {
    const view = fixture('product_view');
    // Partitions follow receivedAt; occurredAt (the client's clock) plays no part.
    const events: CanonicalEvent[] = [
      {
        ...view,
        eventId: 'a',
        receivedAt: '2026-11-26T07:10:00.000Z',
        occurredAt: '2026-11-20T01:00:00.000Z',
      },
      {
        ...view,
        eventId: 'b',
        receivedAt: '2026-11-26T07:50:00.000Z',
        occurredAt: '2026-11-26T07:50:00.000Z',
      },
      {
        ...view,
        eventId: 'c',
        receivedAt: '2026-11-26T08:00:00.000Z',
        occurredAt: '2026-11-26T07:59:00.000Z',
      },
      {
        ...fixture('purchase'),
        receivedAt: '2026-11-27T23:59:59.999Z',
        occurredAt: '2026-11-28T00:03:00.000Z',
      },
    ];
    const result = await writeEventsParquet(events, { bucket: lakeDir, prefixTemplate: PREFIX });

    expect(result.rows).toBe(4);
    expect(result.files).toHaveLength(3);
    const files = filesUnder(lakeDir);
    expect(files.map((f) => f.slice(0, f.lastIndexOf('/') + 1))).toEqual([
      'events/event_type=product_view/dt=2026-11-26/hour=07/',
      'events/event_type=product_view/dt=2026-11-26/hour=08/',
      'events/event_type=purchase/dt=2026-11-27/hour=23/',
    ]);
    for (const f of files) expect(f).toMatch(/\/\d{13}-[0-9a-f-]{36}\.parquet$/);
    expect(result.files.map((f) => relative(lakeDir, f).split(sep).join('/')).sort()).toEqual(files);
    expect(result.bytes).toBeGreaterThan(0);

    const meta = await query(
      `SELECT DISTINCT compression FROM parquet_metadata('${lakeDir}/events/**/*.parquet') WHERE compression <> 'UNCOMPRESSED'`,
    );
    expect(meta.map((m) => m.compression)).toEqual(['SNAPPY']);
  });

  it('has exactly the lake columns in the files; partition values come from the path only', async () => {
    await writeEventsParquet([fixture('search')], { bucket: lakeDir, prefixTemplate: PREFIX });
    const [file] = filesUnder(lakeDir);
    const inFile = await query(
      `DESCRIBE SELECT * FROM read_parquet('${lakeDir}/${file}', hive_partitioning = false)`,
    );
    // DuckDB's own rendering of the translated types (it quotes only keywords such as "position").
    const casts = duckDbColumns()
      .map(([name, type]) => `NULL::${type} AS "${name}"`)
      .join(', ');
    const expected = await query(`DESCRIBE SELECT ${casts}`);
    expect(inFile.map((c) => [c.column_name, c.column_type])).toEqual(
      expected.map((c) => [c.column_name, c.column_type]),
    );
    expect(inFile.map((c) => c.column_name)).toEqual(EVENT_COLUMNS.map((c) => c.name));

    // Partition keys are strings in Glue: read them as such (DuckDB would otherwise cast hour to a number).
    const hive = await query(
      `SELECT event_type, dt, hour FROM read_parquet('${lakeDir}/events/**/*.parquet', hive_partitioning = true, hive_types_autocast = false)`,
    );
    expect(hive).toEqual([{ event_type: 'search', dt: '2024-05-01', hour: '11' }]);
  });

  it('round-trips every event type, with nested structs, arrays and timestamps', async () => {
    const types = [
      'page_view',
      'product_view',
      'add_to_cart',
      'remove_from_cart',
      'purchase',
      'search',
      'recommendation_impression',
      'recommendation_click',
      'custom',
    ];
    const events = types.map(fixture);
    await writeEventsParquet(events, { bucket: lakeDir, prefixTemplate: PREFIX });

    const rows = await query(
      `SELECT *, strftime(occurred_at, '%Y-%m-%dT%H:%M:%S.%gZ') AS occurred_iso,
              strftime(received_at, '%Y-%m-%dT%H:%M:%S.%gZ') AS received_iso
       FROM read_parquet('${lakeDir}/events/**/*.parquet', hive_partitioning = true) ORDER BY event_id`,
    );
    expect(rows).toHaveLength(events.length);
    for (const event of events) {
      const row = rows.find((r) => r.event_id === event.eventId) as Record<string, unknown>;
      expect(row.event_type).toBe(event.type);
      expect(row.occurred_iso).toBe(event.occurredAt);
      expect(row.received_iso).toBe(event.receivedAt);
      const expected = toLakeRow(event);
      for (const column of EVENT_COLUMNS) {
        if (column.type === 'timestamp') continue;
        expect([column.name, row[column.name]]).toEqual([column.name, expected[column.name]]);
      }
    }

    const purchase = rows.find((r) => r.event_type === 'purchase') as Record<string, unknown>;
    expect(purchase.line_items).toEqual([
      { itemid: 'sku-4471', quantity: 1, price: 129.95, category: 'running-shoes' },
      { itemid: 'sku-0093', quantity: 3, price: 4.5, category: null },
    ]);
    expect(purchase.context).toEqual({ useragent: null, locale: 'en-GB', page: null });
    const custom = rows.find((r) => r.event_type === 'custom') as Record<string, unknown>;
    expect(JSON.parse(custom.properties as string)).toEqual({
      list: 'weekly-deals',
      source: 'footer',
      consent: true,
      tags: ['running', 'sale'],
    });

    const typed = await query(
      `SELECT typeof(occurred_at) AS t, epoch_ms(occurred_at) AS ms
       FROM read_parquet('${lakeDir}/events/**/*.parquet') WHERE event_id = '${events[4]?.eventId}'`,
    );
    expect(typed).toEqual([{ t: 'TIMESTAMP', ms: String(Date.parse(events[4]?.occurredAt as string)) }]);
  });

  it('uses the given file names, writes nothing for no events, and expands timestamp prefixes', async () => {
    expect(await writeEventsParquet([], { bucket: lakeDir, prefixTemplate: PREFIX })).toEqual({
      files: [],
      rows: 0,
      bytes: 0,
    });
    await writeEventsParquet([fixture('page_view')], {
      bucket: lakeDir,
      prefixTemplate: 'raw/!{timestamp:yyyy/MM}/!{partitionKeyFromQuery:event_type}-',
      fileName: (p) => `${p.dt}.parquet`,
      now: new Date('2030-01-02T03:04:05Z'),
    });
    expect(filesUnder(lakeDir)).toEqual(['raw/2030/01/page_view-2024-05-01.parquet']);
  });

  it('writes many events across many partitions', async () => {
    const view = fixture('product_view');
    const events = Array.from({ length: 5000 }, (_, i) => ({
      ...view,
      eventId: `e-${i}`,
      receivedAt: new Date(Date.UTC(2026, 10, 20) + i * 60_000).toISOString(),
    })) as CanonicalEvent[];
    const result = await writeEventsParquet(events, { bucket: lakeDir, prefixTemplate: PREFIX });
    expect(result.files.length).toBe(Math.ceil((5000 * 60) / 3600));
    const [count] = await query(
      `SELECT count(*) AS n, count(DISTINCT event_id) AS ids FROM read_parquet('${lakeDir}/events/**/*.parquet')`,
    );
    expect(count).toEqual({ n: '5000', ids: '5000' });
  });
});

describe('writeErrorRecords', () => {
  it('writes Firehose-shaped JSON lines per error output type under the error prefix', async () => {
    const now = new Date('2026-11-26T10:00:00.000Z');
    const result = await writeErrorRecords(
      [
        {
          rawData: Buffer.from('not json'),
          errorOutputType: 'processing-failed',
          errorCode: 'DynamicPartitioning.MetadataExtractionFailed',
          errorMessage: 'Record is not valid JSON',
          arrivalTimestamp: 1764150000000,
          sequenceNumber: '4960001',
        },
        {
          rawData: Buffer.from('{"type":"nope"}'),
          errorOutputType: 'format-conversion-failed',
          errorCode: 'DataFormatConversion.MalformedData',
          errorMessage: 'not a canonical event',
        },
      ],
      { bucket: lakeDir, errorPrefixTemplate: ERROR_PREFIX, now },
    );
    expect(result.rows).toBe(2);
    const files = filesUnder(lakeDir);
    expect(files).toHaveLength(2);
    expect(files[0]).toMatch(/^errors\/format-conversion-failed\/dt=2026-11-26\/\d+-[0-9a-f-]+\.jsonl$/);
    expect(files[1]).toMatch(/^errors\/processing-failed\/dt=2026-11-26\//);

    const lines = readFileSync(join(lakeDir, files[1] as string), 'utf8')
      .trim()
      .split('\n');
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      {
        attemptsMade: 1,
        arrivalTimestamp: 1764150000000,
        errorCode: 'DynamicPartitioning.MetadataExtractionFailed',
        errorMessage: 'Record is not valid JSON',
        attemptEndingTimestamp: now.getTime(),
        rawData: Buffer.from('not json').toString('base64'),
        sequenceNumber: '4960001',
        subSequenceNumber: null,
      },
    ]);
  });

  it("uses Firehose's default error prefix when none is configured", async () => {
    await writeErrorRecords(
      [
        {
          rawData: Buffer.from('x'),
          errorOutputType: 'processing-failed',
          errorCode: 'c',
          errorMessage: 'm',
        },
      ],
      {
        bucket: lakeDir,
        errorPrefixTemplate: '',
        now: new Date('2026-11-26T10:00:00Z'),
        fileName: () => 'e',
      },
    );
    expect(readdirSync(join(lakeDir, 'processing-failed/2026/11/26/10'))).toEqual(['e']);
  });
});
