/**
 * The `events_unique` Athena view is a Glue table that CloudFormation creates, so nobody runs CREATE VIEW by
 * hand: Athena (Trino) reads it only if it is encoded exactly as Athena's own CREATE VIEW stores it (table type,
 * the two parameters, the base64 JSON definition between the Presto View markers), if its SQL parses with the
 * Trino grammar, and if the declared column types are the Trino types of the columns the SQL returns (else
 * Athena calls the view stale). The definition decoded from the template must be the very SQL the local DuckDB
 * view runs (sql/views/events_unique.sql).
 */
import { Aws } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { EVENT_COLUMNS, EVENT_PARTITION_KEYS } from '../../../lambdas/shared/events';
import { EVENTS_UNIQUE_VIEW, eventsUniqueSql } from '../../../lambdas/shared/events/lake-views';
import {
  ATHENA_CATALOG,
  decodePrestoView,
  encodePrestoView,
  hiveTypeToTrino,
  prestoViewDefinition,
} from '../../../lib/data-lake/athena-view';
import { trinoSyntaxErrors } from '../../support/trino-grammar';
import { logicalIdOf, synthApp } from './helpers';

const { stack, template } = synthApp();
const lake = stack.dataLake;
const viewResource = template.toJSON().Resources[logicalIdOf(lake.eventsUniqueView)];
const input = viewResource.Properties.TableInput;

describe('events_unique Glue view', () => {
  it('is a Presto view in the lake database, as Athena stores its own views', () => {
    template.hasResourceProperties('AWS::Glue::Table', {
      DatabaseName: { Ref: logicalIdOf(lake.database) },
      TableInput: Match.objectLike({
        Name: EVENTS_UNIQUE_VIEW,
        TableType: 'VIRTUAL_VIEW',
        Parameters: { presto_view: 'true', comment: 'Presto View' },
        ViewExpandedText: '/* Presto View */',
        ViewOriginalText: Match.stringLikeRegexp('^/\\* Presto View: [A-Za-z0-9+/]+={0,2} \\*/$'),
        PartitionKeys: [],
      }),
    });
  });

  it('encodes the SQL of sql/views/events_unique.sql, resolved in the lake database of the Glue catalog', () => {
    const definition = decodePrestoView(input.ViewOriginalText);
    expect(definition).toEqual({
      originalSql: eventsUniqueSql(),
      catalog: ATHENA_CATALOG,
      schema: lake.databaseName,
      columns: expect.any(Array),
      runAsInvoker: true,
    });
    expect(definition.originalSql).toMatch(/\bFROM events\b/);
  });

  it("declares every column of events, partition keys last, with Athena's Trino types", () => {
    const columns = decodePrestoView(input.ViewOriginalText).columns;
    expect(columns.map((c) => c.name)).toEqual(
      [...EVENT_COLUMNS, ...EVENT_PARTITION_KEYS].map((c) => c.name),
    );
    const typeOf = (name: string) => columns.find((c) => c.name === name)?.type;
    expect(typeOf('schema_version')).toBe('integer');
    expect(typeOf('event_id')).toBe('varchar');
    expect(typeOf('occurred_at')).toBe('timestamp(3)');
    expect(typeOf('price')).toBe('double');
    expect(typeOf('item_ids')).toBe('array(varchar)');
    expect(typeOf('line_items')).toBe(
      'array(row(itemid varchar,quantity integer,price double,category varchar))',
    );
    expect(typeOf('context')).toBe(
      'row(useragent varchar,locale varchar,page row(url varchar,path varchar,title varchar,referrer varchar))',
    );
    expect(typeOf('dt')).toBe('varchar');
    // Glue's own column list keeps the Hive types, as Athena writes it.
    expect(
      input.StorageDescriptor.Columns.map((c: { Name: string; Type: string }) => [c.Name, c.Type]),
    ).toEqual([...EVENT_COLUMNS, ...EVENT_PARTITION_KEYS].map((c) => [c.name, c.type]));
  });

  it('parses with the Trino grammar: the SQL as a view body, and every declared type', () => {
    const { originalSql, columns } = decodePrestoView(input.ViewOriginalText);
    expect(trinoSyntaxErrors(originalSql)).toEqual([]);
    expect(trinoSyntaxErrors(`CREATE OR REPLACE VIEW ${EVENTS_UNIQUE_VIEW} AS\n${originalSql}`)).toEqual([]);
    const casts = columns.map((c) => `CAST(NULL AS ${c.type}) AS ${c.name}`).join(',\n  ');
    expect(trinoSyntaxErrors(`SELECT\n  ${casts}`)).toEqual([]);
    // The grammar does refuse what Athena would refuse.
    expect(trinoSyntaxErrors('SELECT event_id FROM events QUALIFY copy_rank = 1')).not.toEqual([]);
    expect(trinoSyntaxErrors('SELECT CAST(NULL AS struct<a:int>)')).not.toEqual([]);
  });

  it('is created after the events table it reads', () => {
    expect(viewResource.DependsOn).toContain(logicalIdOf(lake.eventsTable));
  });
});

describe('Presto view encoding', () => {
  const props = {
    name: 'v',
    description: 'd',
    databaseName: 'db',
    sql: "SELECT 'é' AS a, 1 AS b",
    columns: [
      { name: 'a', type: 'string', comment: '' },
      { name: 'b', type: 'int', comment: '' },
    ],
  };

  it('round-trips through base64 JSON, non-ASCII SQL included', () => {
    const definition = prestoViewDefinition(props);
    expect(decodePrestoView(encodePrestoView(definition))).toEqual(definition);
    expect(definition.columns).toEqual([
      { name: 'a', type: 'varchar' },
      { name: 'b', type: 'integer' },
    ]);
  });

  it('refuses text without the markers, and a database name only known at deploy time', () => {
    expect(() => decodePrestoView('SELECT 1')).toThrow(/not a Presto view text/);
    expect(() => prestoViewDefinition({ ...props, databaseName: Aws.STACK_NAME })).toThrow(/synth time/);
  });

  it.each([
    ['string', 'varchar'],
    ['int', 'integer'],
    ['bigint', 'bigint'],
    ['boolean', 'boolean'],
    ['float', 'real'],
    ['timestamp', 'timestamp(3)'],
    ['decimal(12,2)', 'decimal(12,2)'],
    ['map<string,int>', 'map(varchar,integer)'],
    ['struct<A:int,b:array<string>>', 'row(a integer,b array(varchar))'],
  ])('translates the Hive type %s to the Trino type %s', (hive, trino) => {
    expect(hiveTypeToTrino(hive)).toBe(trino);
  });
});
