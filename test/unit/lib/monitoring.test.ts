/**
 * The monitoring construct: every alarm watches the right metric with the documented threshold and
 * comparison and notifies the alarm topic; the dashboard draws the documented widgets. Checked once on the
 * real stack (what exists today) and once on a standalone stack with batch jobs and a recommendation API.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { MockIntegration, RestApi } from 'aws-cdk-lib/aws-apigateway';
import { Stream } from 'aws-cdk-lib/aws-kinesis';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { DefinitionBody, Pass, StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Monitoring, type MonitoringProps } from '../../../lib/monitoring';
import { logicalIdOf, synthApp, testApp } from './helpers';

type Resource = { Properties: Record<string, unknown> };
type Query = { Id: string; Expression?: string; MetricStat: { Metric: Record<string, unknown> } };

function alarmsOf(template: Template): Record<string, Resource['Properties']> {
  const alarms = template.findResources('AWS::CloudWatch::Alarm') as Record<string, Resource>;
  return Object.fromEntries(Object.entries(alarms).map(([id, r]) => [id, r.Properties]));
}

function alarmNamed(template: Template, name: string): Record<string, unknown> {
  const matches = Object.entries(alarmsOf(template)).filter(([id]) =>
    id.startsWith(`Monitoring${name.replace(/[^A-Za-z0-9]/g, '')}Alarm`),
  );
  if (matches.length !== 1) throw new Error(`expected one alarm ${name}, found ${matches.length}`);
  return (matches[0] as [string, Record<string, unknown>])[1];
}

/** The dashboard body with the CloudFormation tokens replaced by their logical ids. */
function dashboardBody(template: Template): string {
  const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard')) as Resource[];
  const body = (dashboard as Resource).Properties.DashboardBody as { 'Fn::Join': [string, unknown[]] };
  return body['Fn::Join'][1]
    .map((part) => (typeof part === 'string' ? part : `<${JSON.stringify(part)}>`))
    .join('');
}

function widgetTitles(template: Template): string[] {
  const body = JSON.parse(dashboardBody(template).replace(/<[^>]*>/g, 'TOKEN')) as {
    widgets: Array<{ properties: { title?: string } }>;
  };
  return body.widgets.map((w) => w.properties.title).filter((t): t is string => t !== undefined);
}

