/** The lake purge construct on the real stack: schedule, state machine loop, scoped grants and alarms. */
import { Match } from 'aws-cdk-lib/assertions';
import { logicalIdOf, synthApp } from './helpers';

const { stack, dataStack, template } = synthApp();
const purge = stack.lakePurge;
const fnId = logicalIdOf(purge.function);
const lakeId = logicalIdOf(dataStack.lake.bucket);

type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown };
const statements = (): Statement[] => {
  const policies = template.findResources('AWS::IAM::Policy', {
    Properties: { Roles: [{ Ref: logicalIdOf(purge.function.role!) }] },
  });
  return Object.values(policies).flatMap(
    (p) =>
      (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument
        .Statement,
  );
};
const actions = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

it('starts the purge state machine daily with a purge input, and the deadline check hourly', () => {
  template.hasResourceProperties('AWS::Events::Rule', {
    ScheduleExpression: 'rate(1 day)',
    Targets: [
      Match.objectLike({
        Arn: { Ref: logicalIdOf(purge.stateMachine) },
        Input: JSON.stringify({ action: 'purge', iteration: 0, failed: [] }),
        RetryPolicy: { MaximumRetryAttempts: 3 },
      }),
    ],
  });
  template.hasResourceProperties('AWS::Events::Rule', {
    ScheduleExpression: 'rate(1 hour)',
    Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [fnId, 'Arn'] }, Input: '{"action":"check"}' })],
  });
  // No Scheduler schedule: the local runtime maps those to its batch jobs.
  expect(JSON.stringify(template.findResources('AWS::Scheduler::Schedule'))).not.toContain(
    logicalIdOf(purge.stateMachine),
  );
});

it('loops the purge function until it reports no more work, with an iteration cap', () => {
  const machine = Object.values(template.findResources('AWS::StepFunctions::StateMachine')).find((m) =>
    JSON.stringify(m).includes('RecoStream lake purge'),
  ) as { Properties: { DefinitionString: unknown; TracingConfiguration: unknown } };
  const definition = JSON.stringify(machine.Properties.DefinitionString);
  expect(definition).toContain('\\"Variable\\":\\"$.moreWork\\",\\"BooleanEquals\\":true');
  expect(definition).toContain('\\"Variable\\":\\"$.iteration\\",\\"NumericLessThan\\":144');
  expect(definition).toContain('\\"Variable\\":\\"$.failedCount\\",\\"NumericGreaterThan\\":0');
  expect(machine.Properties.TracingConfiguration).toEqual({ Enabled: true });
});

it('configures the function with the lake workgroup, database, bucket and tables', () => {
  template.hasResourceProperties('AWS::Lambda::Function', {
    Timeout: 600,
    Environment: {
      Variables: Match.objectLike({
        ATHENA_WORKGROUP: stack.dataLake.workGroupName,
        GLUE_DATABASE: stack.dataLake.databaseName,
        LAKE_BUCKET_NAME: { Ref: lakeId },
        DELETION_REQUESTS_TABLE_NAME: { Ref: logicalIdOf(stack.userDeletion.deletionRequestsTable) },
        PROFILES_TABLE_NAME: { Ref: logicalIdOf(stack.featureStore.profilesTable) },
        PURGE_SETTLE_SECONDS: '3600',
      }),
    },
  });
});

it('grants S3 access to the purged prefixes only, with version deletion and prefix-scoped listing', () => {
  const all = statements();
  const objectWrite = all.find((s) => actions(s).includes('s3:DeleteObjectVersion'));
  expect(actions(objectWrite!).sort()).toEqual(
    [
      's3:AbortMultipartUpload',
      's3:DeleteObject',
      's3:DeleteObjectVersion',
      's3:GetObject',
      's3:ListMultipartUploadParts',
      's3:PutObject',
    ].sort(),
  );
  // errors/: Firehose's error records, which hold the raw events (issue 13).
  expect(objectWrite!.Resource).toHaveLength(4);
  expect(objectWrite!.Resource).toEqual(
    expect.arrayContaining(
      ['events/*', 'quarantine/*', 'errors/*', 'purge-staging/*'].map((p) => ({
        'Fn::Join': ['', [{ 'Fn::GetAtt': [lakeId, 'Arn'] }, `/${p}`]],
      })),
    ),
  );
  const listing = all.find((s) => actions(s).includes('s3:ListBucketVersions'));
  expect(listing).toMatchObject({
    Resource: { 'Fn::GetAtt': [lakeId, 'Arn'] },
    Condition: { StringLike: { 's3:prefix': ['events/*', 'quarantine/*', 'errors/*', 'purge-staging/*'] } },
  });
  // Nowhere a lake-wide object grant.
  expect(JSON.stringify(all)).not.toContain(`"Fn::GetAtt":["${lakeId}","Arn"]},"/*"`);
});

it('grants Athena on the one workgroup, Glue read on the two lake tables, and DeleteItem on profiles', () => {
  const all = statements();
  const athena = all.find((s) => actions(s).includes('athena:StartQueryExecution'));
  expect(JSON.stringify(athena?.Resource)).toContain(`:workgroup/${stack.dataLake.workGroupName}`);
  const glue = all.find((s) => actions(s).includes('glue:GetTable'));
  const glueResources = JSON.stringify(glue?.Resource);
  expect(glueResources).toContain(`:table/${stack.dataLake.databaseName}/events`);
  expect(glueResources).toContain(`:table/${stack.dataLake.databaseName}/quarantine`);
  expect(
    actions(glue!).some((a) => a.includes('Create') || a.includes('Delete') || a.includes('Update')),
  ).toBe(false);
  const profiles = all.find((s) =>
    JSON.stringify(s.Resource).includes(logicalIdOf(stack.featureStore.profilesTable)),
  );
  expect(profiles?.Action).toBe('dynamodb:DeleteItem');
  // KMS: the data key only (the audit table's read/write grant adds the CDK encrypt set to it).
  const kms = all.filter((s) => actions(s).some((a) => a.startsWith('kms:')));
  expect(kms).toHaveLength(1);
  expect(kms[0]?.Resource).toEqual({
    'Fn::GetAtt': [logicalIdOf(dataStack.node.findChild('DataKey')), 'Arn'],
  });
  expect(actions(kms[0]!)).toEqual(expect.arrayContaining(['kms:Decrypt', 'kms:GenerateDataKey']));
});

it('alarms to the alarm topic when a request is overdue (missing check data breaches) or a run fails', () => {
  const topic = { Ref: logicalIdOf(stack.alarmTopic) };
  template.hasResourceProperties('AWS::CloudWatch::Alarm', {
    Namespace: 'RecoStream',
    MetricName: 'DeletionRequestsOverdue',
    Dimensions: [{ Name: 'service', Value: 'lake-purge' }],
    Statistic: 'Maximum',
    Period: 7200,
    Threshold: 1,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    EvaluationPeriods: 1,
    TreatMissingData: 'breaching',
    AlarmActions: [topic],
    OKActions: [topic],
    AlarmDescription: Match.stringLikeRegexp('lake deadline \\(72 h after the request\\)'),
  });
  template.hasResourceProperties('AWS::CloudWatch::Alarm', {
    Namespace: 'AWS/States',
    MetricName: 'ExecutionsFailed',
    Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: logicalIdOf(purge.stateMachine) } }],
    Threshold: 1,
    TreatMissingData: 'notBreaching',
    AlarmActions: [topic],
  });
});
