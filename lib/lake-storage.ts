import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AnyPrincipal, Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { type IKey, Key } from 'aws-cdk-lib/aws-kms';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  ObjectOwnership,
  StorageClass,
} from 'aws-cdk-lib/aws-s3';
import { S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY as S3_ACCESS_LOGS_USE_BUCKET_POLICY } from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';

import { DELIVERY_ERRORS_PREFIX, JOBS_PREFIX, QUARANTINE_PREFIX } from '../lambdas/shared/lake-layout';
import { sendObjectEventsToEventBridge } from './private/bucket-events';
import { acknowledgeGuardRule } from './private/guard-rules';

/** Twice the cf job's full-recompute period. */
export const JOB_INTERMEDIATES_DAYS = 14;

export interface LakeStorageProps {
  /**
   * Customer-managed key that encrypts the lake bucket.
   * @default - a new customer-managed key with yearly rotation
   */
  readonly encryptionKey?: IKey;
  /**
   * Days after which current objects move to S3 Standard-IA (S3 requires at least 30).
   * @default 30
   */
  readonly infrequentAccessAfterDays?: number;
  /**
   * Days after which current objects move to S3 Glacier Instant Retrieval; must be later than the
   * Standard-IA transition.
   * @default 90
   */
  readonly glacierAfterDays?: number;
  /**
   * Days a version stays after it was overwritten or deleted (the bucket is versioned).
   * @default 90
   */
  readonly noncurrentVersionExpirationDays?: number;
  /**
   * Days server access logs are kept.
   * @default 365
   */
  readonly accessLogRetentionDays?: number;
  /**
   * Days Firehose's error records (`errors/`) are kept: they hold the raw stream records, with real user ids
   * even in a pseudonymised lake. Long enough to investigate and replay, short enough not to become a second
   * lake. Older versions go a day after.
   * @default 14
   */
  readonly deliveryErrorsExpirationDays?: number;
}

/**
 * The data-lake bucket: raw events (a later Firehose delivery), and events rejected by the ingest API under
 * `quarantine/`. KMS-encrypted with a customer-managed key, TLS only, no public access, versioned, with
 * server access logs to a separate bucket and tiering to cheaper storage classes as data ages. Retained on
 * stack deletion.
 */
export class LakeStorage extends Construct {
  /** The lake bucket. */
  public readonly bucket: Bucket;
  /** Destination of the lake bucket's server access logs (SSE-S3, as S3 log delivery requires). */
  public readonly accessLogsBucket: Bucket;
  /** The key that encrypts the lake bucket. */
  public readonly key: IKey;
  /** Key prefix of quarantined (rejected) events. */
  public readonly quarantinePrefix = QUARANTINE_PREFIX;

