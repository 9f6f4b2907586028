import { Aspects, Aws, type IAspect, Stack, Validations } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { CfnLogGroup, LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Provider } from 'aws-cdk-lib/custom-resources';
import type { Construct, IConstruct } from 'constructs';
import { acknowledgeGuardRule, acknowledgeOutsideVpc } from './guard-rules';

/**
 * How long the app's log groups keep their events: one month. They hold client IPs (API access logs) and ids
 * or payload fragments in error logs, so they are kept as briefly as operations allow; the AWS Control Tower
 * rule asking for a year (CT.CLOUDWATCH.PR.2) is acknowledged on the stack (`acknowledgeLogRetention`).
 */
export const LOG_RETENTION = RetentionDays.ONE_MONTH;

/** Acknowledges CT.CLOUDWATCH.PR.2 (retention of a year or more) for every log group under `scope`. */
export function acknowledgeLogRetention(scope: IConstruct): void {
  acknowledgeGuardRule(
    scope,
    'cloudwatch_log_group_retention_period_check',
    'Data minimisation: the logs hold client IPs, ids and payload fragments and are not purged when a user is ' +
      'deleted, so they expire after LOG_RETENTION (a month), which covers incident follow-up; an audit trail ' +
      'of a year belongs to CloudTrail, not to these logs.',
  );
}

/** A log group of the app: encrypted with the app's key, kept `retention` (LOG_RETENTION by default). */
export function encryptedLogGroup(
  scope: Construct,
  id: string,
  key: IKey,
  retention: RetentionDays = LOG_RETENTION,
): LogGroup {
  allowCloudWatchLogs(key);
  return new LogGroup(scope, id, { encryptionKey: key, retention });
}

/**
 * Lets CloudWatch Logs use `key` for log groups of this account and region only: the key policy statement is
 * conditioned on `kms:EncryptionContext:aws:logs:arn`, the log group CloudWatch Logs encrypts for (generated
 * log group names cannot be listed ahead of deployment without a dependency cycle). Adding it twice is harmless:
 * CDK merges identical statements.
 */
export function allowCloudWatchLogs(key: IKey): void {
  key.addToResourcePolicy(
    new PolicyStatement({
      principals: [new ServicePrincipal(`logs.${Aws.REGION}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: {
        ArnLike: {
          'kms:EncryptionContext:aws:logs:arn': `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:*`,
        },
      },
    }),
  );
}

/**
 * Encrypts every log group in the stack that has no key with `key` (function logs, API access logs, the
 * Firehose error log, and any a later construct adds), and lets CloudWatch Logs use it.
 */
export function encryptEveryLogGroup(stack: Stack, key: IKey): void {
  allowCloudWatchLogs(key);
  Aspects.of(stack).add(new EncryptLogGroups(stack, key));
}

/** The key may live in another stack (the data stack): only log groups of `stack` itself are changed. */
class EncryptLogGroups implements IAspect {
  constructor(
    private readonly stack: Stack,
    private readonly key: IKey,
  ) {}

  visit(node: IConstruct): void {
    if (!(node instanceof CfnLogGroup) || Stack.of(node) !== this.stack) return;
    if (node.kmsKeyId === undefined) node.kmsKeyId = this.key.keyArn;
    if (Stack.of(this.key) !== this.stack)
      acknowledgeGuardRule(
        node,
        'cloudwatch_log_group_encrypted_check',
        "Encrypted with the app's data key, which lives in the data stack: KmsKeyId is an Fn::ImportValue of its " +
          'ARN, and the rule accepts only a literal string or a Ref/GetAtt of a key in the same template.',
      );
  }
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
  acknowledgeOutsideVpc(framework);
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
