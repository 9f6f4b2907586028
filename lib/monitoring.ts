import { Duration, Stack } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  SingleValueWidget,
  Stats,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IStream } from 'aws-cdk-lib/aws-kinesis';
import type { CfnDeliveryStream } from 'aws-cdk-lib/aws-kinesisfirehose';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import {
  CANARY_METRICS,
  CONSUMER_METRICS,
  INGEST_METRICS,
  METRICS_NAMESPACE,
  SERVICES,
  VARIANT_DIMENSION,
} from '../lambdas/shared/metric-names';
import { attributionWidgets } from './monitoring/attribution-widgets';
import { dataLossAlarms, firehoseMetric } from './monitoring/data-loss-alarms';
import { type AlarmOptions, batchJobMonitoring } from './monitoring/job-monitoring';
import { rowCacheWidget } from './monitoring/recommend-widgets';

/** Alarm thresholds; every one can be overridden through `MonitoringProps.thresholds`. */
export interface MonitoringThresholds {
  /** Kinesis GetRecords.IteratorAgeMilliseconds (maximum over a minute), ms. */
  readonly iteratorAgeMs: number;
  /** Firehose DeliveryToS3.DataFreshness, as a multiple of the buffer interval. */
  readonly firehoseFreshnessBufferMultiple: number;
  /** Consumer Errors / Invocations over 5 minutes, percent. */
  readonly consumerErrorRatePercent: number;
  /** API 5XXError / Count over 5 minutes, percent. */
  readonly api5xxRatePercent: number;
  /** API p99 Latency over 5 minutes, ms. */
  readonly apiP99LatencyMs: number;
  /** Hours without a successful (published) run before a batch job is stale. */
  readonly jobStalenessHours: number;
  /** Canary end-to-end freshness SLO (ingest accepted -> visible in the profile), ms. */
  readonly freshnessSloMs: number;
}

export const DEFAULT_THRESHOLDS: MonitoringThresholds = {
  iteratorAgeMs: 60_000,
  firehoseFreshnessBufferMultiple: 2,
  consumerErrorRatePercent: 1,
  api5xxRatePercent: 1,
  apiP99LatencyMs: 1000,
  jobStalenessHours: 26,
  freshnessSloMs: 10_000,
};

export interface MonitoredBatchJob {
  /** The job name (JobName of lambdas/shared/published.ts): the `job` dimension of the job metrics. */
  readonly name: string;
  readonly stateMachine: IStateMachine;
}

export interface MonitoringProps {
  /** Every alarm (and its return to OK) notifies this topic. */
  readonly alarmTopic: ITopic;
  /** Optional e-mail subscription to the alarm topic (context `alarmEmail`). */
  readonly alarmEmail?: string;
  readonly ingestApi: RestApi;
  readonly stream: IStream;
  readonly consumerFunction: IFunction;
  readonly deadLetterQueue: IQueue;
  /** The recommendation API's impression dead-letter queue, when it has one. */
  readonly impressionDeadLetterQueue?: IQueue;
  /** Batches the consumer's event source mapping gave up on (S3 on-failure destination), when it has one. */
  readonly failedBatches?: IMetric;
  /** Name of the Firehose delivery stream (stream -> lake). */
  readonly deliveryStreamName: string;
  /** Its buffer interval: the freshness alarm fires above a multiple of it. */
  readonly firehoseBufferInterval: Duration;
  /** Batch jobs (Step Functions), when they exist. */
  readonly batchJobs?: readonly MonitoredBatchJob[];
  /**
   * Whether this construct alarms on failed and rejected job runs; off when the batch-jobs construct
   * already has those alarms (it does), so nobody gets paged twice. Staleness is always alarmed here.
   * @default true
   */
  readonly alarmOnJobFailures?: boolean;
  /** The recommendation API, when it exists. */
  readonly recommendationApi?: RestApi;
  /** Recommendation variants whose click-through rate the dashboard draws. @default ['control'] */
  readonly ctrVariants?: readonly string[];
  /** Whether the freshness canary runs (its SLO alarm then treats missing data as breaching). */
  readonly freshnessCanary?: boolean;
  /** The lake is pseudonymised: alarm on records the pseudonymiser failed. @default false */
  readonly lakePseudonymizer?: boolean;
  /** The attribution metrics job runs (lib/attribution-metrics.ts): draw its metrics. @default false */
  readonly attributionMetrics?: boolean;
  readonly thresholds?: Partial<MonitoringThresholds>;
}

/**
 * CloudWatch dashboard and alarms of the pipeline: ingest, stream, consumer, lake delivery, batch jobs,
 * APIs and the end-to-end freshness canary. Every alarm notifies the alarm topic.
 */
