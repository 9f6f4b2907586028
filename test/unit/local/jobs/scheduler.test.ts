import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalJobRunner } from '../../../../local/jobs/runner';
import { LocalJobScheduler } from '../../../../local/jobs/scheduler';
import type { LocalTopology } from '../../../../local/topology';

const lakeDir = mkdtempSync(join(tmpdir(), 'sched-'));
afterAll(() => rmSync(lakeDir, { recursive: true, force: true }));

const topology = {
  stateMachines: new Map([
    ['CfSM', { logicalId: 'CfSM', job: 'cf' }],
    ['TrSM', { logicalId: 'TrSM', job: 'trending' }],
  ]),
  schedules: [
    {
      logicalId: 'S1',
      expression: 'cron(0 2 * * ? *)',
      timezone: 'Etc/UTC',
      enabled: true,
      stateMachineId: 'CfSM',
      input: {},
    },
    {
      logicalId: 'S2',
      expression: 'rate(15 minutes)',
      timezone: 'Etc/UTC',
      enabled: true,
      stateMachineId: 'TrSM',
      input: {},
    },
  ],
} as unknown as LocalTopology;

describe('LocalJobScheduler', () => {
  it('waits for the lake, runs every job, retries until published, then follows the fast-forwarded schedule', async () => {
    let now = Date.parse('2026-11-26T05:00:00Z');
    const ran: string[] = [];
    const active = new Set<string>();
    const runner = {
      run: async (job: string) => {
        ran.push(`${job}@${new Date(now).toISOString().slice(11, 19)}`);
        if (job === 'trending' || ran.length > 2) active.add(job);
        return {};
      },
      hasActiveVersion: (job: string) => active.has(job),
      refreshActiveVersions: async () => undefined,
    } as unknown as LocalJobRunner;
    const scheduler = new LocalJobScheduler({ topology, runner, lake: lakeDir, speed: 96, now: () => now });
    const tick = () => (scheduler as unknown as { tick(): Promise<void> }).tick();

    await tick();
    expect(ran).toEqual([]);
    mkdirSync(join(lakeDir, 'events', 'event_type=purchase'), { recursive: true });
    writeFileSync(join(lakeDir, 'events', 'event_type=purchase', 'a.parquet'), '');
    await tick();
    await tick();
    // cf was rejected (no active version): retried 20 s later; trending published: next at max(15 min / 96, 30 s).
    expect(ran).toEqual(['cf@05:00:00', 'trending@05:00:00']);
    expect(scheduler.byJob()).toMatchObject({
      cf: { nextRunAt: '2026-11-26T05:00:20.000Z' },
      trending: { nextRunAt: '2026-11-26T05:00:30.000Z' },
    });
    now += 20_000;
    await tick();
    expect(ran.at(-1)).toBe('cf@05:00:20');
    // Published now: the next cf is 02:00 of the simulated clock. Simulated now = 05:00 + 20 s * 96 = 05:32;
    // 02:00 next day is 20 h 28 min of simulated time away = 767.5 s of real time.
    expect(scheduler.byJob().cf?.nextRunAt).toBe(
      new Date(Date.parse('2026-11-26T05:00:20Z') + 767_500).toISOString(),
    );
  });
});
