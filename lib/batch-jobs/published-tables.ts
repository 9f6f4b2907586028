/**
 * What the batch jobs keep: the versioned Similarities and Trending tables the recommendation API reads, the
 * JobRuns table (runs and active-version pointers) and the `cf_state` Glue table of the cf job's state.
 * The DynamoDB tables are stateful: created in the data stack under a scope named `BatchJobs`, the Glue table
 * in the BatchJobs construct, so the logical ids are the construct's either way.
 */
import { Aws, RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, type ITable, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { CfnTable } from 'aws-cdk-lib/aws-glue';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { CF_STATE_COLUMNS, CF_STATE_PARTITION_KEY } from '../../lambdas/jobs/job-sql';
import { CF_STATE_PREFIX } from '../../lambdas/shared/lake-layout';
import { PUBLISHED_TTL_ATTRIBUTE } from '../../lambdas/shared/published';
import { glueColumn, parquetStorage } from '../data-lake';

/** Glue table of the cf job's state (Parquet per run under `jobs/cf/state/run=<runId>/`). */
export const CF_STATE_TABLE_NAME = 'cf_state';

export interface PublishedTables {
  readonly similaritiesTable: Table;
  readonly trendingTable: Table;
  readonly jobRunsTable: Table;
}

/** The same tables as the batch jobs take them (from the data stack). */
export type PublishedTableRefs = { readonly [K in keyof PublishedTables]: ITable };

export function createPublishedTables(
  scope: Construct,
  key: IKey,
  billingMode: BillingMode = BillingMode.PAY_PER_REQUEST,
): PublishedTables {
  const tableDefaults = {
    billingMode,
    encryption: TableEncryption.CUSTOMER_MANAGED,
    encryptionKey: key,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    timeToLiveAttribute: PUBLISHED_TTL_ATTRIBUTE,
    removalPolicy: RemovalPolicy.RETAIN,
    deletionProtection: true,
  } as const;
  const s = AttributeType.STRING;
  return {
    similaritiesTable: new Table(scope, 'SimilaritiesTable', {
      ...tableDefaults,
      partitionKey: { name: 'itemId', type: s },
      sortKey: { name: 'version', type: s },
    }),
    trendingTable: new Table(scope, 'TrendingTable', {
      ...tableDefaults,
      partitionKey: { name: 'scope', type: s },
      sortKey: { name: 'version', type: s },
    }),
    jobRunsTable: new Table(scope, 'JobRunsTable', {
      ...tableDefaults,
      partitionKey: { name: 'job', type: s },
      sortKey: { name: 'runId', type: s },
    }),
  };
}

/** `cf_state`: one partition per run, read by id (`WHERE run = '<id>'`), so the id is injected. */
export function createCfStateTable(scope: Construct, lakeBucket: IBucket, databaseRef: string): CfnTable {
  const stateLocation = `s3://${lakeBucket.bucketName}/${CF_STATE_PREFIX}`;
  const key = CF_STATE_PARTITION_KEY.name;
  return new CfnTable(scope, 'CfStateTable', {
    catalogId: Aws.ACCOUNT_ID,
    databaseName: databaseRef,
    tableInput: {
      name: CF_STATE_TABLE_NAME,
      description:
        'Collaborative-filtering state per run (co-occurrence aggregates the next run merges with)',
      tableType: 'EXTERNAL_TABLE',
      parameters: {
        EXTERNAL: 'TRUE',
        classification: 'parquet',
        // Runs are read one at a time by id (WHERE run = '<id>'), so the id is injected, never enumerated.
        'projection.enabled': 'true',
        [`projection.${key}.type`]: 'injected',
        'storage.location.template': `${stateLocation}${key}=\${${key}}/`,
      },
      partitionKeys: [glueColumn(CF_STATE_PARTITION_KEY)],
      storageDescriptor: parquetStorage(CF_STATE_COLUMNS, stateLocation),
    },
  });
}
