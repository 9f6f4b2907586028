import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * The AWS Control Tower guard rules (npm `@cdklabs/cdk-validator-cfnguard`, run on every synthesised template by
 * `npm run verify:cloud`) that this app acknowledges somewhere instead of fixing. Each acknowledgement sits next
 * to the resource and says why, like the cdk-nag ones; the verify step fails on any finding without one.
 */
export type GuardRule =
  | 'api_gw_v1_execution_logging_enabled_check'
  | 'athena_workgroup_results_encrypted_at_rest_kms_check'
  | 'cloudwatch_log_group_encrypted_check'
  | 'cloudwatch_log_group_retention_period_check'
  | 'lambda_function_public_access_prohibited_check'
  | 'lambda_inside_vpc_check'
  | 's3_bucket_default_encryption_kms_check'
  | 's3_bucket_logging_enabled_check'
  | 's3_bucket_object_lock_enabled_check'
  | 's3_event_notifications_enabled_check'
  | 'sqs_dlq_check';

/** The plugin's name, which CDK's validation report uses as the namespace of its rule ids. */
export const GUARD_PLUGIN_NAME = 'cdk-validator-cfnguard';

/** Acknowledges `rule` for `scope` and everything below it in the construct tree. */
export function acknowledgeGuardRule(scope: IConstruct, rule: GuardRule, reason: string): void {
  Validations.of(scope).acknowledge({ id: `${GUARD_PLUGIN_NAME}::${rule}`, reason });
}

/**
 * CT.LAMBDA.PR.2 on the `AWS::Lambda::Permission`s CDK creates for API Gateway (integrations, authorizers) under
 * `scope`: each has the `apigateway.amazonaws.com` principal and a SourceArn scoped to the API, but the SourceArn
 * is an `Fn::Join` of partition, region, account and API id, and the rule accepts only literal strings or a
 * `Ref`/`Fn::GetAtt`.
 */
export function acknowledgeApiGatewayInvokePermissions(scope: IConstruct): void {
  acknowledgeGuardRule(
    scope,
    'lambda_function_public_access_prohibited_check',
    'API Gateway invoke permissions: principal apigateway.amazonaws.com with a SourceArn scoped to this API ' +
      '(an Fn::Join of partition, region, account and API id, which the rule cannot read as a string).',
  );
}

/** CT.LAMBDA.PR.3 on the function(s) under `scope`: no function of the app runs in a VPC, on purpose. */
export function acknowledgeOutsideVpc(scope: IConstruct): void {
  acknowledgeGuardRule(
    scope,
    'lambda_inside_vpc_check',
    'Every dependency is an AWS API (Kinesis, DynamoDB, S3, Athena, SQS, SNS, Secrets Manager, CloudWatch) ' +
      'reached over TLS and authorised by IAM; nothing listens in a private network. A VPC would add NAT gateways ' +
      'or an interface endpoint per service and AZ (cost, cold starts) and no control IAM does not already give.',
  );
}

/**
 * CT.APIGATEWAY.PR.1 on a REST API stage: execution logging needs the account's API Gateway CloudWatch role
 * (one `AWS::ApiGateway::Account` per account and region, shared by every API there), so a deployment would
 * either fail in an account without it or overwrite another stack's setting; and API Gateway creates the
 * execution log group itself, outside the data key and the app's retention.
 */
export function acknowledgeStageExecutionLogging(scope: IConstruct): void {
  acknowledgeGuardRule(
    scope,
    'api_gw_v1_execution_logging_enabled_check',
    'Execution logging needs the account-wide API Gateway CloudWatch role, which this stack does not own (one per ' +
      "account and region; setting it here would overwrite another stack's), and its log group would be created " +
      'by API Gateway outside the data key; the stage writes JSON access logs and the functions log every error.',
  );
}
