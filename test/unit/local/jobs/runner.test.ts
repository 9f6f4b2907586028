/** The local runtime reads the batch jobs from the template: schedules, their state machines' jobs, functions. */
import { buildApp } from '../../../../lib/app-builder';
import { jobFunctionIds } from '../../../../local/jobs/runner';
import { templateOfStacks, topologyFromTemplate } from '../../../../local/topology';

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
