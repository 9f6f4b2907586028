import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';

const READ_OBJECT = ['s3:GetObject'];
const WRITE_OBJECT = [
  's3:PutObject',
  's3:AbortMultipartUpload',
  's3:ListMultipartUploadParts',
  's3:DeleteObject',
];

/**
 * Object access under `prefixes` of a bucket and nothing else: the object actions on `<bucket>/<prefix>*`, and
 * listing only with an `s3:prefix` condition naming those prefixes (CDK's `grantRead(grantee, pattern)` scopes
 * the objects but lets `s3:List*` list the whole bucket, every other prefix's key names included). Grants the
 * bucket key's decrypt (and encrypt, for `readWrite`) too.
 */
export function grantPrefixAccess(
  grantee: IGrantable,
  bucket: IBucket,
  prefixes: readonly string[],
  access: 'read' | 'readWrite',
): void {
  for (const prefix of prefixes)
    if (prefix === '' || !prefix.endsWith('/') || prefix.includes('*'))
      throw new Error(`prefix must be non-empty, free of '*' and end with '/', got '${prefix}'`);
  const policy = (statement: PolicyStatement) => grantee.grantPrincipal.addToPrincipalPolicy(statement);
  policy(
    new PolicyStatement({
      actions: access === 'read' ? READ_OBJECT : [...READ_OBJECT, ...WRITE_OBJECT],
      resources: prefixes.map((prefix) => bucket.arnForObjects(`${prefix}*`)),
    }),
  );
  policy(
    new PolicyStatement({
      actions: ['s3:ListBucket'],
      resources: [bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': prefixes.map((prefix) => `${prefix}*`) } },
    }),
  );
  policy(new PolicyStatement({ actions: ['s3:GetBucketLocation'], resources: [bucket.bucketArn] }));
  if (access === 'read') bucket.encryptionKey?.grantDecrypt(grantee);
  else bucket.encryptionKey?.grantEncryptDecrypt(grantee);
}
