/**
 * The lake's Athena side: a workgroup with enforced settings (engine v3, bytes-scanned cutoff, KMS results)
 * over its own versioned, expiring results bucket, and one named query per `*.sql` file. The workgroup is
 * created in the DataLake's scope; the results bucket (stateful) in the data stack's `DataLake` scope, so the
 * logical ids are the construct's either way.
 */
import { Aws, Duration, Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { CfnNamedQuery, CfnWorkGroup } from 'aws-cdk-lib/aws-athena';
import type { CfnDatabase } from 'aws-cdk-lib/aws-glue';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type IBucket,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { sendObjectEventsToEventBridge } from '../private/bucket-events';
import { acknowledgeGuardRule } from '../private/guard-rules';
import { readNamedQueryFiles } from './named-queries';

export interface AthenaWorkgroupProps {
  readonly key: IKey;
  readonly resultsBucket: IBucket;
  readonly database: CfnDatabase;
  readonly bytesScannedCutoffPerQuery: number;
  readonly namedQueriesDirectory: string;
}

export interface AthenaWorkgroup {
  readonly workGroup: CfnWorkGroup;
  readonly workGroupName: string;
  readonly namedQueries: readonly CfnNamedQuery[];
}

export interface AthenaResultsBucketProps {
  readonly key: IKey;
  /** Destination of the server access logs (a bucket that accepts S3 log delivery). */
  readonly accessLogsBucket: IBucket;
  /** @default 30 */
  readonly queryResultRetentionDays?: number;
}

/** Athena query results: KMS, versioned, expiring after `queryResultRetentionDays`, retained with the stack. */
export function createAthenaResultsBucket(scope: Construct, props: AthenaResultsBucketProps): Bucket {
  const resultDays = props.queryResultRetentionDays ?? 30;
  if (!Number.isInteger(resultDays) || resultDays < 1) {
    throw new Error(`queryResultRetentionDays must be a whole number of days >= 1, got ${resultDays}`);
  }
  const resultsBucket = new Bucket(scope, 'ResultsBucket', {
    encryption: BucketEncryption.KMS,
    encryptionKey: props.key,
    bucketKeyEnabled: true,
    blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
    objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
    enforceSSL: true,
    serverAccessLogsBucket: props.accessLogsBucket,
    serverAccessLogsPrefix: 'athena-results/',
    // Versioned (Control Tower CT.S3.PR.11); Athena writes new keys only, so versions cost nothing extra.
    versioned: true,
    lifecycleRules: [
      {
        id: 'ExpireQueryResults',
        expiration: Duration.days(resultDays),
        noncurrentVersionExpiration: Duration.days(1),
        abortIncompleteMultipartUploadAfter: Duration.days(1),
      },
    ],
    removalPolicy: RemovalPolicy.RETAIN,
  });
  sendObjectEventsToEventBridge(resultsBucket);
  acknowledgeGuardRule(
    resultsBucket,
    's3_bucket_object_lock_enabled_check',
    'Query results are derived, re-runnable and expire after queryResultRetentionDays; Object Lock retention ' +
      'would keep them (and the user ids some hold) regardless.',
  );
  return resultsBucket;
}

export function createAthenaWorkgroup(scope: Construct, props: AthenaWorkgroupProps): AthenaWorkgroup {
  const { resultsBucket } = props;
  const workGroupName = Names.uniqueResourceName(scope, { maxLength: 128, separator: '-' });
  const workGroup = new CfnWorkGroup(scope, 'WorkGroup', {
    name: workGroupName,
    description: 'RecoStream analysts and batch jobs: engine v3, encrypted results, bytes-scanned cutoff',
    state: 'ENABLED',
    // Query history counts as workgroup content; without this the workgroup (and the stack) cannot be deleted
    // once a query has run.
    recursiveDeleteOption: true,
    workGroupConfiguration: {
      enforceWorkGroupConfiguration: true,
      publishCloudWatchMetricsEnabled: true,
      bytesScannedCutoffPerQuery: props.bytesScannedCutoffPerQuery,
      requesterPaysEnabled: false,
      engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
      resultConfiguration: {
        outputLocation: `s3://${resultsBucket.bucketName}/results/`,
        expectedBucketOwner: Aws.ACCOUNT_ID,
        encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKey: props.key.keyArn },
      },
    },
  });

  if (Stack.of(props.key) !== Stack.of(scope))
    acknowledgeGuardRule(
      workGroup,
      'athena_workgroup_results_encrypted_at_rest_kms_check',
      "Results are SSE_KMS with the app's data key, which lives in the data stack: KmsKey is an Fn::ImportValue " +
        'of its ARN, and the rule accepts only a literal string or a Ref/GetAtt of a key in the same template.',
    );

  const namedQueriesScope = new Construct(scope, 'NamedQueries');
  const namedQueries = readNamedQueryFiles(props.namedQueriesDirectory).map(
    (file) =>
      new CfnNamedQuery(namedQueriesScope, file.name, {
        name: file.name,
        description: file.description,
        database: props.database.ref,
        workGroup: workGroup.ref,
        queryString: file.queryString,
      }),
  );
  return { workGroup, workGroupName, namedQueries };
}
