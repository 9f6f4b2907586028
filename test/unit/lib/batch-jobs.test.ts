/**
 * The batch-jobs construct in the real app: versioned tables, the cf_state Glue table, state machines whose
 * definitions run the Athena .sync steps in order before the gate, the schedules, the alarms and grants.
 */
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Stream } from 'aws-cdk-lib/aws-kinesis';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { CF_STATE_COLUMNS } from '../../../lambdas/jobs/job-sql';
import { BatchJobs, createPublishedTables, JOB_METADATA_KEY } from '../../../lib/batch-jobs';
import { DataLake } from '../../../lib/data-lake';
import { logicalIdOf, synthApp, testApp } from './helpers';

const { stack, dataStack, template } = synthApp();
const jobs = stack.batchJobs;

interface StateJson {
  Type: string;
  Next?: string;
  Resource?: string;
  Retry?: Array<{
    ErrorEquals: string[];
    MaxAttempts?: number;
    BackoffRate?: number;
    IntervalSeconds?: number;
  }>;
  Catch?: Array<{ ErrorEquals: string[]; Next: string }>;
  Choices?: Array<{ Variable: string; BooleanEquals: boolean; Next: string }>;
  Default?: string;
  Parameters?: Record<string, unknown>;
}

/** The state machine definition with every token replaced by a readable placeholder. */
function definitionOf(machine: typeof jobs.stateMachines.cf): {
  StartAt: string;
  States: Record<string, StateJson>;
} {
  const resource = template.toJSON().Resources[logicalIdOf(machine)];
  const parts = resource.Properties.DefinitionString['Fn::Join'][1] as unknown[];
  const text = parts
    .map((p) => (typeof p === 'string' ? p : `<${JSON.stringify(p).replace(/["{}]/g, '')}>`))
    .join('');
  return JSON.parse(text);
}

/** State names from StartAt following Next, then the gate's passing branch. */
function mainPath(definition: ReturnType<typeof definitionOf>): string[] {
  const path: string[] = [];
  let name: string | undefined = definition.StartAt;
  while (name) {
    path.push(name);
    const state: StateJson = definition.States[name] as StateJson;
    name = state.Type === 'Choice' ? state.Choices?.[0]?.Next : state.Next;
  }
  return path;
}

