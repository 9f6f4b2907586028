import { Duration } from 'aws-cdk-lib';
import { type IMetric, MathExpression, Metric, Stats } from 'aws-cdk-lib/aws-cloudwatch';
import {
  CATALOGUE_METRICS,
  CONSUMER_METRICS,
  INGEST_METRICS,
  LAKE_PSEUDONYM_METRICS,
  METRICS_NAMESPACE,
  SERVICES,
} from '../../lambdas/shared/metric-names';

/** A metric of the lake's Firehose delivery stream (namespace AWS/Firehose). */
export function firehoseMetric(
  deliveryStreamName: string,
  metricName: string,
  statistic: string,
  period: Duration,
): Metric {
  return new Metric({
    namespace: 'AWS/Firehose',
    metricName,
    dimensionsMap: { DeliveryStreamName: deliveryStreamName },
    statistic,
    period,
  });
}

/** An alarm that fires when records were lost, or sent to `errors/` instead of the lake. */
export interface DataLossAlarm {
  readonly name: string;
  readonly metric: IMetric;
  /** Minutes with a record, of `evaluationPeriods`, that fire the alarm. */
  readonly datapointsToAlarm: number;
  readonly evaluationPeriods: number;
  readonly description: string;
}

export interface DataLossAlarmsProps {
  /** The lake's Firehose delivery stream. */
  readonly deliveryStreamName: string;
  /** Whether the lake is pseudonymised (the transformation function exists). */
  readonly lakePseudonymizer: boolean;
}

/**
 * Where the pipeline can drop or divert a record and says so in a metric: the ingest API could not quarantine
 * rejected events, or could not publish accepted ones after retries (the client got 503 and must resend);
 * `PUT /v1/items` could not quarantine a refused body; the consumer could not fill catalogue items from
 * product events (retried at the item's next event, so it fires when it lasts 3 minutes out of 5);
 * Firehose could not convert or partition records (they went to `errors/`); the pseudonymiser failed records
 * (they went to `errors/processing-failed/` with their real ids). Each fires on any occurrence, except
 * publish failures, which a client's retry repairs: those fire when they last 3 minutes out of 5.
 */
export function dataLossAlarms(props: DataLossAlarmsProps): DataLossAlarm[] {
  const minute = Duration.minutes(1);
  const custom = (metricName: string, service: string) =>
    new Metric({
      namespace: METRICS_NAMESPACE,
      metricName,
      dimensionsMap: { service },
      statistic: Stats.SUM,
      period: minute,
    });
  const firehose = (metricName: string, statistic: string) =>
    firehoseMetric(props.deliveryStreamName, metricName, statistic, minute);
  const alarms: DataLossAlarm[] = [
    {
      name: 'QuarantineWriteFailures',
      metric: custom(INGEST_METRICS.quarantineWriteFailures, SERVICES.ingest),
      datapointsToAlarm: 1,
      evaluationPeriods: 1,
      description: 'The ingest API could not write rejected events to quarantine/: they are lost',
    },
    {
      name: 'CatalogueQuarantineWriteFailures',
      metric: custom(CATALOGUE_METRICS.quarantineWriteFailures, SERVICES.catalogue),
      datapointsToAlarm: 1,
      evaluationPeriods: 1,
      description:
        'PUT /v1/items could not write refused request bodies to quarantine/: they are lost (clients got their 4xx)',
    },
    {
      name: 'CatalogueFillFailures',
      metric: custom(CONSUMER_METRICS.catalogueFillFailures, SERVICES.consumer),
      datapointsToAlarm: 3,
      evaluationPeriods: 5,
      description:
        'The consumer could not fill catalogue items from product events in 3 of 5 minutes (each is retried ' +
        "at the item's next event; titles and prices stay missing until then)",
    },
    {
      name: 'IngestPublishFailures',
      metric: custom(INGEST_METRICS.publishFailures, SERVICES.ingest),
      datapointsToAlarm: 3,
      evaluationPeriods: 5,
      description:
        'Kinesis refused accepted events after retries (clients got 503 and must resend) in 3 of 5 minutes',
    },
    {
      name: 'FirehoseErrorDeliveries',
      metric: new MathExpression({
        expression: 'FILL(conversion, 0) + FILL(partitions, 0)',
        usingMetrics: {
          conversion: firehose('FailedConversion.Records', Stats.SUM),
          partitions: firehose('PartitionCountExceeded', Stats.MAXIMUM),
        },
        label: 'Records Firehose sent to errors/',
        period: minute,
      }),
      datapointsToAlarm: 1,
      evaluationPeriods: 1,
      description:
        'Firehose sent records to errors/ instead of the lake (Parquet conversion failed, or the active ' +
        'partition limit was exceeded)',
    },
  ];
  if (props.lakePseudonymizer)
    alarms.push({
      name: 'LakePseudonymizationFailures',
      metric: custom(LAKE_PSEUDONYM_METRICS.failed, SERVICES.lakePseudonymize),
      datapointsToAlarm: 1,
      evaluationPeriods: 1,
      description:
        'The lake pseudonymiser failed records: they went to errors/processing-failed/ with their real ids',
    });
  return alarms;
}
