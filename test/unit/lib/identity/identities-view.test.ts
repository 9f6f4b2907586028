/**
 * The `identities` Athena view (lib/identity/identities-view.ts) is a Glue table CloudFormation creates, encoded as
 * Athena stores its own views, with the very SQL the local DuckDB view runs (sql/views/identities.sql); the
 * SQL must parse with the Trino grammar and the declared types must be the Trino types of what it returns.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { IDENTITIES_VIEW, identitiesSql } from '../../../../lambdas/shared/events/lake-views';
import { ATHENA_CATALOG, decodePrestoView } from '../../../../lib/data-lake/athena-view';
import { trinoSyntaxErrors } from '../../../support/trino-grammar';
import { logicalIdOf, synthApp } from '../helpers';

const { stack, template } = synthApp();
const lake = stack.dataLake;
const viewResource = template.toJSON().Resources[logicalIdOf(lake.identitiesView)];
const input = viewResource.Properties.TableInput;

describe('identities Glue view', () => {
  it('is a Presto view in the lake database', () => {
    template.hasResourceProperties('AWS::Glue::Table', {
      DatabaseName: { Ref: logicalIdOf(lake.database) },
      TableInput: Match.objectLike({
        Name: IDENTITIES_VIEW,
        TableType: 'VIRTUAL_VIEW',
        Parameters: { presto_view: 'true', comment: 'Presto View' },
      }),
    });
  });

  it('encodes sql/views/identities.sql with its columns in Trino types', () => {
    const definition = decodePrestoView(input.ViewOriginalText);
    expect(definition).toMatchObject({
      originalSql: identitiesSql(),
      catalog: ATHENA_CATALOG,
      schema: lake.databaseName,
      runAsInvoker: true,
    });
    expect(definition.columns).toEqual([
      { name: 'anonymous_id', type: 'varchar' },
      { name: 'user_id', type: 'varchar' },
      { name: 'first_seen_at', type: 'timestamp(3)' },
      { name: 'last_seen_at', type: 'timestamp(3)' },
      { name: 'events', type: 'bigint' },
    ]);
  });

  it('parses with the Trino grammar, and is created after the events table', () => {
    expect(trinoSyntaxErrors(`CREATE OR REPLACE VIEW ${IDENTITIES_VIEW} AS\n${identitiesSql()}`)).toEqual([]);
    expect(viewResource.DependsOn).toContain(logicalIdOf(lake.eventsTable));
  });
});
