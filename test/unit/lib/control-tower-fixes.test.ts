/**
 * What the stack changed for the AWS Control Tower guard rules (`npm run verify:cloud`): the key-grant
 * restriction, versioned buckets that expire old versions, and object events to EventBridge set on the bucket
 * itself (never mixed with CDK's notifications custom resource, which would replace them).
 */
import { Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { Bucket, EventType } from 'aws-cdk-lib/aws-s3';
import { SqsDestination } from 'aws-cdk-lib/aws-s3-notifications';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { sendObjectEventsToEventBridge } from '../../../lib/private/bucket-events';
import { logicalIdOf, synthApp, testApp } from './helpers';

const { stack, dataStack, template } = synthApp();
const bucketProps = (bucket: Bucket) => template.toJSON().Resources[logicalIdOf(bucket)].Properties;

describe('Control Tower fixes', () => {
  it('the data key lets only AWS services create grants, for their own resources (CT.KMS.PR.3)', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          {
            Sid: 'DenyGrantsExceptForAwsResources',
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: 'kms:CreateGrant',
            Resource: '*',
            Condition: {
              BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
            },
          },
        ]),
      },
    });
  });

  it('versions the access-log, failed-batches and query-results buckets, old versions gone a day later', () => {
    for (const bucket of [
      dataStack.lake.accessLogsBucket,
      stack.featureStore.failedBatchesBucket,
      stack.dataLake.resultsBucket,
    ]) {
      const props = bucketProps(bucket as Bucket);
      expect([bucket.node.path, props.VersioningConfiguration]).toEqual([
        bucket.node.path,
        { Status: 'Enabled' },
      ]);
      expect(props.LifecycleConfiguration.Rules[0].NoncurrentVersionExpiration).toEqual({
        NoncurrentDays: 1,
      });
    }
  });

  it('sends the lake, failed-batches and results buckets object events to EventBridge, with no custom resource', () => {
    for (const bucket of [
      dataStack.lake.bucket,
      stack.featureStore.failedBatchesBucket,
      stack.dataLake.resultsBucket,
    ])
      expect(bucketProps(bucket as Bucket).NotificationConfiguration).toEqual({
        EventBridgeConfiguration: { EventBridgeEnabled: true },
      });
    template.resourceCountIs('Custom::S3BucketNotifications', 0);
  });

  it('refuses to synthesise a bucket that also gets CDK-managed notifications, which would replace them', () => {
    const bucketIn = (name: string) => {
      const app = testApp();
      const small = new Stack(app, name);
      const bucket = new Bucket(small, 'Bucket');
      sendObjectEventsToEventBridge(bucket);
      return { app, small, bucket };
    };
    const alone = bucketIn('Alone');
    expect(() => alone.app.synth()).not.toThrow();
    const mixed = bucketIn('Mixed');
    mixed.bucket.addEventNotification(
      EventType.OBJECT_CREATED,
      new SqsDestination(new Queue(mixed.small, 'Queue')),
    );
    expect(() => mixed.app.synth()).toThrow(/EventBridge notifications are set on the bucket resource/);
  });
});
