import { createHash } from 'node:crypto';
import { CfnResource, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * How a cdk-nag finding on a policy in `consumer`'s stack spells the ARN of `resource` (its `Fn::GetAtt Arn`),
 * for acknowledgements that name the resource: `<LogicalId.Arn>` in the same stack; across stacks (a data-stack
 * bucket in the app stack's policies), the name of the export CDK generates for the reference,
 * `<stack>:ExportsOutputFnGetAtt<LogicalId>Arn<hash>` (core's `generateExportName` over the `Exports` scope,
 * with stack-relative exports, the CDK v2 default). Undefined for an imported resource (no logical id).
 */
export function nagArn(resource: IConstruct, consumer: IConstruct): string | undefined {
  const cfn = resource.node.defaultChild;
  if (!CfnResource.isCfnResource(cfn)) return undefined;
  const owner = Stack.of(cfn);
  const logicalId = owner.getLogicalId(cfn);
  if (owner === Stack.of(consumer)) return `<${logicalId}.Arn>`;
  const outputId = `Output${JSON.stringify({ 'Fn::GetAtt': [logicalId, 'Arn'] })}`;
  const hash = createHash('md5').update(`Exports/${outputId}`).digest('hex').slice(0, 8).toUpperCase();
  return `${owner.stackName}:Exports${outputId.replace(/[^A-Za-z0-9]/g, '')}${hash}`;
}

/** The findings every CDK grant on a KMS key raises: its `kms:ReEncrypt*` and `kms:GenerateDataKey*` wildcards. */
export const KMS_GRANT_WILDCARDS = [
  'AwsSolutions-IAM5[Action::kms:ReEncrypt*]',
  'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
] as const;
