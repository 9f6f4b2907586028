/**
 * The batch jobs' alarms and dashboard widgets: a run that failed, timed out or was rejected by the
 * validation gate, and no good run within the staleness window. The alarms are made by the Monitoring
 * construct's `alarm` (its scope, its SNS actions), so their logical ids are the construct's.
 */
import { Duration } from 'aws-cdk-lib';
import {
  type Alarm,
  ComparisonOperator,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  Stats,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import {
  JOB_DIMENSION,
  JOB_METRICS,
  JOB_SERVICES,
  METRICS_NAMESPACE,
} from '../../lambdas/shared/metric-names';
import type { MonitoredBatchJob } from '../monitoring';

export interface AlarmOptions {
  readonly threshold: number;
  readonly comparison?: ComparisonOperator;
  readonly evaluationPeriods?: number;
  readonly datapointsToAlarm?: number;
  readonly treatMissingData?: TreatMissingData;
  readonly description: string;
}

export interface BatchJobMonitoringOptions {
  /** Creates an alarm in the Monitoring construct (with the topic's actions). */
  readonly alarm: (name: string, metric: IMetric, options: AlarmOptions) => Alarm;
  readonly alarmOnFailures: boolean;
  readonly stalenessHours: number;
}

const FIVE_MINUTES = Duration.minutes(5);

/** Alarms for every job, and the dashboard widgets that go with them. */
export function batchJobMonitoring(
  jobs: readonly MonitoredBatchJob[],
  options: BatchJobMonitoringOptions,
): GraphWidget[] {
  const jobWidgets: GraphWidget[] = [];
  for (const job of jobs) {
    const jobMetric = (metricName: string, service: string, statistic: string, period: Duration) =>
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service, [JOB_DIMENSION]: job.name },
        statistic,
        period,
      });
    // One PublishedItems data point per published run: its sample count counts good runs.
    const goodRuns = (period: Duration) =>
      jobMetric(JOB_METRICS.published, JOB_SERVICES.publish, Stats.SAMPLE_COUNT, period);
    if (options.alarmOnFailures) {
      options.alarm(
        `BatchJobFailed-${job.name}`,
        new MathExpression({
          expression: 'failed + timedOut + rejected',
          usingMetrics: {
            failed: job.stateMachine.metricFailed({ statistic: Stats.SUM, period: FIVE_MINUTES }),
            timedOut: job.stateMachine.metricTimedOut({ statistic: Stats.SUM, period: FIVE_MINUTES }),
            rejected: jobMetric(JOB_METRICS.rejected, JOB_SERVICES.validate, Stats.SUM, FIVE_MINUTES),
          },
          label: `${job.name} failed runs`,
          period: FIVE_MINUTES,
        }),
        {
          threshold: 1,
          comparison: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 1,
          description: `Batch job ${job.name}: a run failed, timed out or was rejected by the validation gate`,
        },
      );
    }
    // Hourly periods over the staleness window; no data (no run at all) counts as breaching.
    const staleHours = Math.ceil(options.stalenessHours);
    options.alarm(`BatchJobStale-${job.name}`, goodRuns(Duration.hours(1)), {
      threshold: 1,
      comparison: ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: staleHours,
      treatMissingData: TreatMissingData.BREACHING,
      description: `Batch job ${job.name}: no successful run in ${staleHours} h`,
    });
    jobWidgets.push(
      new GraphWidget({
        title: `Batch job ${job.name}: runs`,
        left: [
          job.stateMachine.metricSucceeded({ statistic: Stats.SUM, period: Duration.hours(1) }),
          job.stateMachine.metricFailed({ statistic: Stats.SUM, period: Duration.hours(1) }),
          goodRuns(Duration.hours(1)).with({ label: 'published runs' }),
          jobMetric(JOB_METRICS.rejected, JOB_SERVICES.validate, Stats.SUM, Duration.hours(1)),
        ],
        width: 12,
      }),
      new GraphWidget({
        title: `Batch job ${job.name}: age of the last good run (s)`,
        left: [jobMetric(JOB_METRICS.lastSuccessAgeSeconds, JOB_SERVICES.plan, Stats.MAXIMUM, FIVE_MINUTES)],
        leftAnnotations: [{ value: options.stalenessHours * 3600, label: 'stale' }],
        width: 12,
      }),
    );
  }
  return jobWidgets;
}
