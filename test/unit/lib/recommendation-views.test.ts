/**
 * The `recommendation_slots` and `recommendation_clicks` Athena views (sql/views/), the one home of what a
 * recommendation showed and of the clicks on it for the named queries: each is a Glue Presto view in the lake
 * database with the very SQL the local DuckDB view runs, declared in the Trino types of what it returns, parsing
 * with the Trino grammar, created after the tables it reads. What they count is asserted on DuckDB against
 * independent expectations in test/unit/local/lake/named-queries.test.ts.
 */
import {
  RECOMMENDATION_CLICKS_VIEW,
  RECOMMENDATION_SLOTS_VIEW,
  recommendationClicksSql,
  recommendationSlotsSql,
} from '../../../lambdas/shared/events/lake-views';
import { ATHENA_CATALOG, decodePrestoView } from '../../../lib/data-lake/athena-view';
import { trinoSyntaxErrors } from '../../support/trino-grammar';
import { logicalIdOf, synthApp } from './helpers';

const { stack, template } = synthApp();
const lake = stack.dataLake;

function viewNamed(name: string) {
  const views = Object.values(template.findResources('AWS::Glue::Table')).filter(
    (r) => r.Properties.TableInput.Name === name,
  );
  expect(views).toHaveLength(1);
  return views[0];
}

describe.each([
  {
    name: RECOMMENDATION_SLOTS_VIEW,
    sql: recommendationSlotsSql(),
    columns: [
      { name: 'recommendation_id', type: 'varchar' },
      { name: 'placement', type: 'varchar' },
      { name: 'variant', type: 'varchar' },
      { name: 'user_key', type: 'varchar' },
      { name: 'item_id', type: 'varchar' },
      { name: 'position', type: 'bigint' },
      { name: 'shown_at', type: 'timestamp(3)' },
      { name: 'dt', type: 'varchar' },
    ],
  },
  {
    name: RECOMMENDATION_CLICKS_VIEW,
    sql: recommendationClicksSql(),
    columns: [
      { name: 'recommendation_id', type: 'varchar' },
      { name: 'item_id', type: 'varchar' },
      { name: 'clicked_at', type: 'timestamp(3)' },
      { name: 'dt', type: 'varchar' },
    ],
  },
])('$name Glue view', ({ name, sql, columns }) => {
  const view = viewNamed(name);

  it('is a Presto view in the lake database with its SQL file and its columns in Trino types', () => {
    expect(view.Properties.DatabaseName).toEqual({ Ref: logicalIdOf(lake.database) });
    expect(view.Properties.TableInput).toMatchObject({
      TableType: 'VIRTUAL_VIEW',
      Parameters: { presto_view: 'true', comment: 'Presto View' },
    });
    expect(decodePrestoView(view.Properties.TableInput.ViewOriginalText)).toMatchObject({
      originalSql: sql,
      catalog: ATHENA_CATALOG,
      schema: lake.databaseName,
      columns,
    });
  });

  it('parses with the Trino grammar, and is created after events and events_unique', () => {
    expect(trinoSyntaxErrors(`CREATE OR REPLACE VIEW ${name} AS\n${sql}`)).toEqual([]);
    expect(view.DependsOn).toEqual(
      expect.arrayContaining([logicalIdOf(lake.eventsTable), logicalIdOf(lake.eventsUniqueView)]),
    );
  });
});