describe('BatchJobs tables', () => {
  it.each([
    [() => jobs.similaritiesTable, 'itemId', 'version'],
    [() => jobs.trendingTable, 'scope', 'version'],
    [() => jobs.jobRunsTable, 'job', 'runId'],
  ])('%#: keys, data-key encryption, PITR and TTL expiresAt', (table, hash, range) => {
    const props = template.toJSON().Resources[logicalIdOf(table())].Properties;
    expect(props.KeySchema).toEqual([
      { AttributeName: hash, KeyType: 'HASH' },
      { AttributeName: range, KeyType: 'RANGE' },
    ]);
    expect(props.SSESpecification).toEqual({
      SSEEnabled: true,
      SSEType: 'KMS',
      KMSMasterKeyId: { 'Fn::GetAtt': [logicalIdOf(dataStack.node.findChild('DataKey')), 'Arn'] },
    });
    expect(props.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(props.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
  });
});

describe('cf_state Glue table', () => {
  it('is Parquet in the lake database, partitioned by an injected run id', () => {
    template.hasResourceProperties('AWS::Glue::Table', {
      DatabaseName: { Ref: logicalIdOf(stack.dataLake.database) },
      TableInput: Match.objectLike({
        Name: 'cf_state',
        Parameters: Match.objectLike({
          classification: 'parquet',
          'projection.enabled': 'true',
          'projection.run.type': 'injected',
          'storage.location.template': {
            'Fn::Join': [
              '',
              ['s3://', { Ref: logicalIdOf(dataStack.lake.bucket) }, '/jobs/cf/state/run=$' + '{run}/'],
            ],
          },
        }),
        PartitionKeys: [{ Name: 'run', Type: 'string', Comment: 'run id' }],
        StorageDescriptor: Match.objectLike({
          Columns: CF_STATE_COLUMNS.map((c) => ({ Name: c.name, Type: c.type, Comment: c.comment })),
        }),
      }),
    });
  });
});

describe('state machines', () => {
  it.each([
    [
      'cf',
      [
        'Plan',
        'Query cf-state',
        'Query cf-vectors',
        'Query cf-stats',
        'Validate',
        'Gate passed?',
        'Publish',
        'Published',
      ],
    ],
    [
      'trending',
      ['Plan', 'Query trending', 'Query trending-stats', 'Validate', 'Gate passed?', 'Publish', 'Published'],
    ],
  ] as const)('%s runs plan, the Athena steps in order, the gate, publish', (job, expected) => {
    const definition = definitionOf(jobs.stateMachines[job]);
    expect(mainPath(definition)).toEqual(expected);
    const queries = expected.filter((n) => n.startsWith('Query '));
    queries.forEach((name, i) => {
      const state = definition.States[name] as StateJson;
      expect(state.Resource).toBe('arn:<Ref:AWS::Partition>:states:::athena:startQueryExecution.sync');
      expect(state.Parameters).toMatchObject({
        'QueryString.$': `$.plan.steps[${i}].athenaQuery`,
        QueryExecutionContext: { Database: `<Ref:${logicalIdOf(stack.dataLake.database)}>` },
        WorkGroup: stack.dataLake.workGroupName,
      });
      expect(state.Retry).toEqual([
        {
          ErrorEquals: ['Athena.TooManyRequestsException', 'Athena.InternalServerException'],
          IntervalSeconds: 5,
          MaxAttempts: 4,
          BackoffRate: 2,
          JitterStrategy: 'FULL',
        },
      ]);
      expect(state.Catch).toEqual([
        { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'RecordRunFailure' },
      ]);
    });
    const gate = definition.States['Gate passed?'] as StateJson;
    expect(gate.Choices).toEqual([{ Variable: '$.validation.passed', BooleanEquals: true, Next: 'Publish' }]);
    expect(gate.Default).toBe('Rejected, nothing published');
    expect(definition.States.Plan?.Catch?.[0]?.Next).toBe('RecordPlanFailure');
    // The job is fixed per machine; the execution input (e.g. a replay's asOf) reaches plan as options, and
    // the execution's start time is the run's clock.
    expect(definition.States.Plan?.Parameters).toEqual({
      job,
      'options.$': '$',
      'startedAt.$': '$$.Execution.StartTime',
    });
    for (const name of ['Plan', 'Validate', 'Publish']) {
      expect(definition.States[name]?.Retry?.map((r) => r.ErrorEquals[0])).toEqual([
        'Lambda.ClientExecutionTimeoutException',
        'Lambda.TooManyRequestsException',
      ]);
    }
    expect(definition.States.RecordRunFailure?.Next).toBe('NotifyFailure');
    expect(definition.States.NotifyFailure).toMatchObject({
      Resource: 'arn:<Ref:AWS::Partition>:states:::sns:publish',
      Next: 'RunFailed',
    });
    expect(definition.States.RunFailed?.Type).toBe('Fail');
  });

  it('are Standard, traced, and log everything to an encrypted log group', () => {
    // The jobs' machines (marked with their job); other constructs may add state machines of their own.
    const machines = Object.values(template.findResources('AWS::StepFunctions::StateMachine')).filter(
      (r) => r.Metadata?.[JOB_METADATA_KEY] !== undefined,
    );
    expect(machines.map((m) => m.Metadata[JOB_METADATA_KEY]).sort()).toEqual(['cf', 'trending']);
    for (const machine of machines) {
      expect(machine.Properties).toMatchObject({
        StateMachineType: 'STANDARD',
        TracingConfiguration: { Enabled: true },
        LoggingConfiguration: expect.objectContaining({ Level: 'ALL' }),
      });
    }
    const logGroup = jobs.node.findChild('StateMachineLogs');
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      KmsKeyId: { 'Fn::GetAtt': [logicalIdOf(dataStack.node.findChild('DataKey')), 'Arn'] },
    });
    expect(logicalIdOf(logGroup)).toMatch(/^BatchJobsStateMachineLogs/);
  });
});

