/**
 * The plan travels between the state machine's steps as JSON and each Lambda parses it again: every field
 * planRun can produce must survive that parse (a dropped `asOf` once made a replay's validation judge drift).
 */
import { parsePlan } from '../../../lambdas/jobs/job-env';
import { planRun } from '../../../lambdas/jobs/job-plan';

describe('job plan between steps', () => {
  it.each(['cf', 'trending'] as const)('%s: parsePlan keeps every field planRun writes', (job) => {
    const now = new Date('2026-11-26T02:00:00.000Z');
    const plans = [
      planRun({ job, now, runIdSuffix: 'abcd', lakeBucket: 'lake' }),
      planRun({ job, now, runIdSuffix: 'abcd', lakeBucket: 'lake', asOf: '2010-12-24T00:00:00.000Z' }),
      {
        ...planRun({ job, now, runIdSuffix: 'abcd', lakeBucket: 'lake' }),
        lastSuccessAgeSeconds: 3600,
      },
    ];
    for (const plan of plans) expect(parsePlan(JSON.parse(JSON.stringify(plan)))).toEqual(plan);
  });
});
