/**
 * The lake's `identities` view (identity stitching, lambdas/shared/identity.ts): the anonymous ids linked to
 * users, as stated by the events, so analysts can join a visitor's events before login to the user's after
 * it. An Athena view stored as a Glue table (../data-lake/lake-view.ts); its SQL is sql/views/identities.sql,
 * the very text the local DuckDB view runs.
 */
import type { CfnTable } from 'aws-cdk-lib/aws-glue';
import type { Construct } from 'constructs';
import { IDENTITIES_COLUMNS, IDENTITIES_VIEW, identitiesSql } from '../../lambdas/shared/events/lake-views';
import { LakeView, type LakeViewProps } from '../data-lake/lake-view';

export interface IdentitiesViewProps extends Pick<LakeViewProps, 'database' | 'databaseName'> {
  /** The `events` table the view reads: created first. */
  readonly eventsTable: CfnTable;
}

export class IdentitiesView extends LakeView {
  constructor(scope: Construct, id: string, props: IdentitiesViewProps) {
    super(scope, id, {
      database: props.database,
      databaseName: props.databaseName,
      reads: [props.eventsTable],
      name: IDENTITIES_VIEW,
      description:
        'Anonymous ids linked to users (identify, alias, any event with both ids), one row per pair',
      sql: identitiesSql(),
      columns: IDENTITIES_COLUMNS,
    });
  }
}