describe('schedules', () => {
  it('runs cf nightly at 02:00 UTC and trending every 15 minutes', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 2 * * ? *)',
      Target: Match.objectLike({ Arn: { Ref: logicalIdOf(jobs.stateMachines.cf) }, Input: '{"job":"cf"}' }),
    });
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(15 minutes)',
      Target: Match.objectLike({ Arn: { Ref: logicalIdOf(jobs.stateMachines.trending) } }),
    });
  });

  it('takes the cron and interval as props', () => {
    const app = testApp();
    const s = new Stack(app, 'S');
    const key = new Key(s, 'K');
    const lake = new Bucket(s, 'Lake');
    const dataLake = new DataLake(s, 'DL', {
      lakeBucket: lake,
      stream: new Stream(s, 'St'),
      resultsBucket: new Bucket(s, 'Results'),
      encryptionKey: key,
    });
    const publishedTables = createPublishedTables(s, key);
    new BatchJobs(s, 'Jobs', {
      encryptionKey: key,
      publishedTables,
      lakeBucket: lake,
      dataLake,
      alarmTopic: new Topic(s, 'T'),
      cfSchedule: 'cron(30 3 * * ? *)',
      trendingInterval: require('aws-cdk-lib').Duration.minutes(5),
    });
    const t = Template.fromStack(s);
    t.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'cron(30 3 * * ? *)' });
    t.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'rate(5 minutes)' });
    expect(
      () =>
        new BatchJobs(s, 'Bad', {
          encryptionKey: key,
          publishedTables,
          lakeBucket: lake,
          dataLake,
          alarmTopic: new Topic(s, 'T2'),
          cfSchedule: '0 2 * * *',
        }),
    ).toThrow("cfSchedule must be a Scheduler expression like 'cron(0 2 * * ? *)', got '0 2 * * *'");
  });
});

describe('alarms', () => {
  it.each(['cf', 'trending'] as const)(
    '%s: failed executions and rejected runs notify the alarm topic',
    (job) => {
      const topic = { Ref: logicalIdOf(stack.alarmTopic) };
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ExecutionsFailed',
        Namespace: 'AWS/States',
        Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: logicalIdOf(jobs.stateMachines[job]) } }],
        Threshold: 1,
        AlarmActions: [topic],
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'RunsRejected',
        Namespace: 'RecoStream',
        Dimensions: Match.arrayWith([
          { Name: 'job', Value: job },
          { Name: 'service', Value: 'jobs-validate' },
        ]),
        AlarmActions: [topic],
      });
    },
  );
});

describe('grants', () => {
  const policyOf = (roleOwner: { role?: unknown }) => {
    const roleId = logicalIdOf(roleOwner.role as never);
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
      (p.Properties.Roles as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId })),
    );
    return policies.flatMap(
      (p) => p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>,
    );
  };
  const actions = (statements: ReturnType<typeof policyOf>) => statements.flatMap((s) => [s.Action].flat());

  it('lets the state machine run Athena in the workgroup on the events and cf_state tables only', () => {
    const statements = policyOf(jobs.stateMachines.cf);
    const athena = statements.find((s) => [s.Action].flat().includes('athena:StartQueryExecution'));
    expect(JSON.stringify(athena?.Resource)).toContain(`workgroup/${stack.dataLake.workGroupName}`);
    const glue = statements.find((s) => [s.Action].flat().includes('glue:GetTable'));
    const glueResources = JSON.stringify(glue?.Resource);
    expect(glueResources).toContain('/events');
    expect(glueResources).toContain('/cf_state');
    expect(
      actions(statements).filter((a) => /glue:(Create|Delete)|lakeformation|s3:CreateBucket/.test(a)),
    ).toEqual([]);
    expect(
      statements
        .filter((s) => s.Resource === '*')
        .flatMap((s) => [s.Action].flat())
        .sort(),
    ).toEqual(expect.not.arrayContaining(['s3:GetObject', 's3:ListBucket']));
  });

  it('gives the publish function write access to the published tables and the validate function none', () => {
    expect(actions(policyOf(jobs.functions.publish))).toEqual(
      expect.arrayContaining(['dynamodb:BatchWriteItem']),
    );
    const validateResources = JSON.stringify(policyOf(jobs.functions.validate).map((s) => s.Resource));
    expect(validateResources).not.toContain(logicalIdOf(jobs.similaritiesTable));
    expect(validateResources).toContain(logicalIdOf(jobs.jobRunsTable));
  });

  it('marks each job function for the local runner and each state machine with its job', () => {
    for (const [name, fn] of Object.entries(jobs.functions)) {
      template.hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: Match.absent(),
        Environment: { Variables: Match.objectLike({ JOB_FUNCTION: name }) },
      });
      expect(fn).toBeDefined();
    }
    expect(template.toJSON().Resources[logicalIdOf(jobs.stateMachines.cf)].Metadata).toEqual({
      'recostream:job': 'cf',
    });
  });
});
