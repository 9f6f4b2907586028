import { CfnResource } from 'aws-cdk-lib';
import type { Bucket, CfnBucket } from 'aws-cdk-lib/aws-s3';

/**
 * Sends the bucket's object events to EventBridge's default bus (AWS Control Tower CT.S3.PR.4), so an operator can
 * route "a batch was given up", "new lake files" and the like without changing the stack. Set on the
 * `AWS::S3::Bucket` itself: the L2 `eventBridgeEnabled` prop would add CDK's notifications custom resource (a
 * Lambda function and its role) for a one-line setting. The two must not be mixed, since that custom resource
 * replaces the bucket's whole notification configuration: synthesis fails if the bucket ever gets one.
 */
export function sendObjectEventsToEventBridge(bucket: Bucket): void {
  const cfnBucket = bucket.node.defaultChild as CfnBucket;
  cfnBucket.notificationConfiguration = { eventBridgeConfiguration: { eventBridgeEnabled: true } };
  bucket.node.addValidation({
    validate: () =>
      bucket.node
        .findAll()
        .some((c) => CfnResource.isCfnResource(c) && c.cfnResourceType === 'Custom::S3BucketNotifications')
        ? [
            `${bucket.node.path}: EventBridge notifications are set on the bucket resource; use ` +
              'bucket.enableEventBridgeNotification() once it has CDK-managed notifications, or they replace it',
          ]
        : [],
  });
}