export class Monitoring extends Construct {
  public readonly dashboard: Dashboard;
  /** Alarms by short name, e.g. `IteratorAge`, `BatchJobStale-cf`. */
  public readonly alarms: Readonly<Record<string, Alarm>>;
  public readonly thresholds: MonitoringThresholds;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const t = { ...DEFAULT_THRESHOLDS, ...props.thresholds };
    for (const [name, value] of Object.entries(t)) {
      if (!(typeof value === 'number' && Number.isFinite(value) && value > 0))
        throw new Error(`Monitoring threshold ${name} must be a positive number, got ${value}`);
    }
    this.thresholds = t;
    if (props.alarmEmail !== undefined) {
      if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(props.alarmEmail))
        throw new Error(`alarmEmail must be an e-mail address, got '${props.alarmEmail}'`);
      props.alarmTopic.addSubscription(new EmailSubscription(props.alarmEmail));
    }
    const bufferSeconds = props.firehoseBufferInterval.toSeconds();
    const fiveMinutes = Duration.minutes(5);
    const minute = Duration.minutes(1);
    const alarms: Record<string, Alarm> = {};
    const action = new SnsAction(props.alarmTopic);
    const alarm = (name: string, metric: IMetric, options: AlarmOptions) => {
      const created = new Alarm(this, `${name}Alarm`, {
        metric,
        threshold: options.threshold,
        comparisonOperator: options.comparison ?? ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: options.evaluationPeriods ?? 3,
        datapointsToAlarm: options.datapointsToAlarm ?? options.evaluationPeriods ?? 3,
        treatMissingData: options.treatMissingData ?? TreatMissingData.NOT_BREACHING,
        alarmDescription: options.description,
      });
      created.addAlarmAction(action);
      created.addOkAction(action);
      alarms[name] = created;
      return created;
    };

    // --- ingest -------------------------------------------------------------------------------------
    const custom = (metricName: string, service: string, statistic: string, extra = {}) =>
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service, ...extra },
        statistic,
        period: minute,
      });
    const accepted = custom(INGEST_METRICS.accepted, SERVICES.ingest, Stats.SUM);
    // Rejections carry a `reason` dimension (a closed set of codes): sum whatever reasons appear.
    const rejectedSearch = (metricName: string) =>
      new MathExpression({
        expression: `SUM(SEARCH('{${METRICS_NAMESPACE},reason,service} MetricName="${metricName}" service="${SERVICES.ingest}"', 'Sum', 60))`,
        label: metricName,
        period: minute,
      });

    // --- stream ---------------------------------------------------------------------------------------
    const iteratorAge = props.stream.metricGetRecordsIteratorAgeMilliseconds({
      statistic: Stats.MAXIMUM,
      period: minute,
    });
    alarm('IteratorAge', iteratorAge, {
      threshold: t.iteratorAgeMs,
      description: `Events stream readers are more than ${t.iteratorAgeMs / 1000} s behind (GetRecords iterator age)`,
    });

    // --- consumer ------------------------------------------------------------------------------------
    const fn = props.consumerFunction;
    const consumerErrorRate = new MathExpression({
      expression: '100 * errors / MAX([invocations, 1])',
      usingMetrics: {
        errors: fn.metricErrors({ statistic: Stats.SUM, period: fiveMinutes }),
        invocations: fn.metricInvocations({ statistic: Stats.SUM, period: fiveMinutes }),
      },
      label: 'Consumer error rate (%)',
      period: fiveMinutes,
    });
    alarm('ConsumerErrorRate', consumerErrorRate, {
      threshold: t.consumerErrorRatePercent,
      description: `Stream consumer errors above ${t.consumerErrorRatePercent}% of invocations`,
    });
    const dlqDepth = props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
      statistic: Stats.MAXIMUM,
      period: minute,
    });
    alarm('DeadLetterQueueNotEmpty', dlqDepth, {
      threshold: 0,
      evaluationPeriods: 1,
      description: 'Records the consumer could not process are waiting in the dead-letter queue',
    });
    if (props.impressionDeadLetterQueue) {
      const impressionDlqDepth = props.impressionDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
        statistic: Stats.MAXIMUM,
        period: minute,
      });
      alarm('ImpressionDeadLetterQueueNotEmpty', impressionDlqDepth, {
        threshold: 0,
        evaluationPeriods: 1,
        description:
          'Recommendation impressions the stream did not take are waiting in their dead-letter queue ' +
          '(docs/operations.md: replay them through the ingest API with their eventId)',
      });
    }
    if (props.failedBatches) {
      alarm('ConsumerGaveUpOnBatch', props.failedBatches, {
        threshold: 0,
        evaluationPeriods: 1,
        description:
          'The event source mapping gave up on a batch: it is in the failed-batches bucket, not yet applied ' +
          '(docs/operations.md: npx recostream dlq replay)',
      });
    }

    // --- lake delivery ----------------------------------------------------------------------------------
    const firehose = (metricName: string, statistic: string) =>
      firehoseMetric(props.deliveryStreamName, metricName, statistic, fiveMinutes);
    const freshness = firehose('DeliveryToS3.DataFreshness', Stats.MAXIMUM);
    const freshnessLimit = t.firehoseFreshnessBufferMultiple * bufferSeconds;
    alarm('FirehoseFreshness', freshness, {
      threshold: freshnessLimit,
      evaluationPeriods: 2,
      description: `Oldest record not yet in the lake is older than ${freshnessLimit} s (${t.firehoseFreshnessBufferMultiple}x the ${bufferSeconds} s buffer interval)`,
    });
    const deliverySuccess = firehose('DeliveryToS3.Success', Stats.AVERAGE);
    const lost = dataLossAlarms({
      deliveryStreamName: props.deliveryStreamName,
      lakePseudonymizer: props.lakePseudonymizer ?? false,
    });
    for (const { name, metric, description, evaluationPeriods, datapointsToAlarm } of lost)
      alarm(name, metric, { threshold: 0, evaluationPeriods, datapointsToAlarm, description });

    // --- APIs ----------------------------------------------------------------------------------------
    const apis: Array<[string, RestApi]> = [['IngestApi', props.ingestApi]];
    if (props.recommendationApi) apis.push(['RecommendationApi', props.recommendationApi]);
    const apiWidgets: GraphWidget[] = [];
    for (const [name, api] of apis) {
      const count = api.metricCount({ statistic: Stats.SUM, period: fiveMinutes });
      const errors5xx = api.metricServerError({ statistic: Stats.SUM, period: fiveMinutes });
      const errors4xx = api.metricClientError({ statistic: Stats.SUM, period: fiveMinutes });
      alarm(
        `${name}5xxRate`,
        new MathExpression({
          expression: '100 * e5xx / MAX([requests, 1])',
          usingMetrics: { e5xx: errors5xx, requests: count },
          label: `${name} 5xx rate (%)`,
          period: fiveMinutes,
        }),
        {
          threshold: t.api5xxRatePercent,
          description: `${name}: 5xx responses above ${t.api5xxRatePercent}% of requests`,
        },
      );
      const p99 = api.metricLatency({ statistic: Stats.percentile(99), period: fiveMinutes });
      alarm(`${name}P99Latency`, p99, {
        threshold: t.apiP99LatencyMs,
        description: `${name}: p99 latency above ${t.apiP99LatencyMs} ms`,
      });
      apiWidgets.push(
        new GraphWidget({
          title: `${name} latency p50 / p99 (ms)`,
          left: [api.metricLatency({ statistic: Stats.percentile(50), period: fiveMinutes }), p99],
          width: 12,
        }),
        new GraphWidget({
          title: `${name} requests, 4xx, 5xx`,
          left: [count, errors4xx, errors5xx],
          width: 12,
        }),
      );
    }

    // --- batch jobs ----------------------------------------------------------------------------------
    const jobWidgets = batchJobMonitoring(props.batchJobs ?? [], {
      alarm,
      alarmOnFailures: props.alarmOnJobFailures ?? true,
      stalenessHours: t.jobStalenessHours,
    });

    // --- freshness canary ------------------------------------------------------------------------------
    const canaryProfile = custom(CANARY_METRICS.profileFreshness, SERVICES.canary, Stats.MAXIMUM);
    const canaryReco = custom(CANARY_METRICS.recommendationFreshness, SERVICES.canary, Stats.MAXIMUM);
    if (props.freshnessCanary) {
      alarm('FreshnessSlo', canaryProfile, {
        threshold: t.freshnessSloMs,
        evaluationPeriods: 5,
        datapointsToAlarm: 3,
        // The canary runs every minute: silence means it cannot get an event through.
        treatMissingData: TreatMissingData.BREACHING,
        description: `End-to-end freshness above the ${t.freshnessSloMs / 1000} s SLO (3 of 5 canary runs)`,
      });
      // No data while nothing is published (the canary skips the check); a check that times out publishes
      // no figure, so CanaryFailures below pages for it.
      alarm('RecommendationFreshnessSlo', canaryReco, {
        threshold: t.freshnessSloMs,
        evaluationPeriods: 5,
        datapointsToAlarm: 3,
        description:
          `Canary event reflected by the recommendation API later than the ${t.freshnessSloMs / 1000} s SLO ` +
          '(3 of 5 canary runs)',
      });
      alarm('CanaryFailures', custom(CANARY_METRICS.failures, SERVICES.canary, Stats.SUM), {
        threshold: 0,
        evaluationPeriods: 5,
        datapointsToAlarm: 3,
        description:
          'The canary event was not visible in the profile or the recommendation API in time (3 of 5 runs)',
      });
    }

    // --- CTR per variant -------------------------------------------------------------------------------
    const variants = props.ctrVariants ?? ['control'];
    const ctr = variants.map(
      (variant, i) =>
        new MathExpression({
          expression: `100 * c${i} / MAX([i${i}, 1])`,
          usingMetrics: {
            [`c${i}`]: custom(CONSUMER_METRICS.recommendationClicks, SERVICES.consumer, Stats.SUM, {
              [VARIANT_DIMENSION]: variant,
            }).with({ period: Duration.hours(1) }),
            [`i${i}`]: custom(CONSUMER_METRICS.recommendationImpressions, SERVICES.consumer, Stats.SUM, {
              [VARIANT_DIMENSION]: variant,
            }).with({ period: Duration.hours(1) }),
          },
          label: `CTR ${variant} (%)`,
          period: Duration.hours(1),
        }),
    );

    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: `${Stack.of(this).stackName}-pipeline`,
      defaultInterval: Duration.hours(3),
    });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: '# RecoStream pipeline\nIngest -> stream -> consumer / lake -> batch jobs -> APIs',
        width: 24,
        height: 1,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Ingest: events accepted and rejected (per minute)',
        left: [
          accepted,
          rejectedSearch(INGEST_METRICS.rejected),
          rejectedSearch(INGEST_METRICS.requestsRejected),
        ],
        width: 12,
      }),
      new GraphWidget({
        title: 'Kinesis: incoming records and throttles',
        left: [props.stream.metricIncomingRecords({ statistic: Stats.SUM, period: minute })],
        right: [
          props.stream.metricPutRecordsThrottledRecords({ statistic: Stats.SUM, period: minute }),
          props.stream.metricWriteProvisionedThroughputExceeded({ statistic: Stats.SUM, period: minute }),
          props.stream.metricReadProvisionedThroughputExceeded({ statistic: Stats.SUM, period: minute }),
        ],
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Stream iterator age (ms)',
        left: [iteratorAge, fn.metric('IteratorAge', { statistic: Stats.MAXIMUM, period: minute })],
        leftAnnotations: [{ value: t.iteratorAgeMs, label: 'alarm' }],
        width: 8,
      }),
      new GraphWidget({
        title: 'Consumer duration (ms)',
        left: [
          fn.metricDuration({ statistic: Stats.AVERAGE, period: minute }),
          fn.metricDuration({ statistic: Stats.percentile(99), period: minute }),
        ],
        width: 8,
      }),
      new GraphWidget({
        title: 'Consumer errors and batch item failures',
        left: [
          fn.metricErrors({ statistic: Stats.SUM, period: minute }),
          custom(CONSUMER_METRICS.batchItemFailures, SERVICES.consumer, Stats.SUM),
          custom(CONSUMER_METRICS.poison, SERVICES.consumer, Stats.SUM),
        ],
        right: [consumerErrorRate],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new SingleValueWidget({ title: 'Dead-letter queue depth', metrics: [dlqDepth], width: 6 }),
      new GraphWidget({
        title: 'Firehose DeliveryToS3.DataFreshness (s)',
        left: [freshness],
        leftAnnotations: [{ value: freshnessLimit, label: 'alarm' }],
        width: 9,
      }),
      new GraphWidget({ title: 'Firehose DeliveryToS3.Success', left: [deliverySuccess], width: 9 }),
    );
    if (jobWidgets.length > 0) this.dashboard.addWidgets(...jobWidgets);
    this.dashboard.addWidgets(...apiWidgets);
    if (props.recommendationApi) this.dashboard.addWidgets(rowCacheWidget(minute));
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'End-to-end freshness (canary, ms)',
        left: [canaryProfile, canaryReco],
        leftAnnotations: [{ value: t.freshnessSloMs, label: 'SLO' }],
        width: 12,
      }),
      new GraphWidget({ title: 'Click-through rate per variant (%)', left: ctr, width: 12 }),
    );
    if (props.attributionMetrics) this.dashboard.addWidgets(...attributionWidgets());
    this.alarms = alarms;
  }
}

/** The buffer interval a Firehose delivery stream was configured with (lib/data-lake.ts sets it). */
export function firehoseBufferInterval(deliveryStream: CfnDeliveryStream): Duration {
  const destination = deliveryStream.extendedS3DestinationConfiguration as
    | CfnDeliveryStream.ExtendedS3DestinationConfigurationProperty
    | undefined;
  const hints = destination?.bufferingHints as CfnDeliveryStream.BufferingHintsProperty | undefined;
  const seconds = hints?.intervalInSeconds;
  if (typeof seconds !== 'number')
    throw new Error(`Delivery stream ${deliveryStream.node.path} has no literal buffer interval`);
  return Duration.seconds(seconds);
}
