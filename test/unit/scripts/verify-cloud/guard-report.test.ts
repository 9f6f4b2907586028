/**
 * cfn-guard step of `npm run verify:cloud`: the real guard binary and Control Tower rules on a small app. A
 * finding is acknowledged only by acknowledgeGuardRule on its construct or an ancestor, for that rule; any other
 * finding stays unacknowledged and fails the step.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { FAIL_SYNTH_ON_VALIDATION_ERRORS_CONTEXT, VALIDATION_REPORT_FILE } from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';
import { acknowledgeGuardRule } from '../../../../lib/private/guard-rules';
import {
  type GuardSummary,
  guardSummary,
  readGuardSummary,
} from '../../../../scripts/verify-cloud/guard-report';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'guard-report-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Two queues without a dead-letter queue (CT.SQS.PR.1), `acknowledge` applied to the tree, guard run at synth. */
function guardQueues(
  name: string,
  acknowledge: (s: { stack: Stack; a: Queue; group: Construct }) => void,
): GuardSummary {
  const app = new App({
    outdir: join(dir, name),
    context: { 'aws:cdk:bundling-stacks': [], [FAIL_SYNTH_ON_VALIDATION_ERRORS_CONTEXT]: false },
  });
  const stack = new Stack(app, 'Small');
  const a = new Queue(stack, 'A');
  const group = new Construct(stack, 'Group');
  new Queue(group, 'B');
  acknowledge({ stack, a, group });
  Validations.of(app).addPlugins(new CfnGuardValidator());
  app.synth();
  return readGuardSummary(join(dir, name, VALIDATION_REPORT_FILE));
}

const dlqFindings = (s: GuardSummary) =>
  s.unacknowledged.filter((f) => f.rule === 'sqs_dlq_check').map((f) => f.constructPath);

describe('cfn-guard acknowledgements', () => {
  it('without an acknowledgement, each queue is an unacknowledged finding', () => {
    const summary = guardQueues('none', () => {});
    expect(dlqFindings(summary).sort()).toEqual(['Small/A/Resource', 'Small/Group/B/Resource']);
    expect(summary.acknowledged.sqs_dlq_check).toBeUndefined();
  }, 60_000);

  it('an acknowledgement covers its construct and what is below it, and nothing else', () => {
    const summary = guardQueues('one', ({ group }) =>
      acknowledgeGuardRule(group, 'sqs_dlq_check', 'test: the queues of this group are dead-letter queues'),
    );
    expect(dlqFindings(summary)).toEqual(['Small/A/Resource']);
    expect(summary.acknowledged.sqs_dlq_check).toBe(1);
  }, 60_000);

  it('an acknowledgement of another rule covers nothing', () => {
    const summary = guardQueues('other', ({ a }) =>
      acknowledgeGuardRule(a, 'lambda_inside_vpc_check', 'test: the wrong rule for a queue'),
    );
    expect(dlqFindings(summary).sort()).toEqual(['Small/A/Resource', 'Small/Group/B/Resource']);
  }, 60_000);

  it('reports a plugin that could not run instead of reading it as clean', () => {
    const report = {
      pluginReports: [
        { pluginName: 'cdk-validator-cfnguard', metadata: { error: 'spawn ENOENT' }, violations: [] },
      ],
    };
    expect(() => guardSummary(JSON.stringify(report))).toThrow('cfn-guard did not run: spawn ENOENT');
  });
});
