/**
 * What a function that runs Athena queries itself (through the SDK, not a Step Functions task) needs:
 * the query calls on the lake's workgroup, and Glue reads of the database and the tables it queries.
 * S3 reads of the tables' prefixes and the results bucket are granted by the caller (they differ).
 */
import { Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { RecoFunction } from '../recostream-function';

export interface AthenaQueryTarget {
  readonly workGroupName: string;
  readonly databaseName: string;
}

export function grantAthenaQueries(
  fn: RecoFunction,
  target: AthenaQueryTarget,
  tables: readonly string[],
): void {
  const stack = Stack.of(fn);
  fn.addToRolePolicy(
    new PolicyStatement({
      actions: [
        'athena:StartQueryExecution',
        'athena:GetQueryExecution',
        'athena:GetQueryResults',
        'athena:StopQueryExecution',
      ],
      resources: [
        stack.formatArn({ service: 'athena', resource: 'workgroup', resourceName: target.workGroupName }),
      ],
    }),
  );
  fn.addToRolePolicy(
    new PolicyStatement({
      actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetPartition', 'glue:GetPartitions'],
      resources: [
        stack.formatArn({ service: 'glue', resource: 'catalog' }),
        stack.formatArn({ service: 'glue', resource: 'database', resourceName: target.databaseName }),
        ...tables.map((table) =>
          stack.formatArn({
            service: 'glue',
            resource: 'table',
            resourceName: `${target.databaseName}/${table}`,
          }),
        ),
      ],
    }),
  );
}
