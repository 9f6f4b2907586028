import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Metric, Stats } from 'aws-cdk-lib/aws-cloudwatch';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IEventSourceMapping, IFunction } from 'aws-cdk-lib/aws-lambda';
import { S3OnFailureDestination } from 'aws-cdk-lib/aws-lambda-event-sources';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type IBucket,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { sendObjectEventsToEventBridge } from './private/bucket-events';
import { acknowledgeGuardRule } from './private/guard-rules';
import { nagArn } from './private/nag-refs';

/** Where Lambda writes the invocation records of batches it gave up on (its S3 destination's own layout). */
export const FAILED_BATCHES_PREFIX = 'aws/lambda/';
/** Id of the bucket's request-metrics filter (the `FilterId` dimension of its AWS/S3 metrics). */
const FAILED_BATCHES_METRICS_FILTER = 'FailedBatches';
/** Where `recostream dlq replay` keeps its ledger of what it re-published. */
export const DLQ_REPLAY_LEDGER_PREFIX = 'dlq-replays/';

export interface FailedBatchesProps {
  /** Customer-managed key of the bucket (the app's data key: the objects are raw events). */
  readonly encryptionKey: IKey;
  /**
   * How long a failed batch is kept. At least 7 days: time to notice the alarm, fix the cause and replay.
   * @default Duration.days(7)
   */
  readonly retention?: Duration;
  /**
   * Bucket for the server access logs (under `failed-batches/`).
   * @default - no access logs (acknowledged for cdk-nag)
   */
  readonly accessLogsBucket?: IBucket;
}

/**
 * The stream consumer's on-failure destination: an S3 bucket that receives, for every batch the event source
 * mapping gives up on, Lambda's invocation record with the whole batch (the records themselves, not only
 * their sequence numbers as an SQS destination would), encrypted with the app's key, kept `retention`, and
 * retained when the stack is deleted. `recostream dlq replay` re-publishes them (docs/operations.md).
 */
export class FailedBatches extends Construct {
  public readonly bucket: Bucket;

  constructor(scope: Construct, id: string, props: FailedBatchesProps) {
    super(scope, id);
    const retention = props.retention ?? Duration.days(7);
    const days = retention.toDays({ integral: false });
    if (!Number.isInteger(days) || days < 7)
      throw new Error(`failed-batch retention must be a whole number of days >= 7, got ${days}`);

    this.bucket = new Bucket(this, 'Bucket', {
      encryption: BucketEncryption.KMS,
      encryptionKey: props.encryptionKey,
      bucketKeyEnabled: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      // Versioned (Control Tower CT.S3.PR.11): a batch deleted or overwritten by mistake stays a day longer.
      versioned: true,
      lifecycleRules: [
        {
          id: 'ExpireFailedBatches',
          expiration: Duration.days(days),
          noncurrentVersionExpiration: Duration.days(1),
        },
      ],
      // S3 request metrics on Lambda's prefix: the alarm on batches given up (metricBatchesWritten).
      metrics: [{ id: FAILED_BATCHES_METRICS_FILTER, prefix: FAILED_BATCHES_PREFIX }],
      removalPolicy: RemovalPolicy.RETAIN,
      ...(props.accessLogsBucket
        ? { serverAccessLogsBucket: props.accessLogsBucket, serverAccessLogsPrefix: 'failed-batches/' }
        : {}),
    });
    if (!props.accessLogsBucket) {
      Validations.of(this.bucket).acknowledge({
        id: 'AwsSolutions-S1',
        reason:
          'Used without an access-log bucket only when the caller has none; the app passes the lake one.',
      });
    }
    // A batch given up on is an event an operator may want to route (EventBridge), beside the alarm.
    sendObjectEventsToEventBridge(this.bucket);
    acknowledgeGuardRule(
      this.bucket,
      's3_bucket_object_lock_enabled_check',
      'Failed batches hold raw events with user ids and must expire after `retention` (docs/operations.md, ' +
        'deleting a user); Object Lock retention would keep them regardless.',
    );
  }
}

/** Objects Lambda wrote under `aws/lambda/` of a failed-batches bucket (one per batch given up), per minute. */
export function metricFailedBatchesWritten(bucket: IBucket): Metric {
  return new Metric({
    namespace: 'AWS/S3',
    metricName: 'PutRequests',
    dimensionsMap: { BucketName: bucket.bucketName, FilterId: FAILED_BATCHES_METRICS_FILTER },
    statistic: Stats.SUM,
    period: Duration.minutes(1),
  });
}

/**
 * The event source mapping's on-failure destination. CDK's S3OnFailureDestination grants the function read
 * and delete on the whole bucket; the mapping only needs s3:PutObject and s3:ListBucket (Lambda's documented
 * minimum), so this grants just those.
 */
export class PutOnlyS3Destination extends S3OnFailureDestination {
  constructor(private readonly target: IBucket) {
    super(target);
  }

  override bind(_mapping: IEventSourceMapping, handler: IFunction) {
    this.target.grantPut(handler);
    handler.addToRolePolicy(
      new PolicyStatement({ actions: ['s3:ListBucket'], resources: [this.target.bucketArn] }),
    );
    const policy = handler.role?.node.tryFindChild('DefaultPolicy');
    const bucketArn = nagArn(this.target, handler);
    if (policy && bucketArn) {
      Validations.of(policy).acknowledge(
        {
          id: `AwsSolutions-IAM5[Resource::${bucketArn}/*]`,
          reason:
            'Object writes (no read, no delete) anywhere in the failed-batches bucket: Lambda picks the keys ' +
            '(aws/lambda/<mapping>/<shard>/...) and validates the destination against the whole bucket.',
        },
        {
          id: 'AwsSolutions-IAM5[Action::s3:Abort*]',
          reason:
            'Part of the CDK grantPut action set (s3:AbortMultipartUpload), on the same bucket objects.',
        },
      );
    }
    return { destination: this.target.bucketArn };
  }
}