describe('Monitoring on the RecoStream stack', () => {
  const { stack, dataStack, template } = synthApp();
  const topic = { Ref: logicalIdOf(stack.alarmTopic) };

  it('sends every alarm and its recovery to the alarm topic', () => {
    const alarms = Object.entries(alarmsOf(template)).filter(([id]) => id.startsWith('Monitoring'));
    // iterator age, DLQ, batches given up, Firehose, consumer errors, 2 x (5xx, p99) for 2 APIs,
    // 2 x job staleness, canary: profile SLO, recommendation SLO, failures;
    // data loss: quarantine writes (ingest, catalogue), catalogue fills, publishes, Firehose errors,
    // impressions dead-lettered
    expect(alarms.length).toBe(5 + 4 + 2 + 3 + 6);
    for (const [, alarm] of alarms) {
      expect(alarm.AlarmActions).toEqual([topic]);
      expect(alarm.OKActions).toEqual([topic]);
    }
  });

  describe('data loss (issue 13: none of these had an alarm)', () => {
    it('alarms on any rejected event the ingest API could not quarantine', () => {
      expect(alarmNamed(template, 'QuarantineWriteFailures')).toMatchObject({
        Namespace: 'RecoStream',
        MetricName: 'QuarantineWriteFailures',
        Dimensions: [{ Name: 'service', Value: 'ingest' }],
        Statistic: 'Sum',
        Period: 60,
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        EvaluationPeriods: 1,
      });
    });

    it('alarms on any refused catalogue body PUT /v1/items could not quarantine', () => {
      expect(alarmNamed(template, 'CatalogueQuarantineWriteFailures')).toMatchObject({
        Namespace: 'RecoStream',
        MetricName: 'QuarantineWriteFailures',
        Dimensions: [{ Name: 'service', Value: 'catalogue' }],
        Statistic: 'Sum',
        Threshold: 0,
        EvaluationPeriods: 1,
      });
    });

    it('alarms when the consumer cannot fill catalogue items from events in 3 of 5 minutes', () => {
      expect(alarmNamed(template, 'CatalogueFillFailures')).toMatchObject({
        Namespace: 'RecoStream',
        MetricName: 'CatalogueFillFailures',
        Dimensions: [{ Name: 'service', Value: 'stream-consumer' }],
        Statistic: 'Sum',
        DatapointsToAlarm: 3,
        EvaluationPeriods: 5,
      });
    });

    it('alarms on events Kinesis refused after retries in 3 of 5 minutes', () => {
      expect(alarmNamed(template, 'IngestPublishFailures')).toMatchObject({
        MetricName: 'PublishFailures',
        Dimensions: [{ Name: 'service', Value: 'ingest' }],
        Threshold: 0,
        EvaluationPeriods: 5,
        DatapointsToAlarm: 3,
      });
    });

    it('alarms on any record Firehose sends to errors/ (conversion failures, partition limit)', () => {
      const alarm = alarmNamed(template, 'FirehoseErrorDeliveries') as {
        Metrics: Query[];
        Threshold: number;
      };
      expect(alarm.Threshold).toBe(0);
      expect(alarm.Metrics.find((m) => m.Expression)?.Expression).toBe(
        'FILL(conversion, 0) + FILL(partitions, 0)',
      );
      const names = alarm.Metrics.filter((m) => m.MetricStat).map((m) => m.MetricStat.Metric.MetricName);
      expect(names.sort()).toEqual(['FailedConversion.Records', 'PartitionCountExceeded']);
      for (const m of alarm.Metrics.filter((q) => q.MetricStat))
        expect(m.MetricStat.Metric.Dimensions).toEqual([
          { Name: 'DeliveryStreamName', Value: { Ref: logicalIdOf(stack.dataLake.deliveryStream) } },
        ]);
    });

    it('alarms on records the pseudonymiser failed, when the lake is pseudonymised', () => {
      expect(() => alarmNamed(template, 'LakePseudonymizationFailures')).toThrow('found 0');
      const pseudonymised = synthApp({ pseudonymizeLakeUserIds: 'true' }).template;
      expect(alarmNamed(pseudonymised, 'LakePseudonymizationFailures')).toMatchObject({
        MetricName: 'LakeRecordsPseudonymizeFailed',
        Dimensions: [{ Name: 'service', Value: 'lake-pseudonymize' }],
        Threshold: 0,
        EvaluationPeriods: 1,
      });
    });
  });

  it('alarms when the stream iterator age exceeds 60 s', () => {
    expect(alarmNamed(template, 'IteratorAge')).toMatchObject({
      Namespace: 'AWS/Kinesis',
      MetricName: 'GetRecords.IteratorAgeMilliseconds',
      Dimensions: [{ Name: 'StreamName', Value: { Ref: logicalIdOf(stack.ingestion.stream) } }],
      Statistic: 'Maximum',
      Period: 60,
      Threshold: 60_000,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  it('alarms as soon as one message is in the dead-letter queue', () => {
    expect(alarmNamed(template, 'DeadLetterQueueNotEmpty')).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        {
          Name: 'QueueName',
          Value: { 'Fn::GetAtt': [logicalIdOf(stack.featureStore.deadLetterQueue), 'QueueName'] },
        },
      ],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 1,
    });
  });

  it('alarms as soon as one impression is in the recommendation API’s dead-letter queue', () => {
    expect(alarmNamed(template, 'ImpressionDeadLetterQueueNotEmpty')).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        {
          Name: 'QueueName',
          Value: {
            'Fn::GetAtt': [logicalIdOf(dataStack.resources.impressionDeadLetterQueue), 'QueueName'],
          },
        },
      ],
      Statistic: 'Maximum',
      Period: 60,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 1,
    });
  });

  it('alarms as soon as the event source mapping writes a batch it gave up on to the failed-batches bucket', () => {
    expect(alarmNamed(template, 'ConsumerGaveUpOnBatch')).toMatchObject({
      Namespace: 'AWS/S3',
      MetricName: 'PutRequests',
      Dimensions: expect.arrayContaining([
        { Name: 'BucketName', Value: { Ref: logicalIdOf(stack.featureStore.failedBatchesBucket) } },
        { Name: 'FilterId', Value: 'FailedBatches' },
      ]),
      Statistic: 'Sum',
      Period: 60,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 1,
    });
    // The request metrics exist only with a metrics configuration on Lambda's prefix.
    template.hasResourceProperties('AWS::S3::Bucket', {
      MetricsConfigurations: [{ Id: 'FailedBatches', Prefix: 'aws/lambda/' }],
    });
  });

  it('alarms when Firehose freshness exceeds twice the configured buffer interval (300 s)', () => {
    expect(alarmNamed(template, 'FirehoseFreshness')).toMatchObject({
      Namespace: 'AWS/Firehose',
      MetricName: 'DeliveryToS3.DataFreshness',
      Dimensions: [
        { Name: 'DeliveryStreamName', Value: { Ref: logicalIdOf(stack.dataLake.deliveryStream) } },
      ],
      Statistic: 'Maximum',
      Threshold: 600,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  it('alarms on the consumer error rate (errors per invocation, percent)', () => {
    const alarm = alarmNamed(template, 'ConsumerErrorRate');
    expect(alarm).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanThreshold' });
    const metrics = alarm.Metrics as Query[];
    expect(metrics.find((m) => m.Expression)?.Expression).toBe('100 * errors / MAX([invocations, 1])');
    const fnRef = { Ref: logicalIdOf(stack.featureStore.consumerFunction) };
    expect(metrics.filter((m) => m.MetricStat).map((m) => [m.Id, m.MetricStat.Metric])).toEqual(
      expect.arrayContaining([
        [
          'errors',
          {
            Namespace: 'AWS/Lambda',
            MetricName: 'Errors',
            Dimensions: [{ Name: 'FunctionName', Value: fnRef }],
          },
        ],
        [
          'invocations',
          {
            Namespace: 'AWS/Lambda',
            MetricName: 'Invocations',
            Dimensions: [{ Name: 'FunctionName', Value: fnRef }],
          },
        ],
      ]),
    );
  });

  it('alarms on the ingest API 5xx rate and p99 latency', () => {
    const rate = alarmNamed(template, 'IngestApi5xxRate');
    expect(rate).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanThreshold' });
    const metrics = rate.Metrics as Query[];
    expect(metrics.find((m) => m.Expression)?.Expression).toBe('100 * e5xx / MAX([requests, 1])');
    expect(metrics.find((m) => m.Id === 'e5xx')?.MetricStat.Metric).toMatchObject({
      Namespace: 'AWS/ApiGateway',
      MetricName: '5XXError',
    });
    expect(alarmNamed(template, 'IngestApiP99Latency')).toMatchObject({
      Namespace: 'AWS/ApiGateway',
      MetricName: 'Latency',
      ExtendedStatistic: 'p99',
      Threshold: 1000,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  it('alarms on staleness of both jobs and leaves failed-run alarms to BatchJobs', () => {
    for (const job of ['cf', 'trending'])
      expect(alarmNamed(template, `BatchJobStale-${job}`)).toMatchObject({
        MetricName: 'PublishedItems',
        EvaluationPeriods: 26,
        TreatMissingData: 'breaching',
      });
    expect(Object.keys(alarmsOf(template)).filter((id) => id.startsWith('MonitoringBatchJobFailed'))).toEqual(
      [],
    );
    expect(stack.batchJobs.alarms.length).toBe(4);
  });

  it('alarms on the canary freshness SLO and runs the canary every minute', () => {
    expect(alarmNamed(template, 'FreshnessSlo')).toMatchObject({
      MetricName: 'CanaryProfileFreshness',
      Threshold: 10_000,
      TreatMissingData: 'breaching',
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [logicalIdOf(stack.freshnessCanary.function), 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 0 },
        }),
      ],
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          CANARY_WRITE_KEY_SECRET_ARN: { Ref: logicalIdOf(stack.freshnessCanary.writeKeySecret) },
          PROFILES_TABLE_NAME: { Ref: logicalIdOf(stack.featureStore.profilesTable) },
        }),
      },
    });
  });

  it('draws the documented dashboard widgets', () => {
    expect(widgetTitles(template)).toEqual([
      'Ingest: events accepted and rejected (per minute)',
      'Kinesis: incoming records and throttles',
      'Stream iterator age (ms)',
      'Consumer duration (ms)',
      'Consumer errors and batch item failures',
      'Dead-letter queue depth',
      'Firehose DeliveryToS3.DataFreshness (s)',
      'Firehose DeliveryToS3.Success',
      'Batch job cf: runs',
      'Batch job cf: age of the last good run (s)',
      'Batch job trending: runs',
      'Batch job trending: age of the last good run (s)',
      'IngestApi latency p50 / p99 (ms)',
      'IngestApi requests, 4xx, 5xx',
      'RecommendationApi latency p50 / p99 (ms)',
      'RecommendationApi requests, 4xx, 5xx',
      'RecommendationApi published-row cache hits (%)',
      'End-to-end freshness (canary, ms)',
      'Click-through rate per variant (%)',
      'Attributed revenue per placement and variant (per hour of purchase)',
      'Attributed purchases per placement and variant (per hour)',
      'Recommendation impressions and clicks per placement and variant (per hour)',
    ]);
    const body = dashboardBody(template);
    for (const metric of [
      '"RecoStream","EventsAccepted","service","ingest"',
      `SEARCH('{RecoStream,reason,service} MetricName=\\"EventsRejected\\" service=\\"ingest\\"', 'Sum', 60)`,
      '"AWS/Kinesis","IncomingRecords"',
      '"AWS/Kinesis","WriteProvisionedThroughputExceeded"',
      '"AWS/Kinesis","ReadProvisionedThroughputExceeded"',
      '"AWS/Lambda","IteratorAge"',
      '"RecoStream","BatchItemFailures","service","stream-consumer"',
      '"AWS/Firehose","DeliveryToS3.Success"',
      '"RecoStream","CanaryProfileFreshness","service","freshness-canary"',
      '100 * c0 / MAX([i0, 1])',
      '"RecoStream","RecommendationClicks","service","stream-consumer","variant","control"',
    ]) {
      expect(body).toContain(metric);
    }
  });

  it('subscribes no e-mail address unless the alarmEmail context is set', () => {
    template.resourceCountIs('AWS::SNS::Subscription', 0);
    synthApp({ alarmEmail: 'ops@example.com' }).template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
      TopicArn: Match.anyValue(),
    });
  });
});