  constructor(scope: Construct, id: string, props: LakeStorageProps = {}) {
    super(scope, id);
    // Deliver server access logs through a bucket policy, not the legacy LogDeliveryWrite ACL, whatever the
    // app's feature flags say (ACLs would clash with BucketOwnerEnforced object ownership).
    this.node.setContext(S3_ACCESS_LOGS_USE_BUCKET_POLICY, true);
    const iaDays = props.infrequentAccessAfterDays ?? 30;
    const glacierDays = props.glacierAfterDays ?? 90;
    const noncurrentDays = props.noncurrentVersionExpirationDays ?? 90;
    const logDays = props.accessLogRetentionDays ?? 365;
    requireWholeDays('infrequentAccessAfterDays', iaDays, 30);
    requireWholeDays('glacierAfterDays', glacierDays, 1);
    requireWholeDays('noncurrentVersionExpirationDays', noncurrentDays, 1);
    requireWholeDays('accessLogRetentionDays', logDays, 1);
    const errorsDays = props.deliveryErrorsExpirationDays ?? 14;
    requireWholeDays('deliveryErrorsExpirationDays', errorsDays, 1);
    if (glacierDays <= iaDays) {
      throw new Error(
        `glacierAfterDays (${glacierDays}) must be greater than infrequentAccessAfterDays (${iaDays})`,
      );
    }

    this.key =
      props.encryptionKey ??
      new Key(this, 'Key', { enableKeyRotation: true, description: 'RecoStream data lake bucket' });

    this.accessLogsBucket = new Bucket(this, 'AccessLogsBucket', {
      // S3 server access log delivery only supports SSE-S3 on the destination bucket.
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      // Versioned: an overwritten or deleted log object stays a day longer (Control Tower CT.S3.PR.11).
      versioned: true,
      lifecycleRules: [
        {
          id: 'ExpireAccessLogs',
          expiration: Duration.days(logDays),
          noncurrentVersionExpiration: Duration.days(1),
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledgeLogSinkGuardRules(this.accessLogsBucket);

    this.bucket = new Bucket(this, 'Bucket', {
      encryption: BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'lake/',
      lifecycleRules: [
        {
          id: 'TierByAge',
          transitions: [
            { storageClass: StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(iaDays) },
            {
              storageClass: StorageClass.GLACIER_INSTANT_RETRIEVAL,
              transitionAfter: Duration.days(glacierDays),
            },
          ],
          noncurrentVersionExpiration: Duration.days(noncurrentDays),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
        {
          // Batch-job intermediates (cf state keyed by user, results, stats): the cf job recomputes in
          // full every 7 days (lambdas/jobs/job-plan.ts), so nothing older is read again, and user-level
          // rows do not outlive a deletion request by more than this.
          id: 'ExpireJobIntermediates',
          prefix: JOBS_PREFIX,
          expiration: Duration.days(JOB_INTERMEDIATES_DAYS),
          noncurrentVersionExpiration: Duration.days(1),
        },
        {
          id: 'ExpireDeliveryErrors',
          prefix: DELIVERY_ERRORS_PREFIX,
          expiration: Duration.days(errorsDays),
          noncurrentVersionExpiration: Duration.days(1),
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    sendObjectEventsToEventBridge(this.bucket);
    acknowledgeGuardRule(
      this.bucket,
      's3_bucket_object_lock_enabled_check',
      'The lake must be able to delete: the deletion purge rewrites every object holding a deleted user and ' +
        'removes the old versions at once (docs/operations.md), which Object Lock retention would forbid.',
    );
  }

  /**
   * Only the roles `readerRoleArns` may read Firehose's error records: a bucket-policy Deny on `errors/*` for
   * every other principal, whatever its IAM policies say (the records hold real user ids, also in a
   * pseudonymised lake). Firehose still writes there. An administrator who must read one changes this policy
   * (a deploy, audited). The ARNs are of roles with fixed names (`lakePurgeRoleName`): the readers live in the
   * app stack, and a reference to them from this (data) stack's bucket policy would be a dependency cycle.
   */
  public restrictDeliveryErrorReads(readerRoleArns: readonly string[]): void {
    if (readerRoleArns.length === 0)
      throw new Error('restrictDeliveryErrorReads needs at least one reader role');
    this.bucket.addToResourcePolicy(
      new PolicyStatement({
        sid: 'OnlyNamedRolesReadDeliveryErrors',
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: ['s3:GetObject', 's3:GetObjectVersion'],
        resources: [this.bucket.arnForObjects(`${DELIVERY_ERRORS_PREFIX}*`)],
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': [...readerRoleArns] } },
      }),
    );
  }
}

/** The access-logs bucket is a log sink: the guard rules meant for data buckets do not fit it. */
function acknowledgeLogSinkGuardRules(bucket: Bucket): void {
  acknowledgeGuardRule(
    bucket,
    's3_bucket_default_encryption_kms_check',
    'S3 server access log delivery supports only SSE-S3 on the destination bucket, not SSE-KMS.',
  );
  acknowledgeGuardRule(
    bucket,
    's3_bucket_logging_enabled_check',
    'This is the access-log bucket of the others; logging it into itself would loop, and into another bucket ' +
      'would only move the question one bucket further.',
  );
  acknowledgeGuardRule(
    bucket,
    's3_event_notifications_enabled_check',
    'S3 writes a log object every few minutes per source bucket; an event for each would be noise (billed as ' +
      'opt-in EventBridge data events) that nothing consumes.',
  );
  acknowledgeGuardRule(
    bucket,
    's3_bucket_object_lock_enabled_check',
    'Access logs expire by lifecycle after accessLogRetentionDays; Object Lock retention would keep every log ' +
      'object for a fixed period regardless, and a compliance hold is an account-level decision.',
  );
}

function requireWholeDays(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`${name} must be a whole number of days >= ${min}, got ${value}`);
  }
}
