import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { CfnTable } from 'aws-cdk-lib/aws-glue';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { StepFunctionsStartExecution } from 'aws-cdk-lib/aws-scheduler-targets';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import {
  JOB_DIMENSION,
  JOB_FUNCTION_ENV,
  type JobFunction,
  REJECTED_METRIC,
} from '../lambdas/jobs/job-names';
import type { CfSettings, TrendingSettings } from '../lambdas/jobs/job-plan';
import {
  cfQuerySteps,
  DEFAULT_CF_SETTINGS,
  DEFAULT_TRENDING_SETTINGS,
  SQL_BUNDLE_DIR,
  trendingQuerySteps,
} from '../lambdas/jobs/job-sql';
import type { GateThresholds } from '../lambdas/jobs/validation-gate';
import { DEFAULT_KEEP_VERSIONS } from '../lambdas/jobs/versioning';
import { JOBS_PREFIX } from '../lambdas/shared/lake-layout';
import { JOB_SERVICES, METRICS_NAMESPACE } from '../lambdas/shared/metric-names';
import type { JobName } from '../lambdas/shared/published';
import { acknowledgeBucketRead, grantJobAthenaAccess } from './batch-jobs/athena-access';
import { createJobStateMachine } from './batch-jobs/job-state-machine';
import { pascal } from './batch-jobs/private/names';
import { createCfStateTable, type PublishedTableRefs } from './batch-jobs/published-tables';
import type { DataLake } from './data-lake';
import { allowCloudWatchLogs, LOG_RETENTION } from './private/log-groups';
import { grantPrefixAccess } from './private/prefix-grants';
import { RecoFunction } from './recostream-function';

export { JOB_METADATA_KEY } from './batch-jobs/job-state-machine';
export { CF_STATE_TABLE_NAME, createPublishedTables } from './batch-jobs/published-tables';
/** Everything the jobs write in the lake bucket lives under this prefix (its lifecycle: lib/lake-storage.ts). */
export { JOBS_PREFIX };

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
  /** The Similarities, Trending and JobRuns tables (`createPublishedTables`, in the data stack). */
  readonly publishedTables: PublishedTableRefs;
}

/**
 * The scheduled batch jobs: a Standard state machine per job (plan Lambda, the job's Athena queries as
 * StartQueryExecution .sync tasks in order, validation-gate Lambda, a Choice, publish Lambda; any error is
 * caught, recorded on the run and published to the alarm topic), their EventBridge Scheduler schedules,
 * the versioned Similarities / Trending tables with the JobRuns table holding runs and active-version
 * pointers, the `cf_state` Glue table, and alarms on failed executions and rejected runs.
 */
export class BatchJobs extends Construct {
  public readonly similaritiesTable: ITable;
  public readonly trendingTable: ITable;
  public readonly jobRunsTable: ITable;
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

    const tables = props.publishedTables;
    this.similaritiesTable = tables.similaritiesTable;
    this.trendingTable = tables.trendingTable;
    this.jobRunsTable = tables.jobRunsTable;
    this.cfStateTable = createCfStateTable(this, lakeBucket, dataLake.database.ref);

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
        serviceName: JOB_SERVICES[name],
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
      machines[job] = createJobStateMachine(this, {
        job,
        stepNames: stepNames[job],
        functions: { plan, validate, publish, recordFailure },
        logGroup,
        alarmTopic: props.alarmTopic,
        dataLake,
      });
    }
    this.stateMachines = machines;
    grantJobAthenaAccess(Object.values(machines), {
      lakeBucket,
      dataLake,
      functions: Object.values(this.functions),
    });

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
          dimensionsMap: { service: JOB_SERVICES.validate, [JOB_DIMENSION]: job },
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
}