describe('Monitoring with batch jobs, a recommendation API and the canary', () => {
  function build(overrides: Partial<MonitoringProps> = {}) {
    const stack = new Stack(testApp(), 'Mon');
    const api = (name: string) => {
      const restApi = new RestApi(stack, name, { deploy: true, cloudWatchRole: false });
      restApi.root.addMethod('GET', new MockIntegration());
      return restApi;
    };
    const fn = new LambdaFunction(stack, 'Fn', {
      runtime: Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: Code.fromInline('exports.handler = async () => {}'),
    });
    const jobs = ['cf', 'trending'].map((name) => ({
      name,
      stateMachine: new StateMachine(stack, `${name}Machine`, {
        definitionBody: DefinitionBody.fromChainable(new Pass(stack, `${name}Pass`)),
      }),
    }));
    const topic = new Topic(stack, 'Topic');
    const monitoring = new Monitoring(stack, 'Monitoring', {
      alarmTopic: topic,
      ingestApi: api('Ingest'),
      recommendationApi: api('Reco'),
      stream: new Stream(stack, 'Stream'),
      consumerFunction: fn,
      deadLetterQueue: new Queue(stack, 'Dlq'),
      deliveryStreamName: 'delivery',
      firehoseBufferInterval: Duration.seconds(60),
      batchJobs: jobs,
      freshnessCanary: true,
      ctrVariants: ['cf', 'trending'],
      ...overrides,
    });
    return { stack, monitoring, template: Template.fromStack(stack), topic, jobs };
  }
  const { stack, template, topic, jobs } = build();

  it('has one alarm per job for failures and one for staleness, all to the topic', () => {
    // ... + canary: profile SLO, recommendation SLO, failures; data loss: quarantine (ingest, catalogue),
    // catalogue fills, publish, Firehose errors
    expect(Object.keys(alarmsOf(template)).length).toBe(6 + 2 + 2 * 2 + 3 + 5);
    for (const alarm of Object.values(alarmsOf(template)))
      expect(alarm.AlarmActions).toEqual([{ Ref: logicalIdOf(topic) }]);
  });

  it.each(['cf', 'trending'])('alarms when job %s fails, times out or is rejected', (job) => {
    const alarm = alarmNamed(template, `BatchJobFailed-${job}`);
    expect(alarm).toMatchObject({
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
    });
    const metrics = alarm.Metrics as Query[];
    expect(metrics.find((m) => m.Expression)?.Expression).toBe('failed + timedOut + rejected');
    const machine = jobs.find((j) => j.name === job)?.stateMachine as StateMachine;
    expect(metrics.find((m) => m.Id === 'failed')?.MetricStat.Metric).toEqual({
      Namespace: 'AWS/States',
      MetricName: 'ExecutionsFailed',
      Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: logicalIdOf(machine) } }],
    });
    expect(metrics.find((m) => m.Id === 'rejected')?.MetricStat.Metric).toEqual({
      Namespace: 'RecoStream',
      MetricName: 'RunsRejected',
      Dimensions: [
        { Name: 'job', Value: job },
        { Name: 'service', Value: 'jobs-validate' },
      ],
    });
  });

  it.each(['cf', 'trending'])('alarms when job %s has had no good run in 26 h', (job) => {
    expect(alarmNamed(template, `BatchJobStale-${job}`)).toMatchObject({
      Namespace: 'RecoStream',
      MetricName: 'PublishedItems',
      Dimensions: [
        { Name: 'job', Value: job },
        { Name: 'service', Value: 'jobs-publish' },
      ],
      Statistic: 'SampleCount',
      Period: 3600,
      EvaluationPeriods: 26,
      DatapointsToAlarm: 26,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
  });

  it('alarms on the recommendation API 5xx rate and p99 latency', () => {
    expect(alarmNamed(template, 'RecommendationApiP99Latency')).toMatchObject({
      MetricName: 'Latency',
      Dimensions: [{ Name: 'ApiName', Value: 'Reco' }],
      ExtendedStatistic: 'p99',
      Threshold: 1000,
    });
    expect(alarmNamed(template, 'RecommendationApi5xxRate')).toMatchObject({ Threshold: 1 });
  });

  it('alarms when the canary sees end-to-end freshness above the SLO in 3 of 5 minutes', () => {
    expect(alarmNamed(template, 'FreshnessSlo')).toMatchObject({
      Namespace: 'RecoStream',
      MetricName: 'CanaryProfileFreshness',
      Dimensions: [{ Name: 'service', Value: 'freshness-canary' }],
      Statistic: 'Maximum',
      Period: 60,
      Threshold: 10_000,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 5,
      DatapointsToAlarm: 3,
      TreatMissingData: 'breaching',
    });
  });

  it('alarms when the recommendation API reflects canary events late, or canary runs fail, in 3 of 5', () => {
    expect(alarmNamed(template, 'RecommendationFreshnessSlo')).toMatchObject({
      Namespace: 'RecoStream',
      MetricName: 'CanaryRecommendationFreshness',
      Dimensions: [{ Name: 'service', Value: 'freshness-canary' }],
      Statistic: 'Maximum',
      Period: 60,
      Threshold: 10_000,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 5,
      DatapointsToAlarm: 3,
      // Skipped while nothing is published: no data is not a breach.
      TreatMissingData: 'notBreaching',
    });
    expect(alarmNamed(template, 'CanaryFailures')).toMatchObject({
      MetricName: 'CanaryFailures',
      Dimensions: [{ Name: 'service', Value: 'freshness-canary' }],
      Statistic: 'Sum',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 5,
      DatapointsToAlarm: 3,
      TreatMissingData: 'notBreaching',
    });
  });

  it('derives the Firehose alarm from the buffer interval it is given', () => {
    expect(alarmNamed(template, 'FirehoseFreshness').Threshold).toBe(120);
  });

  it('draws job, API and per-variant CTR widgets', () => {
    const titles = widgetTitles(template);
    expect(titles).toEqual(
      expect.arrayContaining([
        'Batch job cf: runs',
        'Batch job cf: age of the last good run (s)',
        'Batch job trending: age of the last good run (s)',
        'RecommendationApi latency p50 / p99 (ms)',
        'RecommendationApi requests, 4xx, 5xx',
        'RecommendationApi published-row cache hits (%)',
      ]),
    );
    const body = dashboardBody(template);
    expect(body).toContain('100 * hits / MAX([hits + misses, 1])');
    expect(body).toContain('"RecoStream","PublishedRowCacheHits","service","recommend"');
    expect(body).toContain('"RecoStream","PublishedRowCacheMisses","service","recommend"');
    expect(body).toContain('"RecoStream","JobLastSuccessAgeSeconds","job","cf","service","jobs-plan"');
    expect(body).toContain('"label":"CTR trending (%)"');
    expect(body).toContain('100 * c1 / MAX([i1, 1])');
    expect(stack.resolve(stack.stackName)).toBe('Mon');
  });

  it('takes thresholds as props and refuses nonsense', () => {
    const custom = build({ thresholds: { iteratorAgeMs: 30_000, jobStalenessHours: 2 } }).template;
    expect(alarmNamed(custom, 'IteratorAge').Threshold).toBe(30_000);
    expect(alarmNamed(custom, 'BatchJobStale-cf').EvaluationPeriods).toBe(2);
    expect(() => build({ thresholds: { apiP99LatencyMs: -1 } })).toThrow(
      'Monitoring threshold apiP99LatencyMs must be a positive number, got -1',
    );
    expect(() => build({ alarmEmail: 'not-an-address' })).toThrow(
      "alarmEmail must be an e-mail address, got 'not-an-address'",
    );
  });
});
