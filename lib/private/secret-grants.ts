import { Stack } from 'aws-cdk-lib';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';

/**
 * `secret.grantRead(grantee)` on the identity side only. The L2 grant also adds a statement naming the
 * grantee's role to the secret's KMS key policy (a `ViaServicePrincipal`): with the key in the data stack and
 * the role in the app stack, that is a reference from the data stack back to the app stack, a dependency
 * cycle. The key policy already trusts the account's IAM policies, so the same decrypt, limited to calls
 * through Secrets Manager, goes on the role instead (the CDK guide's remedy for cross-stack grant cycles).
 */
export function grantSecretRead(secret: ISecret, grantee: IGrantable): void {
  Grant.addToPrincipal({
    grantee,
    actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
    resourceArns: [secret.secretArn],
  });
  if (!secret.encryptionKey) return;
  Grant.addToPrincipal({
    grantee,
    actions: ['kms:Decrypt'],
    resourceArns: [secret.encryptionKey.keyArn],
    conditions: {
      StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(secret).region}.amazonaws.com` },
    },
  });
}
