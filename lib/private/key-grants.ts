import { AnyPrincipal, Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';

/**
 * Only AWS services may create grants on `key`, and only for their own resources (AWS Control Tower CT.KMS.PR.3):
 * DynamoDB, for instance, creates grants for the tables it encrypts (`kms:GrantIsForAWSResource` is then true);
 * no person or role of this app creates one directly, so a grant made any other way is a way around the key
 * policy and IAM.
 */
export function denyGrantsExceptForAwsResources(key: IKey): void {
  key.addToResourcePolicy(
    new PolicyStatement({
      sid: 'DenyGrantsExceptForAwsResources',
      effect: Effect.DENY,
      principals: [new AnyPrincipal()],
      actions: ['kms:CreateGrant'],
      resources: ['*'],
      conditions: {
        BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
      },
    }),
  );
}
