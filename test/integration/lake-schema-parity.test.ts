/**
 * Local and cloud lakes must be the same table: the Parquet files the local delivery loop writes
 * must have exactly the columns (names, order and types) of the Glue `events` table in the
 * synthesised template, and land under the template's Firehose prefix. Both sides are read from
 * what CDK synthesises, not from a copy.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { eventPartition } from '../../lambdas/shared/events';
import { buildApp } from '../../lib/app-builder';
import { hiveTypeToDuckDb, writeEventsParquet } from '../../local/lake/writer';
import { simulatedCanonicalEvents } from '../support/simulated-events';

interface GlueColumn {
  Name: string;
  Type: string;
}

const { app, stack } = buildApp({}, { validate: false, skipBundling: true });
interface TemplateResource {
  Type: string;
  Properties: {
    TableInput?: { Name?: string; StorageDescriptor: { Columns: GlueColumn[] }; PartitionKeys: GlueColumn[] };
    ExtendedS3DestinationConfiguration?: {
      Prefix: string;
      ProcessingConfiguration?: {
        Processors: Array<{
          Type: string;
          Parameters: Array<{ ParameterName: string; ParameterValue: string }>;
        }>;
      };
    };
  };
}
const template = app.synth().getStackByName(stack.stackName).template as {
  Resources: Record<string, TemplateResource>;
};
const resources = Object.values(template.Resources);
const eventsTable = resources.find(
  (r) => r.Type === 'AWS::Glue::Table' && r.Properties.TableInput?.Name === 'events',
)?.Properties.TableInput as NonNullable<TemplateResource['Properties']['TableInput']>;
const firehose = resources.find((r) => r.Type === 'AWS::KinesisFirehose::DeliveryStream')?.Properties
  .ExtendedS3DestinationConfiguration as NonNullable<
  TemplateResource['Properties']['ExtendedS3DestinationConfiguration']
>;

let lakeDir: string;
beforeAll(() => {
  lakeDir = mkdtempSync(join(tmpdir(), 'recostream-parity-'));
});
afterAll(() => rmSync(lakeDir, { recursive: true, force: true }));

it('writes Parquet whose columns are the Glue events table columns, under the Firehose prefix', async () => {
  const events = simulatedCanonicalEvents(300, 5);
  const { files } = await writeEventsParquet(events, { bucket: lakeDir, prefixTemplate: firehose.Prefix });
  expect(files.length).toBeGreaterThan(0);

  const prefixPattern = new RegExp(
    `^${firehose.Prefix.replace(/!\{partitionKeyFromQuery:(\w+)\}/g, '[^/]+').replace(/\//g, '\\/')}[^/]+\\.parquet$`,
  );
  for (const file of files) expect(relative(lakeDir, file)).toMatch(prefixPattern);

  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  const described = await connection.runAndReadAll(
    `DESCRIBE SELECT * FROM read_parquet('${files[0]}', hive_partitioning = false)`,
  );
  const parquetColumns = described.getRowObjects().map((r) => [String(r.column_name), String(r.column_type)]);
  const glueColumns = eventsTable.StorageDescriptor.Columns.map((c) => [c.Name, hiveTypeToDuckDb(c.Type)]);
  expect(parquetColumns.map(([name]) => name)).toEqual(glueColumns.map(([name]) => name));
  const normalise = (type: string) => type.replace(/"/g, '').replace(/\s+/g, ' ').toUpperCase();
  expect(parquetColumns.map(([, type]) => normalise(type as string))).toEqual(
    glueColumns.map(([, type]) => normalise(type as string)),
  );
  // Partition keys live in the path only, as in Firehose output.
  for (const key of eventsTable.PartitionKeys) expect(parquetColumns.map(([n]) => n)).not.toContain(key.Name);
  connection.closeSync();
});

/**
 * The template's partition query, `{key: .field, key: .field[a:b], …}`, evaluated on one record: the JQ
 * subset Firehose is given here (a test of the query's shape, too: anything else throws).
 */
function evaluatePartitionQuery(query: string, record: Record<string, unknown>): Record<string, string> {
  const body = /^\{(.*)\}$/.exec(query.trim())?.[1];
  if (body === undefined) throw new Error(`not a JQ object: ${query}`);
  return Object.fromEntries(
    body.split(',').map((part) => {
      const match = /^\s*(\w+):\s*\.(\w+)(?:\[(\d+):(\d+)\])?\s*$/.exec(part);
      if (!match) throw new Error(`unsupported JQ in ${part}`);
      const [, key, field, from, to] = match as unknown as [string, string, string, string?, string?];
      const value = String(record[field]);
      return [key, from === undefined ? value : value.slice(Number(from), Number(to))];
    }),
  );
}

it("partitions locally exactly as the template's JQ query does on AWS: by receipt time, never the client's", () => {
  const query = firehose.ProcessingConfiguration?.Processors.find(
    (p) => p.Type === 'MetadataExtraction',
  )?.Parameters.find((p) => p.ParameterName === 'MetadataExtractionQuery')?.ParameterValue;
  if (!query) throw new Error('no MetadataExtractionQuery in the template');
  const events = simulatedCanonicalEvents(200, 9).map((event, i) => {
    // Receipts over several days; client clocks anywhere in the accepted range: the receipt time decides.
    const receivedAt = Date.parse(event.receivedAt) + i * 37 * 60_000;
    return {
      ...event,
      receivedAt: new Date(receivedAt).toISOString(),
      occurredAt: new Date(receivedAt - ((i * 7) % 200) * 3_600_000).toISOString(),
    };
  });
  for (const event of events) {
    const onAws = evaluatePartitionQuery(query, event as unknown as Record<string, unknown>);
    expect(eventPartition(event)).toEqual(onAws);
    expect(onAws).toMatchObject({ dt: event.receivedAt.slice(0, 10), hour: event.receivedAt.slice(11, 13) });
  }
  // And every key of the prefix is computed by the query.
  const prefixKeys = [...firehose.Prefix.matchAll(/!\{partitionKeyFromQuery:(\w+)\}/g)].map((m) => m[1]);
  expect(Object.keys(evaluatePartitionQuery(query, events[0] as unknown as Record<string, unknown>))).toEqual(
    prefixKeys,
  );
});
