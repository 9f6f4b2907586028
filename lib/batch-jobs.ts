import { Aws, CfnResource, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { CfnTable } from 'aws-cdk-lib/aws-glue';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { StepFunctionsStartExecution } from 'aws-cdk-lib/aws-scheduler-targets';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import {
  type CfnStateMachine,
  Choice,
  Condition,
  DefinitionBody,
  Errors,
  Fail,
  type IChainable,
  type INextable,
  IntegrationPattern,
  JitterType,
  JsonPath,
  LogLevel,
  type RetryProps,
  type State,
  StateMachine,
  StateMachineType,
  Succeed,
  TaskInput,
  type TaskStateBase,
} from 'aws-cdk-lib/aws-stepfunctions';
import {
  AthenaStartQueryExecution,
  type AthenaStartQueryExecutionProps,
  LambdaInvoke,
  SnsPublish,
} from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import {
  JOB_DIMENSION,
  JOB_FUNCTION_ENV,
  type JobFunction,
  REJECTED_METRIC,
} from '../lambdas/jobs/job-names';
import type { CfSettings, TrendingSettings } from '../lambdas/jobs/job-plan';
import {
  CF_STATE_COLUMNS,
  CF_STATE_PARTITION_KEY,
  cfQuerySteps,
  DEFAULT_CF_SETTINGS,
  DEFAULT_TRENDING_SETTINGS,
  SQL_BUNDLE_DIR,
  trendingQuerySteps,
} from '../lambdas/jobs/job-sql';
import type { GateThresholds } from '../lambdas/jobs/validation-gate';
import { DEFAULT_KEEP_VERSIONS } from '../lambdas/jobs/versioning';
import { CF_STATE_PREFIX, EVENTS_PREFIX, JOBS_PREFIX } from '../lambdas/shared/lake-layout';
import { METRICS_NAMESPACE } from '../lambdas/shared/metric-names';
import { type JobName, PUBLISHED_TTL_ATTRIBUTE } from '../lambdas/shared/published';
import type { DataLake } from './data-lake';

import { EVENTS_TABLE_NAME, glueColumn, parquetStorage } from './data-lake';
import { allowCloudWatchLogs, LOG_RETENTION } from './private/log-groups';

import { grantPrefixAccess } from './private/prefix-grants';
import { RecoFunction } from './recostream-function';

/** Glue table of the cf job's state (Parquet per run under `jobs/cf/state/run=<runId>/`). */
export const CF_STATE_TABLE_NAME = 'cf_state';
/** Everything the jobs write in the lake bucket lives under this prefix (its lifecycle: lib/lake-storage.ts). */
export { JOBS_PREFIX };
/** CloudFormation metadata key naming the job a state machine runs; the local scheduler reads it. */
export const JOB_METADATA_KEY = 'recostream:job';
/** Powertools service name of the validate function (its folder name; a dimension of RunsRejected). */
export const VALIDATE_SERVICE_NAME = 'jobs-validate';

export interface BatchJobsProps {
  /** The stack's data key: tables, state machine logs. */
  readonly encryptionKey: IKey;
  /** The lake bucket (events in, job outputs under `jobs/`). */
  readonly lakeBucket: IBucket;
  /** Glue database, Athena workgroup and results bucket the queries run in. */
  readonly dataLake: DataLake;
  /** Failed runs and the alarms notify this topic. */
  readonly alarmTopic: ITopic;
  /**
   * EventBridge Scheduler expression of the collaborative-filtering run (UTC).
   * @default 'cron(0 2 * * ? *)' (02:00 UTC nightly)
   */
  readonly cfSchedule?: string;
  /**
   * How often trending runs.
   * @default Duration.minutes(15)
   */
  readonly trendingInterval?: Duration;
  /** @default 3 */
  readonly keepVersions?: number;
  /** Gate thresholds over DEFAULT_GATE_THRESHOLDS (see lambdas/jobs/validation-gate.ts). */
  readonly gateThresholds?: Partial<Record<JobName, Partial<GateThresholds>>>;
  /** cf settings over DEFAULT_CF_SETTINGS (topK, minSupport, ...). */
  readonly cfSettings?: Partial<CfSettings>;
  readonly trendingSettings?: Partial<TrendingSettings>;
  /** @default BillingMode.PAY_PER_REQUEST */
  readonly billingMode?: BillingMode;
}

/** Lambda service errors worth retrying (LambdaInvoke's own retry covers the SDK-level ones). */
const LAMBDA_TRANSIENT: RetryProps = {
  errors: [
    'Lambda.TooManyRequestsException',
    'ProvisionedThroughputExceededException',
    'ThrottlingException',
  ],
  interval: Duration.seconds(2),
  maxAttempts: 4,
  backoffRate: 2,
  jitterStrategy: JitterType.FULL,
};
/** Athena API throttling and internal errors; a FAILED query is not retried (UNLOAD needs an empty target). */
const ATHENA_TRANSIENT: RetryProps = {
  errors: ['Athena.TooManyRequestsException', 'Athena.InternalServerException'],
  interval: Duration.seconds(5),
  maxAttempts: 4,
  backoffRate: 2,
  jitterStrategy: JitterType.FULL,
};

/**
 * The scheduled batch jobs: a Standard state machine per job (plan Lambda, the job's Athena queries as
 * StartQueryExecution .sync tasks in order, validation-gate Lambda, a Choice, publish Lambda; any error is
 * caught, recorded on the run and published to the alarm topic), their EventBridge Scheduler schedules,
 * the versioned Similarities / Trending tables with the JobRuns table holding runs and active-version
 * pointers, the `cf_state` Glue table, and alarms on failed executions and rejected runs.
 */
export class BatchJobs extends Construct {
  public readonly similaritiesTable: Table;
  public readonly trendingTable: Table;
  public readonly jobRunsTable: Table;
  public readonly cfStateTable: CfnTable;
  public readonly stateMachines: Readonly<Record<JobName, StateMachine>>;
  public readonly schedules: Readonly<Record<JobName, Schedule>>;
  public readonly functions: Readonly<Record<JobFunction, RecoFunction>>;
  public readonly alarms: readonly Alarm[];

  constructor(scope: Construct, id: string, props: BatchJobsProps) {
    super(scope, id);
    const keepVersions = props.keepVersions ?? DEFAULT_KEEP_VERSIONS;
    if (!Number.isInteger(keepVersions) || keepVersions < 1)
      throw new Error(`keepVersions must be an integer >= 1, got ${keepVersions}`);
    const { dataLake, lakeBucket, encryptionKey: key } = props;

    // ---- tables --------------------------------------------------------------------------------------
    const tableDefaults = {
      billingMode: props.billingMode ?? BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: PUBLISHED_TTL_ATTRIBUTE,
      removalPolicy: RemovalPolicy.RETAIN,
      deletionProtection: true,
    } as const;
    const s = AttributeType.STRING;
    this.similaritiesTable = new Table(this, 'SimilaritiesTable', {
      ...tableDefaults,
      partitionKey: { name: 'itemId', type: s },
      sortKey: { name: 'version', type: s },
    });
    this.trendingTable = new Table(this, 'TrendingTable', {
      ...tableDefaults,
      partitionKey: { name: 'scope', type: s },
      sortKey: { name: 'version', type: s },
    });
    this.jobRunsTable = new Table(this, 'JobRunsTable', {
      ...tableDefaults,
      partitionKey: { name: 'job', type: s },
      sortKey: { name: 'runId', type: s },
    });

    // ---- Glue: cf_state --------------------------------------------------------------------------------
    const stateLocation = `s3://${lakeBucket.bucketName}/${CF_STATE_PREFIX}`;
    this.cfStateTable = new CfnTable(this, 'CfStateTable', {
      catalogId: Aws.ACCOUNT_ID,
      databaseName: dataLake.database.ref,
      tableInput: {
        name: CF_STATE_TABLE_NAME,
        description:
          'Collaborative-filtering state per run (co-occurrence aggregates the next run merges with)',
        tableType: 'EXTERNAL_TABLE',
        parameters: {
          EXTERNAL: 'TRUE',
          classification: 'parquet',
          // Runs are read one at a time by id (WHERE run = '<id>'), so the id is injected, never enumerated.
          'projection.enabled': 'true',
          [`projection.${CF_STATE_PARTITION_KEY.name}.type`]: 'injected',
          'storage.location.template': `${stateLocation}${CF_STATE_PARTITION_KEY.name}=\${${CF_STATE_PARTITION_KEY.name}}/`,
        },
        partitionKeys: [glueColumn(CF_STATE_PARTITION_KEY)],
        storageDescriptor: parquetStorage(CF_STATE_COLUMNS, stateLocation),
      },
    });

    // ---- functions -------------------------------------------------------------------------------------
    const environment = {
      LAKE_BUCKET_NAME: lakeBucket.bucketName,
      JOB_RUNS_TABLE_NAME: this.jobRunsTable.tableName,
      SIMILARITIES_TABLE_NAME: this.similaritiesTable.tableName,
      TRENDING_TABLE_NAME: this.trendingTable.tableName,
      KEEP_VERSIONS: String(keepVersions),
      GATE_THRESHOLDS: JSON.stringify(props.gateThresholds ?? {}),
      CF_SETTINGS: JSON.stringify(props.cfSettings ?? {}),
      TRENDING_SETTINGS: JSON.stringify(props.trendingSettings ?? {}),
    };
    const jobFunction = (
      name: JobFunction,
      description: string,
      extra: { timeout?: Duration; memorySize?: number; copy?: boolean } = {},
    ) =>
      new RecoFunction(this, `${pascal(name)}Function`, {
        entry: `lambdas/jobs/${name}/handler.ts`,
        description,
        timeout: extra.timeout ?? Duration.seconds(30),
        memorySize: extra.memorySize ?? 256,
        environment: { ...environment, [JOB_FUNCTION_ENV]: name },
        // The plan renders H1's SQL files at run time: they travel next to the bundle.
        copyIntoBundle: extra.copy ? [`${SQL_BUNDLE_DIR}/jobs`] : undefined,
      });
    const plan = jobFunction('plan', 'Batch jobs: plans a run (window, query steps) and records it', {
      copy: true,
    });
    const validate = jobFunction('validate', 'Batch jobs: validation gate over the run statistics');
    const publish = jobFunction(
      'publish',
      'Batch jobs: publishes a validated run and flips the active version',
      {
        timeout: Duration.minutes(15),
        memorySize: 1024,
      },
    );
    const recordFailure = jobFunction('record-failure', 'Batch jobs: records a failed run for the alarm');
    this.functions = { plan, validate, publish, 'record-failure': recordFailure };
    for (const fn of [plan, validate, publish, recordFailure])
      fn.bindTable(this.jobRunsTable, 'JOB_RUNS_TABLE_NAME', 'readWrite');
    publish.bindTable(this.similaritiesTable, 'SIMILARITIES_TABLE_NAME', 'readWrite');
    publish.bindTable(this.trendingTable, 'TRENDING_TABLE_NAME', 'readWrite');
    for (const fn of [validate, publish]) {
      grantPrefixAccess(fn, lakeBucket, [JOBS_PREFIX], 'read');
      acknowledgeBucketRead(fn.role?.node.tryFindChild('DefaultPolicy'), lakeBucket);
    }

    // ---- state machines --------------------------------------------------------------------------------
    const logGroup = new LogGroup(this, 'StateMachineLogs', {
      retention: LOG_RETENTION,
      encryptionKey: key,
    });
    allowCloudWatchLogs(key);
    const stepNames: Record<JobName, string[]> = {
      cf: cfQuerySteps({ ...DEFAULT_CF_SETTINGS, runId: 'synth', windowTo: '2000-01-01T00:00:00.000Z' }).map(
        (q) => q.name,
      ),
      trending: trendingQuerySteps({
        ...DEFAULT_TRENDING_SETTINGS,
        runId: 'synth',
        windowTo: '2000-01-01T00:00:00.000Z',
      }).map((q) => q.name),
    };
    const machines = {} as Record<JobName, StateMachine>;
    for (const job of ['cf', 'trending'] as const) {
      machines[job] = this.stateMachine(
        job,
        stepNames[job],
        { plan, validate, publish, recordFailure },
        logGroup,
        props,
      );
    }
    this.stateMachines = machines;
    this.grantAthena(Object.values(machines), props);

    // ---- schedules -------------------------------------------------------------------------------------
    const cfExpression = props.cfSchedule ?? 'cron(0 2 * * ? *)';
    if (!/^(cron|rate|at)\(.+\)$/.test(cfExpression))
      throw new Error(
        `cfSchedule must be a Scheduler expression like 'cron(0 2 * * ? *)', got '${cfExpression}'`,
      );
    const trendingInterval = props.trendingInterval ?? Duration.minutes(15);
    const scheduleOf = (job: JobName, expression: ScheduleExpression) =>
      new Schedule(this, `${pascal(job)}Schedule`, {
        description: `RecoStream batch job ${job}`,
        schedule: expression,
        key,
        target: new StepFunctionsStartExecution(machines[job], {
          input: ScheduleTargetInput.fromObject({ job }),
          retryAttempts: 3,
          maxEventAge: Duration.hours(1),
        }),
      });
    this.schedules = {
      cf: scheduleOf('cf', ScheduleExpression.expression(cfExpression)),
      trending: scheduleOf('trending', ScheduleExpression.rate(trendingInterval)),
    };

    // ---- alarms ----------------------------------------------------------------------------------------
    const action = new SnsAction(props.alarmTopic);
    const alarms: Alarm[] = [];
    for (const job of ['cf', 'trending'] as const) {
      const failed = new Alarm(this, `${pascal(job)}ExecutionsFailedAlarm`, {
        alarmDescription: `Batch job ${job}: an execution failed (see the JobRuns record and the state machine log)`,
        metric: machines[job].metricFailed({ period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      const rejected = new Alarm(this, `${pascal(job)}RunRejectedAlarm`, {
        alarmDescription: `Batch job ${job}: the validation gate rejected a run; nothing was published (checks in JobRuns)`,
        metric: new Metric({
          namespace: METRICS_NAMESPACE,
          metricName: REJECTED_METRIC,
          dimensionsMap: { service: VALIDATE_SERVICE_NAME, [JOB_DIMENSION]: job },
          statistic: 'Sum',
          period: Duration.minutes(5),
        }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      for (const alarm of [failed, rejected]) {
        alarm.addAlarmAction(action);
        alarms.push(alarm);
      }
    }
    this.alarms = alarms;
  }

  private stateMachine(
    job: JobName,
    stepNames: readonly string[],
    fns: { plan: RecoFunction; validate: RecoFunction; publish: RecoFunction; recordFailure: RecoFunction },
    logGroup: LogGroup,
    props: BatchJobsProps,
  ): StateMachine {
    const scope = new Construct(this, `${pascal(job)}Job`);
    const lambdaStep = (id: string, fn: RecoFunction, payload: TaskInput, resultPath: string) => {
      const task = new LambdaInvoke(scope, id, {
        lambdaFunction: fn,
        payload,
        payloadResponseOnly: true,
        resultPath,
      });
      task.addRetry(LAMBDA_TRANSIENT);
      return task;
    };
    const fail = new Fail(scope, 'RunFailed', {
      error: 'JobRunFailed',
      cause: 'Recorded in JobRuns; notified the alarm topic',
    });
    const notify = new SnsPublish(scope, 'NotifyFailure', {
      topic: props.alarmTopic,
      subject: JsonPath.stringAt('$.failure.subject'),
      message: TaskInput.fromJsonPathAt('$.failure.message'),
      resultPath: JsonPath.DISCARD,
    }).next(fail);
    // Two recorders: before the plan exists there is no run id to mark.
    const recordPlanFailure = lambdaStep(
      'RecordPlanFailure',
      fns.recordFailure,
      TaskInput.fromObject({ job, error: JsonPath.objectAt('$.error') }),
      '$.failure',
    ).next(notify);
    const recordRunFailure = lambdaStep(
      'RecordRunFailure',
      fns.recordFailure,
      TaskInput.fromObject({
        job,
        runId: JsonPath.stringAt('$.plan.runId'),
        error: JsonPath.objectAt('$.error'),
      }),
      '$.failure',
    ).next(notify);
    const catchInto = (state: TaskStateBase, handler: IChainable) =>
      state.addCatch(handler, { errors: [Errors.ALL], resultPath: '$.error' });

    // The job is fixed per state machine; the execution input travels as `options` (e.g. `asOf` for a replay).
    const planStep = lambdaStep(
      'Plan',
      fns.plan,
      // The run's clock is the execution's start time (the local runner passes its own clock the same way).
      TaskInput.fromObject({
        job,
        options: JsonPath.objectAt('$'),
        startedAt: JsonPath.stringAt('$$.Execution.StartTime'),
      }),
      '$.plan',
    );
    catchInto(planStep, recordPlanFailure);

    const queries = stepNames.map((name, i) => {
      const query = new ScopedAthenaQuery(scope, `Query ${name}`, {
        queryString: JsonPath.stringAt(`$.plan.steps[${i}].athenaQuery`),
        queryExecutionContext: { databaseName: props.dataLake.database.ref },
        workGroup: props.dataLake.workGroupName,
        integrationPattern: IntegrationPattern.RUN_JOB,
        resultPath: JsonPath.DISCARD,
      });
      query.addRetry(ATHENA_TRANSIENT);
      catchInto(query, recordRunFailure);
      return query;
    });

    const validateStep = lambdaStep(
      'Validate',
      fns.validate,
      TaskInput.fromJsonPathAt('$.plan'),
      '$.validation',
    );
    catchInto(validateStep, recordRunFailure);
    const publishStep = lambdaStep('Publish', fns.publish, TaskInput.fromJsonPathAt('$.plan'), '$.publish');
    catchInto(publishStep, recordRunFailure);

    const gate = new Choice(scope, 'Gate passed?')
      .when(
        Condition.booleanEquals('$.validation.passed', true),
        publishStep.next(new Succeed(scope, 'Published')),
      )
      // The validate step already recorded the run as rejected and emitted RunsRejected (alarmed on).
      .otherwise(new Succeed(scope, 'Rejected, nothing published'));

    let chain: INextable & State = planStep;
    for (const query of queries) {
      chain.next(query);
      chain = query;
    }
    chain.next(validateStep);
    validateStep.next(gate);

    const machine = new StateMachine(this, `${pascal(job)}StateMachine`, {
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromChainable(planStep),
      timeout: Duration.hours(job === 'cf' ? 4 : 1),
      tracingEnabled: true,
      logs: { destination: logGroup, level: LogLevel.ALL, includeExecutionData: true },
      comment: `RecoStream batch job ${job}: plan, Athena queries, validation gate, versioned publish`,
    });
    (machine.node.defaultChild as CfnStateMachine).addMetadata(JOB_METADATA_KEY, job);
    return machine;
  }

  /** What Athena does on the state machines' behalf: read the lake tables, write `jobs/`, write results. */
  private grantAthena(machines: readonly StateMachine[], props: BatchJobsProps): void {
    const { dataLake, lakeBucket } = props;
    const stack = Stack.of(this);
    const database = dataLake.database.ref;
    for (const machine of machines) {
      machine.addToRolePolicy(
        new PolicyStatement({
          actions: ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:StopQueryExecution'],
          resources: [
            stack.formatArn({
              service: 'athena',
              resource: 'workgroup',
              resourceName: dataLake.workGroupName,
            }),
          ],
        }),
      );
      machine.addToRolePolicy(
        new PolicyStatement({
          actions: [
            'glue:GetDatabase',
            'glue:GetTable',
            'glue:GetPartition',
            'glue:GetPartitions',
            'glue:BatchGetPartition',
          ],
          resources: [
            stack.formatArn({ service: 'glue', resource: 'catalog' }),
            stack.formatArn({ service: 'glue', resource: 'database', resourceName: database }),
            ...[EVENTS_TABLE_NAME, CF_STATE_TABLE_NAME].map((table) =>
              stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${database}/${table}` }),
            ),
          ],
        }),
      );
      // Athena runs with the state machine's credentials: it reads events/ and reads and writes jobs/.
      grantPrefixAccess(machine, lakeBucket, [EVENTS_PREFIX], 'read');
      grantPrefixAccess(machine, lakeBucket, [JOBS_PREFIX], 'readWrite');
      dataLake.resultsBucket.grantReadWrite(machine);
      acknowledgeStateMachinePolicy(machine, lakeBucket, dataLake, Object.values(this.functions));
    }
  }
}

/**
 * AthenaStartQueryExecution with the policies passed in: the stock task grants s3:* reads on every bucket
 * and Glue create/delete on the whole catalog; the grants above give Athena exactly what these queries touch.
 */
class ScopedAthenaQuery extends AthenaStartQueryExecution {
  protected override readonly taskPolicies: PolicyStatement[];

  constructor(scope: Construct, id: string, props: AthenaStartQueryExecutionProps) {
    super(scope, id, props);
    this.taskPolicies = [];
  }
}

function pascal(name: string): string {
  return name
    .split(/[^a-zA-Z0-9]/)
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('');
}

function bucketLogicalId(bucket: IBucket): string | undefined {
  const cfn = bucket.node.defaultChild;
  return CfnResource.isCfnResource(cfn) ? Stack.of(cfn).getLogicalId(cfn) : undefined;
}

function acknowledgeBucketRead(policy: Construct | undefined, bucket: IBucket): void {
  if (!policy) return;
  const id = bucketLogicalId(bucket);
  const ack = (rule: string, reason: string) => Validations.of(policy).acknowledge({ id: rule, reason });
  if (id)
    ack(
      `AwsSolutions-IAM5[Resource::<${id}.Arn>/${JOBS_PREFIX}*]`,
      "Reads the query steps' outputs: object keys generated by Athena/DuckDB under the jobs/ prefix only.",
    );
}

function acknowledgeStateMachinePolicy(
  machine: StateMachine,
  lakeBucket: IBucket,
  dataLake: DataLake,
  functions: readonly RecoFunction[],
): void {
  const policy = machine.role.node.tryFindChild('DefaultPolicy');
  if (!policy) return;
  const ack = (rule: string, reason: string) => Validations.of(policy).acknowledge({ id: rule, reason });
  const s3Actions =
    "Part of the CDK grantReadWrite action set on the Athena results bucket (the workgroup's own bucket); the " +
    'lake grants name their actions and prefixes (grantPrefixAccess).';
  for (const action of ['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*'])
    ack(`AwsSolutions-IAM5[Action::${action}]`, s3Actions);
  const kms =
    'Added by the CDK bucket grants on the KMS-encrypted lake and results buckets; scoped to the one data key, ' +
    'the wildcard only spans the ReEncrypt* / GenerateDataKey* variants.';
  ack('AwsSolutions-IAM5[Action::kms:ReEncrypt*]', kms);
  ack('AwsSolutions-IAM5[Action::kms:GenerateDataKey*]', kms);
  const lakeId = bucketLogicalId(lakeBucket);
  if (lakeId) {
    ack(
      `AwsSolutions-IAM5[Resource::<${lakeId}.Arn>/events/*]`,
      'Athena reads the Parquet events Firehose writes under events/ (generated keys).',
    );
    ack(
      `AwsSolutions-IAM5[Resource::<${lakeId}.Arn>/${JOBS_PREFIX}*]`,
      'Athena UNLOADs every step under jobs/<job>/<step>/run=<runId>/ and reads the previous cf state there.',
    );
  }
  ack(
    'AwsSolutions-IAM5[Resource::*]',
    'X-Ray tracing (xray:PutTraceSegments, GetSamplingRules, ...) and CloudWatch Logs vended delivery ' +
      '(logs:CreateLogDelivery, ...) support no resource-level permissions; every other statement names its resources.',
  );
  for (const fn of functions) {
    const cfn = fn.node.defaultChild as CfnResource;
    ack(
      `AwsSolutions-IAM5[Resource::<${Stack.of(fn).getLogicalId(cfn)}.Arn>:*]`,
      'LambdaInvoke grants the function and its qualified versions/aliases (<arn>:*) of this one function only.',
    );
  }
  const resultsId = bucketLogicalId(dataLake.resultsBucket);
  if (resultsId)
    ack(
      `AwsSolutions-IAM5[Resource::<${resultsId}.Arn>/*]`,
      'Athena writes query results and UNLOAD manifests under generated keys in the workgroup results bucket.',
    );
}
