/**
 * The lake bucket holds every raw event and the quarantined ones, for years: these tests pin its protection
 * (CMK encryption, TLS only, no public access, versioning, retained on delete), its server access logging to
 * a separate SSE-S3 bucket, the storage-class lifecycle, and the validation of the lifecycle props.
 */
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { lakePurgeRoleName } from '../../../lib/lake-purge';
import { LakeStorage, type LakeStorageProps } from '../../../lib/lake-storage';
import { logicalIdOf, synthApp, testApp } from './helpers';

const { stack, dataStack, template } = synthApp();
const lake = dataStack.lake;
const lakeId = logicalIdOf(lake.bucket);
const logsId = logicalIdOf(lake.accessLogsBucket);
const keyArn = { 'Fn::GetAtt': [logicalIdOf(dataStack.node.findChild('DataKey')), 'Arn'] };

function lakeAlone(props: LakeStorageProps): Template {
  const alone = new Stack(testApp(), 'Alone');
  new LakeStorage(alone, 'Lake', props);
  return Template.fromStack(alone);
}

function bucket(id: string) {
  return template.toJSON().Resources[id];
}

describe('lake bucket', () => {
  it('is encrypted with the stack CMK and an S3 bucket key', () => {
    expect(bucket(lakeId).Properties.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [
        {
          BucketKeyEnabled: true,
          ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn },
        },
      ],
    });
  });

  it('blocks all public access', () => {
    expect(bucket(lakeId).Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
  });

  it('is versioned', () => {
    expect(bucket(lakeId).Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
  });

  it('is retained when the stack is deleted', () => {
    expect(bucket(lakeId)).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('refuses requests without TLS', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: lakeId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('logs server access to the separate log bucket', () => {
    expect(bucket(lakeId).Properties.LoggingConfiguration).toEqual({
      DestinationBucketName: { Ref: logsId },
      LogFilePrefix: 'lake/',
    });
  });

  it('moves objects to Standard-IA after 30 days and Glacier Instant Retrieval after 90', () => {
    expect(bucket(lakeId).Properties.LifecycleConfiguration.Rules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Status: 'Enabled',
          Transitions: [
            { StorageClass: 'STANDARD_IA', TransitionInDays: 30 },
            { StorageClass: 'GLACIER_IR', TransitionInDays: 90 },
          ],
        }),
      ]),
    );
  });

  it("expires the batch jobs' intermediates after 14 days, old versions a day later", () => {
    expect(bucket(lakeId).Properties.LifecycleConfiguration.Rules).toEqual(
      expect.arrayContaining([
        {
          Id: 'ExpireJobIntermediates',
          Status: 'Enabled',
          Prefix: 'jobs/',
          ExpirationInDays: 14,
          NoncurrentVersionExpiration: { NoncurrentDays: 1 },
        },
      ]),
    );
  });
});

describe("Firehose's error records (errors/: real ids, also in a pseudonymised lake; issue 13)", () => {
  it('expire after 14 days, old versions a day later', () => {
    expect(bucket(lakeId).Properties.LifecycleConfiguration.Rules).toEqual(
      expect.arrayContaining([
        {
          Id: 'ExpireDeliveryErrors',
          Status: 'Enabled',
          Prefix: 'errors/',
          ExpirationInDays: 14,
          NoncurrentVersionExpiration: { NoncurrentDays: 1 },
        },
      ]),
    );
  });

  it('expire after the days of the prop', () => {
    lakeAlone({ deliveryErrorsExpirationDays: 3 }).hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([Match.objectLike({ Id: 'ExpireDeliveryErrors', ExpirationInDays: 3 })]),
      },
    });
    expect(() => lakeAlone({ deliveryErrorsExpirationDays: 0 })).toThrow(
      'deliveryErrorsExpirationDays must be a whole number of days >= 1, got 0',
    );
  });

  it('can be read by the lake purge role only: a bucket-policy Deny for every other principal', () => {
    const purgeRole = logicalIdOf(stack.lakePurge.function.role ?? stack.lakePurge.function);
    // The data stack names the app stack's role by its fixed name (a reference would be a dependency cycle).
    const roleName = lakePurgeRoleName(stack.stackName);
    template.hasResourceProperties('AWS::IAM::Role', { RoleName: roleName });
    expect(template.toJSON().Resources[purgeRole].Properties.RoleName).toBe(roleName);
    const purgeRoleArn = {
      'Fn::Join': [
        '',
        ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, `:role/${roleName}`],
      ],
    };
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: lakeId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Sid: 'OnlyNamedRolesReadDeliveryErrors',
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: ['s3:GetObject', 's3:GetObjectVersion'],
            Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [lakeId, 'Arn'] }, '/errors/*']] },
            Condition: { ArnNotEquals: { 'aws:PrincipalArn': [purgeRoleArn] } },
          },
        ]),
      },
    });
  });
});

describe('access log bucket', () => {
  it('uses SSE-S3, as server access log delivery requires', () => {
    expect(bucket(logsId).Properties.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
    });
  });

  it('lets the S3 logging service write through a bucket policy, not an ACL', () => {
    expect(bucket(logsId).Properties.AccessControl).toBeUndefined();
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logsId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: 'logging.s3.amazonaws.com' }, Action: 's3:PutObject' }),
        ]),
      },
    });
  });
});

describe('lifecycle props', () => {
  it('are configurable', () => {
    lakeAlone({ infrequentAccessAfterDays: 45, glacierAfterDays: 180 }).hasResourceProperties(
      'AWS::S3::Bucket',
      {
        LifecycleConfiguration: {
          Rules: Match.arrayWith([
            Match.objectLike({
              Transitions: [
                { StorageClass: 'STANDARD_IA', TransitionInDays: 45 },
                { StorageClass: 'GLACIER_IR', TransitionInDays: 180 },
              ],
            }),
          ]),
        },
      },
    );
  });

  it('refuse a Glacier transition that is not after the Standard-IA one', () => {
    expect(() => lakeAlone({ infrequentAccessAfterDays: 60, glacierAfterDays: 60 })).toThrow(
      'glacierAfterDays (60) must be greater than infrequentAccessAfterDays (60)',
    );
  });

  it('refuse a Standard-IA transition before 30 days, which S3 rejects', () => {
    expect(() => lakeAlone({ infrequentAccessAfterDays: 7 })).toThrow(
      /infrequentAccessAfterDays must be .* >= 30, got 7/,
    );
  });
});
