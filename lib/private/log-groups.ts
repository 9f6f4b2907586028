import { Validations } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Provider } from 'aws-cdk-lib/custom-resources';
import type { Construct } from 'constructs';

/** A log group of the app: encrypted with the app's key, kept `retention` (one month by default). */
export function encryptedLogGroup(
  scope: Construct,
  id: string,
  key: IKey,
  retention: RetentionDays = RetentionDays.ONE_MONTH,
): LogGroup {
  return new LogGroup(scope, id, { encryptionKey: key, retention });
}

/** cdk-nag acknowledgements for the CDK provider framework's own function (code and role owned by CDK). */
export function acknowledgeProviderFramework(provider: Provider, onEventFunctionId: string): void {
  const framework = provider.node.findChild('framework-onEvent');
  const role = framework.node.findChild('ServiceRole');
  const why = 'The CDK custom-resource provider framework owns this function: it only relays CloudFormation ';
  Validations.of(role.node.findChild('Resource')).acknowledge({
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    reason: `${why}events and writes logs (basic execution role) to its KMS-encrypted log group.`,
  });
  Validations.of(role.node.findChild('DefaultPolicy').node.findChild('Resource')).acknowledge({
    id: `AwsSolutions-IAM5[Resource::<${onEventFunctionId}.Arn>:*]`,
    reason: `${why}events to one function; <arn>:* covers that function's versions and aliases only.`,
  });
  Validations.of(framework.node.findChild('Resource')).acknowledge(
    {
      id: 'Serverless-LambdaDefaultMemorySize',
      reason: `${why}events to our function; CDK chooses its size and runs it a few times per deploy.`,
    },
    {
      id: 'Serverless-LambdaDLQ',
      reason: `${why}events synchronously; CloudFormation itself reports a failure, there is nothing to retry.`,
    },
    {
      id: 'Serverless-LambdaTracing',
      reason: `${why}events; the function it calls (a RecoFunction) has active tracing.`,
    },
  );
}
