import { CfnResource, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, RuleTargetInput, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction, SfnStateMachine } from 'aws-cdk-lib/aws-events-targets';
import { CfnRole, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import {
  Choice,
  Condition,
  DefinitionBody,
  Fail,
  LogLevel,
  StateMachine,
  StateMachineType,
  Succeed,
  Wait,
  WaitTime,
} from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { LAKE_PURGE_WINDOW_HOURS } from '../lambdas/deletion/deletion-request';
import { DEFAULT_STAGING_PREFIX } from '../lambdas/deletion/lake-purge-runner';

import { DELIVERY_ERRORS_PREFIX, EVENTS_PREFIX, QUARANTINE_PREFIX } from '../lambdas/shared/lake-layout';
import { LAKE_PURGE_METRICS, METRICS_NAMESPACE, SERVICES } from '../lambdas/shared/metric-names';
import { type DataLake, EVENTS_TABLE_NAME, QUARANTINE_TABLE_NAME } from './data-lake';
import { grantAthenaQueries } from './private/athena-grants';
import { allowCloudWatchLogs, LOG_RETENTION } from './private/log-groups';
import { nagArn } from './private/nag-refs';
import { grantSecretRead } from './private/secret-grants';
import { RecoFunction } from './recostream-function';

export interface LakePurgeProps {
  readonly deletionRequestsTable: ITable;
  readonly profilesTable: ITable;
  readonly lakeBucket: IBucket;
  readonly dataLake: DataLake;
  /** The data key: lake bucket, Athena results, tables. */
  readonly encryptionKey: IKey;
  readonly alarmTopic: ITopic;
  /** When the purge starts. @default Schedule.rate(Duration.days(1)) */
  readonly schedule?: Schedule;
  /** How often the deadline check publishes pending / overdue requests. @default Duration.hours(1) */
  readonly checkInterval?: Duration;
  /**
   * Requests younger than this are left for the next run, so events still buffered in the stream and in
   * Firehose (5 min buffer, 5 min partitioning retry) are in the lake when it is purged.
   * @default Duration.hours(1)
   */
  readonly settleTime?: Duration;
  /** Invocations per execution before it stops and leaves the rest to the next one. @default 144 */
  readonly maxIterations?: number;
  /** @default 'quarantine/' */
  readonly quarantinePrefix?: string;
  /**
   * A fixed name for the purge function's role: the data stack's lake bucket policy names it as the one
   * reader of Firehose's error records (`LakeStorage.restrictDeliveryErrorReads`), and a name known at synth
   * keeps that policy free of a reference back into this stack (which would be a dependency cycle).
   * @default - a generated name
   */
  readonly roleName?: string;
}

/** The purge role's name in the app stack `stackName` (at most 64 characters, as IAM requires). */
export function lakePurgeRoleName(stackName: string): string {
  return `${stackName}-lake-purge`.slice(0, 64);
}

/**
 * The AWS lake purge of deleted users (lambdas/deletion/lake-purge-runner.ts): a daily EventBridge rule
 * starts a Standard state machine that invokes the purge function until it reports no work left.
 *
 * Why a Lambda that calls Athena through the SDK, looped by a small state machine, rather than Athena .sync
 * tasks and a Map over objects in Step Functions: rewriting one object is a sequence (UNLOAD, list staged
 * files, copy, delete older versions, clear staging) whose crash points each need a specific resume, and
 * that sequence has to be a Lambda anyway for the version deletions and the JSON-lines quarantine rewrite.
 * Keeping it in one function makes every step order and resume path unit-testable with SDK mocks. Each
 * invocation does bounded work (it starts no new object in its last 3 minutes and checkpoints per object in
 * the audit record); the state machine only re-invokes it, so a user in thousands of objects is finished
 * in one execution instead of one bounded slice per day. A lease item keeps overlapping executions apart.
 *
 * An EventBridge rule, not Scheduler: the local runtime maps AWS::Scheduler::Schedule to its batch jobs.
 * Alarms (to the stack's alarm topic): a deletion request still pending after its lakeDeadline
 * (LAKE_PURGE_WINDOW_HOURS after the request; missing check data counts as breaching), and a failed
 * purge execution.
 */
export class LakePurge extends Construct {
  public readonly function: RecoFunction;
  public readonly stateMachine: StateMachine;
  public readonly purgeRule: Rule;
  public readonly checkRule: Rule;
  public readonly overdueAlarm: Alarm;
  public readonly failedRunAlarm: Alarm;
  /** Where Athena writes the rewritten objects before they replace the originals. */
  public readonly stagingPrefix = DEFAULT_STAGING_PREFIX;

  constructor(scope: Construct, id: string, props: LakePurgeProps) {
    super(scope, id);
    const { dataLake, lakeBucket, encryptionKey: key } = props;
    const quarantinePrefix = props.quarantinePrefix ?? QUARANTINE_PREFIX;
    const maxIterations = props.maxIterations ?? 144;
    if (!Number.isInteger(maxIterations) || maxIterations < 1)
      throw new Error(`maxIterations must be a whole number >= 1, got ${maxIterations}`);
    const settleSeconds = (props.settleTime ?? Duration.hours(1)).toSeconds();

    this.function = new RecoFunction(this, 'Function', {
      entry: 'lambdas/deletion/purge/handler.ts',
      serviceName: SERVICES.lakePurge,
      description: 'Lake purge: removes deleted users from the events and quarantine objects (Athena UNLOAD)',
      memorySize: 512,
      timeout: Duration.minutes(10),
      environment: {
        ATHENA_WORKGROUP: dataLake.workGroupName,
        GLUE_DATABASE: dataLake.databaseName,
        PURGE_SETTLE_SECONDS: String(settleSeconds),
        PURGE_RESERVE_SECONDS: '180',
      },
    }).bindTable(props.deletionRequestsTable, 'DELETION_REQUESTS_TABLE_NAME', 'readWrite');
    const fn = this.function;
    const cfnRole = fn.role?.node.defaultChild;
    if (props.roleName && cfnRole instanceof CfnRole) cfnRole.roleName = props.roleName;
    fn.addEnvironment('LAKE_BUCKET_NAME', lakeBucket.bucketName);
    // Deletes re-created profiles: DeleteItem only, not the table's whole write grant.
    props.profilesTable.grant(fn, 'dynamodb:DeleteItem');
    fn.addEnvironment('PROFILES_TABLE_NAME', props.profilesTable.tableName);
    key.grant(fn, 'kms:Decrypt', 'kms:GenerateDataKey');
    // A pseudonymised lake stores ids as HMACs: the purge computes them to find the rows written since.
    if (dataLake.pseudonymKey) {
      grantSecretRead(dataLake.pseudonymKey, fn);
      fn.addEnvironment('PSEUDONYM_SECRET_ARN', dataLake.pseudonymKey.secretArn);
    }

    grantAthenaQueries(fn, dataLake, [EVENTS_TABLE_NAME, QUARANTINE_TABLE_NAME]);
    // Athena reads and UNLOADs with the caller's credentials: the purged prefixes only. Firehose's error
    // records (errors/) are listed and rewritten by the function itself.
    const purgedPrefixes = [EVENTS_PREFIX, quarantinePrefix, DELIVERY_ERRORS_PREFIX, this.stagingPrefix];
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['s3:ListBucket', 's3:ListBucketVersions'],
        resources: [lakeBucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': purgedPrefixes.map((p) => `${p}*`) } },
      }),
    );
    fn.addToRolePolicy(
      new PolicyStatement({ actions: ['s3:GetBucketLocation'], resources: [lakeBucket.bucketArn] }),
    );
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: [
          's3:GetObject',
          's3:PutObject',
          's3:DeleteObject',
          's3:DeleteObjectVersion',
          's3:AbortMultipartUpload',
          's3:ListMultipartUploadParts',
        ],
        resources: purgedPrefixes.map((p) => lakeBucket.arnForObjects(`${p}*`)),
      }),
    );
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['s3:GetBucketLocation', 's3:ListBucket'],
        resources: [dataLake.resultsBucket.bucketArn],
      }),
    );
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
        resources: [dataLake.resultsBucket.arnForObjects('*')],
      }),
    );

    // ---- state machine: invoke until no work is left --------------------------------------------------
    const logGroup = new LogGroup(this, 'StateMachineLogs', {
      retention: LOG_RETENTION,
      encryptionKey: key,
    });
    allowCloudWatchLogs(key);
    const purgeStep = new LambdaInvoke(this, 'Purge pass', {
      lambdaFunction: fn,
      payloadResponseOnly: true,
      retryOnServiceExceptions: true,
    });
    const pause = new Wait(this, 'Pause', { time: WaitTime.duration(Duration.seconds(10)) });
    const next = new Choice(this, 'More work?')
      .when(
        Condition.and(
          Condition.booleanEquals('$.moreWork', true),
          Condition.numberLessThan('$.iteration', maxIterations),
        ),
        pause.next(purgeStep),
      )
      .when(
        Condition.numberGreaterThan('$.failedCount', 0),
        new Fail(this, 'Requests failed', {
          error: 'DeletionPurgeFailed',
          cause:
            'At least one deletion request failed; its audit record holds the error. The next run retries.',
        }),
      )
      .otherwise(new Succeed(this, 'Done'));
    purgeStep.next(next);
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromChainable(purgeStep),
      timeout: Duration.hours(24),
      tracingEnabled: true,
      logs: { destination: logGroup, level: LogLevel.ALL, includeExecutionData: true },
      comment: 'RecoStream lake purge: removes deleted users from the lake, one bounded pass per invocation',
    });

    this.purgeRule = new Rule(this, 'PurgeSchedule', {
      description: 'Starts the lake purge of deleted users',
      schedule: props.schedule ?? Schedule.rate(Duration.days(1)),
      targets: [
        new SfnStateMachine(this.stateMachine, {
          input: RuleTargetInput.fromObject({ action: 'purge', iteration: 0, failed: [] }),
          retryAttempts: 3,
        }),
      ],
    });
    this.checkRule = new Rule(this, 'DeadlineCheckSchedule', {
      description: 'Publishes pending and overdue deletion requests',
      schedule: Schedule.rate(props.checkInterval ?? Duration.hours(1)),
      targets: [
        new LambdaFunction(fn, { event: RuleTargetInput.fromObject({ action: 'check' }), retryAttempts: 2 }),
      ],
    });

    // ---- alarms ----------------------------------------------------------------------------------------
    const action = new SnsAction(props.alarmTopic);
    const checkPeriod = Duration.seconds((props.checkInterval ?? Duration.hours(1)).toSeconds() * 2);
    this.overdueAlarm = new Alarm(this, 'OverdueAlarm', {
      alarmDescription:
        `A deletion request is still pending after its lake deadline (${LAKE_PURGE_WINDOW_HOURS} h after the ` +
        'request), or the hourly deadline check did not run. Look at the DeletionRequests items with status ' +
        'pending (their `error`) and the lake purge state machine executions.',
      metric: new Metric({
        namespace: METRICS_NAMESPACE,
        metricName: LAKE_PURGE_METRICS.overdue,
        dimensionsMap: { service: SERVICES.lakePurge },
        statistic: 'Maximum',
        // Two check intervals, so every period holds at least one data point of a healthy check.
        period: checkPeriod,
      }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.BREACHING,
    });
    this.failedRunAlarm = new Alarm(this, 'FailedRunAlarm', {
      alarmDescription:
        'A lake purge execution failed or timed out: a deletion request failed (see its `error`) or the ' +
        'purge function kept failing. The next daily run retries; the overdue alarm fires if it stays late.',
      metric: this.stateMachine.metricFailed({ period: Duration.hours(6), statistic: 'Sum' }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    for (const alarm of [this.overdueAlarm, this.failedRunAlarm]) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }

    this.acknowledge(lakeBucket, dataLake, purgedPrefixes);
  }

  private acknowledge(lakeBucket: IBucket, dataLake: DataLake, prefixes: readonly string[]): void {
    const fnPolicy = this.function.role?.node.tryFindChild('DefaultPolicy');
    if (fnPolicy) {
      const ack = (id: string, reason: string) => Validations.of(fnPolicy).acknowledge({ id, reason });
      const lakeArn = nagArn(lakeBucket, fnPolicy);
      if (lakeArn)
        for (const prefix of prefixes)
          ack(
            `AwsSolutions-IAM5[Resource::${lakeArn}/${prefix}*]`,
            `The purge reads, rewrites and deletes versions of generated object keys under '${prefix}' only ` +
              '(Firehose, quarantine and Athena UNLOAD name them); no other prefix of the lake bucket.',
          );
      const resultsArn = nagArn(dataLake.resultsBucket, fnPolicy);
      if (resultsArn)
        ack(
          `AwsSolutions-IAM5[Resource::${resultsArn}/*]`,
          'Athena writes query results and UNLOAD manifests under generated keys in the workgroup results bucket.',
        );
    }
    const machinePolicy = this.stateMachine.role.node.tryFindChild('DefaultPolicy');
    if (machinePolicy) {
      const ack = (id: string, reason: string) => Validations.of(machinePolicy).acknowledge({ id, reason });
      ack(
        'AwsSolutions-IAM5[Resource::*]',
        'X-Ray tracing and CloudWatch Logs vended delivery (logs:CreateLogDelivery, ...) support no ' +
          'resource-level permissions; the only other statement names the purge function.',
      );
      ack(
        `AwsSolutions-IAM5[Resource::<${logicalIdOf(this.function)}.Arn>:*]`,
        'LambdaInvoke grants the purge function and its qualified versions/aliases (<arn>:*) only.',
      );
    }
    Validations.of(this.function.node.defaultChild as CfnResource).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason:
        'The hourly check rule invokes this function asynchronously; a lost check needs no replay (the next ' +
        'hour checks again and the overdue alarm treats missing data as breaching). The purge itself runs ' +
        'synchronously from the state machine.',
    });
    Validations.of(this.purgeRule).acknowledge({
      id: 'Serverless-EventBusDLQ',
      reason:
        'A purge start that could not be delivered after 3 retries is caught by the overdue alarm (the ' +
        'requests stay pending past their deadline); a DLQ message would add nothing to act on.',
    });
    Validations.of(this.checkRule).acknowledge({
      id: 'Serverless-EventBusDLQ',
      reason:
        'A missed deadline check is itself the signal: the overdue alarm treats missing data as breaching.',
    });
  }
}

function logicalIdOf(construct: Construct): string | undefined {
  const cfn = construct.node.defaultChild;
  return CfnResource.isCfnResource(cfn) ? Stack.of(cfn).getLogicalId(cfn) : undefined;
}
