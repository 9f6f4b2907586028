/**
 * The `attribution_touches` Athena view (the attribution rule, sql/views/attribution_touches.sql) is a Glue
 * table in the lake database that CloudFormation creates, encoded as Athena stores its own views, with the
 * very SQL the local DuckDB view runs; the SQL must parse with the Trino grammar and the declared types must
 * be the Trino types of what it returns. That the attribution metrics job may read it (glue:GetTable on the
 * view and on the events table under it) is asserted with the job's other grants, in attribution-metrics.test.ts.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { ATTRIBUTION_TOUCHES_VIEW, attributionTouchesSql } from '../../../lambdas/shared/events/lake-views';
import { ATHENA_CATALOG, decodePrestoView } from '../../../lib/data-lake/athena-view';
import { trinoSyntaxErrors } from '../../support/trino-grammar';
import { logicalIdOf, synthApp } from './helpers';

const { stack, template } = synthApp();
const lake = stack.dataLake;
const viewResource = template.toJSON().Resources[logicalIdOf(lake.attributionTouchesView)];
const input = viewResource.Properties.TableInput;

describe('attribution_touches Glue view', () => {
  it('is a Presto view in the lake database', () => {
    template.hasResourceProperties('AWS::Glue::Table', {
      DatabaseName: { Ref: logicalIdOf(lake.database) },
      TableInput: Match.objectLike({
        Name: ATTRIBUTION_TOUCHES_VIEW,
        TableType: 'VIRTUAL_VIEW',
        Parameters: { presto_view: 'true', comment: 'Presto View' },
      }),
    });
  });

  it('encodes sql/views/attribution_touches.sql, window filled in, with its columns in Trino types', () => {
    const definition = decodePrestoView(input.ViewOriginalText);
    expect(definition).toMatchObject({
      originalSql: attributionTouchesSql(),
      catalog: ATHENA_CATALOG,
      schema: lake.databaseName,
      runAsInvoker: true,
    });
    expect(definition.originalSql).toContain("l.purchased_at - INTERVAL '7' DAY");
    expect(definition.originalSql).not.toContain('{{');
    expect(definition.columns).toEqual([
      { name: 'purchase_id', type: 'varchar' },
      { name: 'line_pos', type: 'integer' },
      { name: 'user_key', type: 'varchar' },
      { name: 'item_id', type: 'varchar' },
      { name: 'quantity', type: 'integer' },
      { name: 'price', type: 'double' },
      { name: 'purchased_at', type: 'timestamp(3)' },
      { name: 'purchase_received_at', type: 'timestamp(3)' },
      { name: 'purchase_dt', type: 'varchar' },
      { name: 'purchase_hour', type: 'varchar' },
      { name: 'recommendation_id', type: 'varchar' },
      { name: 'placement', type: 'varchar' },
      { name: 'variant', type: 'varchar' },
      { name: 'shown_at', type: 'timestamp(3)' },
      { name: 'shown_received_at', type: 'timestamp(3)' },
      { name: 'shown_dt', type: 'varchar' },
      { name: 'shown_hour', type: 'varchar' },
    ]);
    expect(input.StorageDescriptor.Columns.map((c: { Name: string }) => c.Name)).toEqual(
      definition.columns.map((c) => c.name),
    );
  });

  it('parses with the Trino grammar, and is created after the events table', () => {
    expect(
      trinoSyntaxErrors(`CREATE OR REPLACE VIEW ${ATTRIBUTION_TOUCHES_VIEW} AS\n${attributionTouchesSql()}`),
    ).toEqual([]);
    expect(viewResource.DependsOn).toContain(logicalIdOf(lake.eventsTable));
  });
});
