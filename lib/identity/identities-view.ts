/**
 * The lake's `identities` view (identity stitching, lambdas/shared/identity.ts): the anonymous ids linked to
 * users, as stated by the events, so analysts can join a visitor's events before login to the user's after
 * it. An Athena view stored as a Glue table (athena-view.ts); its SQL is sql/views/identities.sql, the very
 * text the local DuckDB view runs.
 */
import { Aws } from 'aws-cdk-lib';
import { type CfnDatabase, CfnTable } from 'aws-cdk-lib/aws-glue';
import { Construct } from 'constructs';
import { IDENTITIES_COLUMNS, IDENTITIES_VIEW, identitiesSql } from '../../lambdas/shared/events/lake-views';
import { athenaViewTableInput } from '../data-lake/athena-view';

export interface IdentitiesViewProps {
  /** The lake's Glue database (its `Ref` is the name). */
  readonly database: CfnDatabase;
  /** The database name, known at synth time (it is encoded into the view definition). */
  readonly databaseName: string;
  /** The `events` table the view reads: created first. */
  readonly eventsTable: CfnTable;
}

export class IdentitiesView extends Construct {
  /** The Glue table of the view. */
  public readonly table: CfnTable;

  constructor(scope: Construct, id: string, props: IdentitiesViewProps) {
    super(scope, id);
    this.table = new CfnTable(this, 'Resource', {
      catalogId: Aws.ACCOUNT_ID,
      databaseName: props.database.ref,
      tableInput: athenaViewTableInput({
        name: IDENTITIES_VIEW,
        description:
          'Anonymous ids linked to users (identify, alias, any event with both ids), one row per pair',
        databaseName: props.databaseName,
        sql: identitiesSql(),
        columns: IDENTITIES_COLUMNS,
      }),
    });
    this.table.node.addDependency(props.eventsTable);
  }
}
