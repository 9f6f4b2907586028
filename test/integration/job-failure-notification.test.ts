/**
 * A failing batch job's notification arrives on the template's alarm topic through SNS, on whichever emulators
 * the run uses: the default set (the local SNS endpoint, whose topic file survives a restart) and, with
 * RECOSTREAM_EMULATORS=moto, moto_server's SNS read through a queue subscribed to the topic (.ci/run runs this
 * suite that way too). The job fails as it would on AWS when the lake holds a file that is not Parquet: the
 * query step fails on DuckDB, the record-failure Lambda marks the run, the NotifyFailure stand-in publishes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emulatorChoice } from '../../local/emulators';
import { findMotoServer } from '../../local/emulators/moto';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime/runtime';
import { eventually } from '../support/eventually';

const choice = emulatorChoice();
const motoMissing = choice.sns === 'moto' && !findMotoServer();
if (motoMissing)
  process.stderr.write('job-failure-notification: moto_server is not on PATH; skipped on the moto set\n');
const suite = motoMissing ? describe.skip : describe;

const dataDir = mkdtempSync(join(tmpdir(), 'job-failure-notification-'));
const jobNow = new Date('2026-03-02T12:00:00.000Z');
let runtime: LocalRuntime | undefined;

afterAll(async () => {
  await runtime?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

suite(`a failing job notifies the alarm topic (SNS on ${choice.sns})`, () => {
  beforeAll(async () => {
    runtime = await startLocalRuntime({
      dataDir,
      port: 0,
      trafficRate: 0,
      jobSpeed: 0,
      jobClock: () => jobNow,
    });
  }, 180_000);

  it('publishes the record-failure subject and message for the failed run', async () => {
    const local = runtime as LocalRuntime;
    const { jobs, alarms, lake } = local;
    if (!jobs || !alarms || !lake) throw new Error('the runtime has no jobs, alarm topic or lake');
    // Inside the run's window, where Firehose would have delivered it (into moto's S3 on the moto set);
    // DuckDB refuses it.
    await lake.put(
      'events/event_type=page_view/dt=2026-03-02/hour=11/corrupt.parquet',
      'this is not a Parquet file',
    );

    const run = await jobs.runner.run('trending');
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/corrupt.parquet/);

    const notifications = await eventually(
      () => alarms.notifications(),
      (all) => all.some((n) => n.Subject === 'RecoStream trending run failed'),
      60_000,
    );
    const failed = notifications.filter((n) => n.Subject === 'RecoStream trending run failed');
    expect(failed).toHaveLength(1);
    const alarmTopic = [...local.topology.topics.values()].find((t) => t.logicalId.startsWith('AlarmTopic'));
    expect(failed[0]).toMatchObject({
      Type: 'Notification',
      TopicArn: alarmTopic?.arn,
      Message: expect.stringContaining(`Batch job trending run ${run.runId} failed`),
    });
  }, 180_000);
});
