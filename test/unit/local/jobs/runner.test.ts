/**
 * The local runtime reads the batch jobs from the template: schedules, their state machines' jobs, functions
 * and the topic their NotifyFailure step publishes to; the runner publishes a failed or rejected run's
 * notification through the SNS SDK to that topic, with the subject and message the state machine sends.
 */
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { buildApp } from '../../../../lib/app-builder';
import { FunctionError } from '../../../../local/functions/function-host';
import { jobFunctionIds, LocalJobRunner } from '../../../../local/jobs/runner';
import { localArn, templateOfStacks, topologyFromTemplate } from '../../../../local/topology';

const { app, stack } = buildApp({}, { validate: false, skipBundling: true });
const topology = topologyFromTemplate(templateOfStacks(app.synth().stacks), {
  stackName: stack.stackName,
  sqsEndpoint: 'http://127.0.0.1:4566',
});

describe('batch jobs in the local topology', () => {
  it('has each schedule with its expression, input and the job of its state machine', () => {
    const schedules = topology.schedules.map((s) => ({
      expression: s.expression,
      timezone: s.timezone,
      enabled: s.enabled,
      input: s.input,
      job: topology.stateMachines.get(s.stateMachineId)?.job,
    }));
    expect(schedules).toEqual([
      {
        expression: 'cron(0 2 * * ? *)',
        timezone: 'Etc/UTC',
        enabled: true,
        input: { job: 'cf' },
        job: 'cf',
      },
      {
        expression: 'rate(15 minutes)',
        timezone: 'Etc/UTC',
        enabled: true,
        input: { job: 'trending' },
        job: 'trending',
      },
    ]);
  });

  it('finds the four job functions by JOB_FUNCTION, with their tables in the environment', () => {
    const ids = jobFunctionIds(topology);
    expect(Object.keys(ids).sort()).toEqual(['plan', 'publish', 'record-failure', 'validate']);
    const publish = topology.functions.get(ids.publish);
    expect(publish?.entry).toBe('lambdas/jobs/publish/handler.ts');
    expect(publish?.environment).toMatchObject({
      SIMILARITIES_TABLE_NAME: expect.stringMatching(/^BatchJobsSimilaritiesTable/),
      TRENDING_TABLE_NAME: expect.stringMatching(/^BatchJobsTrendingTable/),
      JOB_RUNS_TABLE_NAME: expect.stringMatching(/^BatchJobsJobRunsTable/),
      LAKE_BUCKET_NAME: expect.stringMatching(/^lakestoragebucket/),
      KEEP_VERSIONS: '3',
    });
  });
});

describe('the state machines’ alarm topic', () => {
  const sns = mockClient(SNSClient);
  const ids = jobFunctionIds(topology);
  const alarmTopic = [...topology.topics.values()].find((t) => t.logicalId.startsWith('AlarmTopic'));
  const plan = { job: 'trending', runId: 'run-1', steps: [] };
  beforeEach(() => {
    sns.reset();
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  });

  it('is the template’s AlarmTopic for every job, its Ref the local ARN', () => {
    expect(alarmTopic?.arn).toBe(localArn('sns', alarmTopic?.logicalId ?? ''));
    const jobMachines = [...topology.stateMachines.values()].filter((m) => m.job);
    expect(jobMachines.length).toBeGreaterThanOrEqual(2);
    for (const machine of jobMachines) expect(machine.notifyTopicId).toBe(alarmTopic?.logicalId);
  });

  function runnerWith(invoke: (functionId: string, event: unknown) => Promise<unknown>) {
    return new LocalJobRunner({
      topology,
      invoke,
      lake: '/nonexistent',
      sns: new SNSClient({ region: 'us-east-1' }),
      runStep: async () => undefined,
      clock: () => new Date('2026-12-03T10:00:00.000Z'),
    });
  }

  it('a failed run: the record-failure outcome’s subject and message, published to the topic', async () => {
    const runner = runnerWith(async (functionId) => {
      if (functionId === ids.plan) return plan;
      if (functionId === ids.validate) throw new FunctionError(functionId, 'Error', 'validate crashed');
      if (functionId === ids['record-failure'])
        return { job: 'trending', runId: 'run-1', subject: 'S failed', message: 'M failed' };
      throw new Error(`unexpected ${functionId}`);
    });
    const run = await runner.run('trending');
    expect(run.status).toBe('failed');
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(sns).toHaveReceivedCommandWith(PublishCommand, {
      TopicArn: alarmTopic?.arn,
      Subject: 'S failed',
      Message: 'M failed',
    });
  });

  it('a failure that cannot be recorded is still published, saying both errors', async () => {
    const runner = runnerWith(async (functionId) => {
      if (functionId === ids.plan) throw new FunctionError(functionId, 'Error', 'plan crashed');
      throw new FunctionError(functionId, 'Error', 'JobRuns unreachable');
    });
    expect((await runner.run('trending')).status).toBe('failed');
    expect(sns).toHaveReceivedCommandWith(PublishCommand, {
      TopicArn: alarmTopic?.arn,
      Subject: 'RecoStream trending run failed',
      Message: expect.stringMatching(/plan crashed.*JobRuns unreachable/),
    });
  });

  it('a rejected run is published too (in AWS its RunsRejected alarm notifies the topic)', async () => {
    const runner = runnerWith(async (functionId) => {
      if (functionId === ids.plan) return plan;
      if (functionId === ids.validate)
        return { passed: false, checks: [{ name: 'non_empty', passed: false, message: 'no rows' }] };
      throw new Error(`unexpected ${functionId}`);
    });
    expect((await runner.run('trending')).status).toBe('rejected');
    expect(sns).toHaveReceivedCommandWith(PublishCommand, {
      TopicArn: alarmTopic?.arn,
      Subject: 'RecoStream trending run rejected',
      Message: expect.stringContaining('non_empty: no rows'),
    });
  });

  it('a Publish that fails fails the run, as the NotifyFailure step fails the execution', async () => {
    sns.on(PublishCommand).rejects(new Error('SNS down'));
    const runner = runnerWith(async (functionId) => {
      if (functionId === ids.plan) return plan;
      if (functionId === ids.validate) throw new FunctionError(functionId, 'Error', 'validate crashed');
      return { job: 'trending', runId: 'run-1', subject: 'S', message: 'M' };
    });
    await expect(runner.run('trending')).rejects.toThrow('SNS down');
  });
});
