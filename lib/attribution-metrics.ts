import { type CfnResource, Duration, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, RuleTargetInput, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { DEFAULT_BACKFILL_HOURS, DEFAULT_LATENESS_MS } from '../lambdas/attribution/attribution-job';
import { ATTRIBUTION_TOUCHES_VIEW } from '../lambdas/shared/events/lake-views';
import { EVENTS_PREFIX } from '../lambdas/shared/lake-layout';
import { ATTRIBUTION_METRICS, METRICS_NAMESPACE, SERVICES } from '../lambdas/shared/metric-names';
import { type DataLake, EVENTS_TABLE_NAME } from './data-lake';
import { grantAthenaQueries } from './private/athena-grants';
import { KMS_GRANT_WILDCARDS, nagArn } from './private/nag-refs';
import { grantPrefixAccess } from './private/prefix-grants';
import { RecoFunction } from './recostream-function';

export interface AttributionMetricsProps {
  /** The lake bucket: Athena reads `events/` with the function's credentials. */
  readonly lakeBucket: IBucket;
  /** Glue database, Athena workgroup and results bucket the query runs in. */
  readonly dataLake: DataLake;
  /** Where the published hours are claimed (the batch jobs' JobRuns table, partition `attribution`). */
  readonly jobRunsTable: ITable;
  /** The data key of the JobRuns table and the lake. */
  readonly encryptionKey: IKey;
  /** The staleness and failure alarms notify this topic. */
  readonly alarmTopic: ITopic;
  /** @default Schedule.rate(Duration.hours(1)) */
  readonly schedule?: Schedule;
  /**
   * How long after an hour ends its events may still arrive and count: the hour is computed once, this
   * long after its end, from the events received by then.
   * @default Duration.hours(1)
   */
  readonly latenessAllowance?: Duration;
  /**
   * Closed hours each run looks back over (a failed run's hours are published by the next), 1 to 312 (13
   * days: CloudWatch refuses EMF timestamps older than 14 days).
   * @default 48
   */
  readonly backfillHours?: number;
}

/**
 * What recommendations earned, as CloudWatch metrics: an hourly EventBridge rule invokes a function that
 * runs sql/jobs/attribution_hourly.sql on Athena for every closed hour not yet published (impressions,
 * clicks, attributed purchases and revenue per placement and variant), claims each hour in JobRuns with a
 * conditional write, and emits the hour's numbers as EMF timestamped to the hour (namespace RecoStream,
 * dimensions service, Placement, Variant). An alarm fires when no hour was published for 3 hours.
 *
 * An EventBridge rule, not Scheduler: the local runtime maps AWS::Scheduler::Schedule to the Step Functions
 * batch jobs; locally this job runs through `recostream jobs run attribution --local` on DuckDB.
 */
export class AttributionMetrics extends Construct {
  public readonly function: RecoFunction;
  public readonly rule: Rule;
  public readonly staleAlarm: Alarm;
  public readonly failureAlarm: Alarm;

  constructor(scope: Construct, id: string, props: AttributionMetricsProps) {
    super(scope, id);
    const { dataLake, lakeBucket } = props;
    const lateness = props.latenessAllowance ?? Duration.millis(DEFAULT_LATENESS_MS);
    const backfillHours = props.backfillHours ?? DEFAULT_BACKFILL_HOURS;
    if (!Number.isInteger(backfillHours) || backfillHours < 1 || backfillHours > 312)
      throw new Error(`backfillHours must be an integer in [1, 312], got ${backfillHours}`);
    if (lateness.toSeconds() > 24 * 3600)
      throw new Error(`latenessAllowance must be at most 24 hours, got ${lateness.toHumanString()}`);

    this.function = new RecoFunction(this, 'Function', {
      entry: 'lambdas/attribution/handler.ts',
      serviceName: SERVICES.attribution,
      description:
        'Attribution metrics: what recommendations earned per closed hour, placement and variant (EMF)',
      memorySize: 512,
      timeout: Duration.minutes(10),
      environment: {
        ATHENA_WORKGROUP: dataLake.workGroupName,
        GLUE_DATABASE: dataLake.databaseName,
        ATTRIBUTION_LATENESS_SECONDS: String(lateness.toSeconds()),
        ATTRIBUTION_BACKFILL_HOURS: String(backfillHours),
        JOB_RUNS_TABLE_NAME: props.jobRunsTable.tableName,
      },
      // The query text travels next to the bundle, as for the batch jobs' plan step.
      copyIntoBundle: ['sql/jobs'],
    });
    const fn = this.function;
    // Published hours: read which are claimed, claim new ones. Nothing else of JobRuns.
    props.jobRunsTable.grant(fn, 'dynamodb:Query', 'dynamodb:PutItem');
    props.encryptionKey.grant(fn, 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey');
    // The query reads events and the attribution_touches view over it: Athena needs glue:GetTable on both.
    grantAthenaQueries(fn, dataLake, [EVENTS_TABLE_NAME, ATTRIBUTION_TOUCHES_VIEW]);
    // Athena reads with the caller's credentials: events/ only, and the workgroup's results bucket.
    grantPrefixAccess(fn, lakeBucket, [EVENTS_PREFIX], 'read');
    dataLake.resultsBucket.grantReadWrite(fn);

    this.rule = new Rule(this, 'Schedule', {
      description: 'Publishes the attribution metrics of the hours closed since the last run',
      schedule: props.schedule ?? Schedule.rate(Duration.hours(1)),
      targets: [new LambdaFunction(fn, { event: RuleTargetInput.fromObject({}), retryAttempts: 2 })],
    });

    const action = new SnsAction(props.alarmTopic);
    this.staleAlarm = new Alarm(this, 'StaleAlarm', {
      alarmDescription:
        'No attribution hour was published in 3 hours: the hourly job fails (its log, the Athena query) or ' +
        'does not run. The next successful run publishes the missed hours of its look-back.',
      metric: new Metric({
        namespace: METRICS_NAMESPACE,
        metricName: ATTRIBUTION_METRICS.hoursPublished,
        dimensionsMap: { service: SERVICES.attribution },
        statistic: 'Sum',
        period: Duration.hours(3),
      }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.BREACHING,
    });
    this.failureAlarm = new Alarm(this, 'FailureAlarm', {
      alarmDescription:
        'The attribution metrics function failed (see its log); the next run retries the hours.',
      metric: fn.metricErrors({ period: Duration.hours(1), statistic: 'Sum' }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    for (const alarm of [this.staleAlarm, this.failureAlarm]) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
    this.acknowledge(lakeBucket, dataLake);
  }

  private acknowledge(lakeBucket: IBucket, dataLake: DataLake): void {
    const policy = this.function.role?.node.tryFindChild('DefaultPolicy');
    if (policy) {
      const ack = (id: string, reason: string) => Validations.of(policy).acknowledge({ id, reason });
      // The buckets live in the data stack: a finding spells their ARN as the export's name (nag-refs.ts).
      const lakeArn = nagArn(lakeBucket, policy);
      if (lakeArn)
        ack(
          `AwsSolutions-IAM5[Resource::${lakeArn}/${EVENTS_PREFIX}*]`,
          'Athena reads the Parquet events Firehose writes under events/ (generated keys), with this role.',
        );
      const resultsArn = nagArn(dataLake.resultsBucket, policy);
      if (resultsArn)
        ack(
          `AwsSolutions-IAM5[Resource::${resultsArn}/*]`,
          'Athena writes query results under generated keys in the workgroup results bucket.',
        );
      const s3Actions =
        "Part of the CDK grantReadWrite action set on the Athena results bucket (the workgroup's own bucket).";
      for (const action of ['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*'])
        ack(`AwsSolutions-IAM5[Action::${action}]`, s3Actions);
      const kms =
        'Added by the CDK bucket grants on the KMS-encrypted results bucket; scoped to its one key, the ' +
        'wildcard only spans the ReEncrypt* / GenerateDataKey* variants.';
      for (const finding of KMS_GRANT_WILDCARDS) ack(finding, kms);
    }
    Validations.of(this.function.node.defaultChild as CfnResource).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason:
        'The hourly rule invokes this function asynchronously; a lost invocation needs no replay: the next run ' +
        'publishes every unpublished closed hour of its look-back, and the stale alarm treats missing data as breaching.',
    });
    Validations.of(this.rule).acknowledge({
      id: 'Serverless-EventBusDLQ',
      reason:
        'A missed hourly start is caught up by the next run (48 h look-back) and by the stale alarm; a DLQ ' +
        'message would add nothing to act on.',
    });
  }
}
