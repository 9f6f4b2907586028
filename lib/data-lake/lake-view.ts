/**
 * An Athena view over the lake's tables, as a Glue table CloudFormation owns (encoded by athena-view.ts the
 * way Athena's own CREATE VIEW stores it), created after the tables it reads. Its SQL is a file of
 * sql/views/, the very text the local DuckDB view runs (lambdas/shared/events/lake-views.ts).
 */
import { Aws } from 'aws-cdk-lib';
import { type CfnDatabase, CfnTable } from 'aws-cdk-lib/aws-glue';
import { Construct } from 'constructs';
import type { LakeColumn } from '../../lambdas/shared/events/lake-columns';
import { athenaViewTableInput } from './athena-view';

export interface LakeViewProps {
  /** The lake's Glue database (its `Ref` is the name). */
  readonly database: CfnDatabase;
  /** The database name, known at synth time (it is encoded into the view definition). */
  readonly databaseName: string;
  /** The tables the view reads: created first. */
  readonly reads: readonly CfnTable[];
  /** The view's name in Glue (and in DuckDB). */
  readonly name: string;
  readonly description: string;
  /** The view's SELECT; table names resolve in the database. */
  readonly sql: string;
  /** The columns the SELECT returns, in order, with their Hive types. */
  readonly columns: readonly LakeColumn[];
}

export class LakeView extends Construct {
  /** The Glue table of the view. */
  public readonly table: CfnTable;

  constructor(scope: Construct, id: string, props: LakeViewProps) {
    super(scope, id);
    this.table = new CfnTable(this, 'Resource', {
      catalogId: Aws.ACCOUNT_ID,
      databaseName: props.database.ref,
      tableInput: athenaViewTableInput({
        name: props.name,
        description: props.description,
        databaseName: props.databaseName,
        sql: props.sql,
        columns: props.columns,
      }),
    });
    for (const table of props.reads) this.table.node.addDependency(table);
  }
}
