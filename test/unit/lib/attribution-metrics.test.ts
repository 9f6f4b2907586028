/**
 * The attribution metrics job on the real stack: an hourly EventBridge rule invoking its function, which may
 * only Query and PutItem the JobRuns table, run Athena in the lake's workgroup, read the Glue `events`
 * table and the `attribution_touches` view over it and the lake's `events/` prefix (and the workgroup's
 * results bucket); the stale and failure alarms
 * on the alarm topic; the dashboard's widgets searching the Placement and Variant series; and the props'
 * validation. cdk-nag for the whole app runs in app-builder.test.ts.
 */
import { Duration } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { AttributionMetrics } from '../../../lib/attribution-metrics';
import { logicalIdOf, synthApp } from './helpers';

const { stack, dataStack, template } = synthApp();
const attribution = stack.attributionMetrics;
const fnId = logicalIdOf(attribution.function);
const jobRunsId = logicalIdOf(stack.batchJobs.jobRunsTable);
const lakeBucketId = logicalIdOf(dataStack.lake.bucket);

type Statement = { Action: string | string[]; Resource: unknown; Effect: string; Condition?: unknown };
function statements(): Statement[] {
  const role = attribution.function.role;
  if (!role) throw new Error('the function has no role');
  const roleId = logicalIdOf(role);
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p.Properties.Roles).includes(roleId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}
const actionsOf = (s: Statement) => [s.Action].flat();

it('runs the function every hour from an EventBridge rule, with its settings in the environment', () => {
  template.hasResourceProperties('AWS::Events::Rule', {
    ScheduleExpression: 'rate(1 hour)',
    Targets: [
      Match.objectLike({ Arn: { 'Fn::GetAtt': [fnId, 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 2 } }),
    ],
  });
  template.hasResourceProperties('AWS::Lambda::Function', {
    Environment: {
      Variables: Match.objectLike({
        JOB_RUNS_TABLE_NAME: { Ref: jobRunsId },
        ATTRIBUTION_LATENESS_SECONDS: '3600',
        ATTRIBUTION_BACKFILL_HOURS: '48',
        POWERTOOLS_SERVICE_NAME: 'attribution-metrics',
        ATHENA_WORKGROUP: Match.anyValue(),
        GLUE_DATABASE: Match.anyValue(),
      }),
    },
  });
});

it('may only Query and PutItem the JobRuns table', () => {
  const dynamo = statements().filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));
  expect(dynamo.flatMap(actionsOf).sort()).toEqual(['dynamodb:PutItem', 'dynamodb:Query']);
  for (const s of dynamo) expect(JSON.stringify(s.Resource)).toContain(jobRunsId);
});

it('runs Athena in the lake workgroup and reads only the events table, the view over it and the prefix', () => {
  const all = statements();
  const athena = all.filter((s) => actionsOf(s).some((a) => a.startsWith('athena:')));
  expect(athena).toHaveLength(1);
  expect(JSON.stringify(athena[0]?.Resource)).toContain(':workgroup/');
  const glue = all.filter((s) => actionsOf(s).some((a) => a.startsWith('glue:')));
  expect(
    glue.flatMap(actionsOf).every((a) => a.startsWith('glue:Get') || a === 'glue:BatchGetPartition'),
  ).toBe(true);
  const tables = JSON.stringify(glue[0]?.Resource).match(/table\/[^"]*/g) ?? [];
  expect(tables.map((t) => t.replace(/^table\/[^/]+\//, '')).sort()).toEqual([
    'attribution_touches',
    'events',
  ]);
  // On the lake bucket: reads under events/ only, never a write.
  const lake = all.filter((s) => JSON.stringify(s.Resource).includes(lakeBucketId));
  expect(lake.length).toBeGreaterThan(0);
  for (const s of lake) {
    expect(actionsOf(s).some((a) => /^s3:(Put|Delete)/.test(a))).toBe(false);
    for (const r of [s.Resource].flat()) {
      const text = JSON.stringify(r);
      if (text.includes('/')) expect(text).toContain('/events/*');
    }
  }
});

it('alarms when no hour was published for 3 hours, and when the function fails', () => {
  template.hasResourceProperties('AWS::CloudWatch::Alarm', {
    MetricName: 'AttributionHoursPublished',
    Namespace: 'RecoStream',
    Dimensions: [{ Name: 'service', Value: 'attribution-metrics' }],
    Statistic: 'Sum',
    Period: 10800,
    Threshold: 1,
    ComparisonOperator: 'LessThanThreshold',
    TreatMissingData: 'breaching',
    AlarmActions: [{ Ref: logicalIdOf(stack.alarmTopic) }],
  });
  template.hasResourceProperties('AWS::CloudWatch::Alarm', {
    MetricName: 'Errors',
    Namespace: 'AWS/Lambda',
    Dimensions: [{ Name: 'FunctionName', Value: { Ref: fnId } }],
    AlarmActions: [{ Ref: logicalIdOf(stack.alarmTopic) }],
  });
});

it('draws revenue, purchases, impressions and clicks per Placement and Variant on the dashboard', () => {
  const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
  const body = JSON.stringify(dashboards.map((d) => d.Properties.DashboardBody));
  for (const metric of [
    'AttributedRevenue',
    'AttributedPurchases',
    'AttributionImpressions',
    'AttributionClicks',
  ])
    expect(body).toContain(
      `SEARCH('{RecoStream,Placement,Variant,service} MetricName=\\\\\\"${metric}\\\\\\" service=\\\\\\"attribution-metrics\\\\\\"', 'Sum', 3600)`,
    );
});

it('refuses a look-back beyond what CloudWatch accepts and a lateness above a day', () => {
  const build = (props: { backfillHours?: number; latenessAllowance?: Duration }) => {
    const { stack: s, dataStack: d } = synthApp();
    return () =>
      new AttributionMetrics(s, `Other${Math.random()}`.replace('.', ''), {
        lakeBucket: d.lake.bucket,
        dataLake: s.dataLake,
        jobRunsTable: s.batchJobs.jobRunsTable,
        encryptionKey: d.node.findChild('DataKey') as never,
        alarmTopic: s.alarmTopic,
        ...props,
      });
  };
  expect(build({ backfillHours: 400 })).toThrow(/backfillHours must be an integer in \[1, 312\], got 400/);
  expect(build({ latenessAllowance: Duration.hours(25) })).toThrow(
    /latenessAllowance must be at most 24 hours/,
  );
});
