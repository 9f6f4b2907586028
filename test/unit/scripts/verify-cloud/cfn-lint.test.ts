/**
 * cfn-lint step of `npm run verify:cloud`: the ignore list is checked, matches by rule and resource type only,
 * and a finding it does not cover stays a failure. The last test runs the real cfn-lint when the machine has it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyIgnores, parseCfnLintJson, runCfnLint } from '../../../../scripts/verify-cloud/cfn-lint';
import { CFN_LINT_IGNORES, checkIgnoreList } from '../../../../scripts/verify-cloud/cfn-lint-ignores';
import type { CfnTemplate } from '../../../../scripts/verify-cloud/template';

/** The shape cfn-lint 1.x prints with --format json (one finding, trimmed). */
function rawFinding(rule: string, path: Array<string | number>, level = 'Error') {
  return {
    Filename: 'cdk.out/RecoStream.template.json',
    Id: 'x',
    Level: level,
    Location: {
      Start: { LineNumber: 1, ColumnNumber: 1 },
      End: { LineNumber: 1, ColumnNumber: 2 },
      Path: path,
    },
    Message: `${rule} message`,
    ParentId: null,
    Rule: { Id: rule, Description: '', ShortDescription: '', Source: '' },
  };
}

const templates: Record<string, CfnTemplate> = {
  'RecoStream.template.json': {
    Resources: {
      Dashboard: { Type: 'AWS::CloudWatch::Dashboard' },
      Bucket: { Type: 'AWS::S3::Bucket' },
    },
  },
};

describe('cfn-lint ignore list', () => {
  it('the shipped list is well formed: rule ids, resource types and a reason for each entry', () => {
    expect(() => checkIgnoreList(CFN_LINT_IGNORES)).not.toThrow();
    expect(CFN_LINT_IGNORES.map((i) => i.rule)).toEqual(['E3002', 'W3005']);
  });

  it('refuses an entry without a reason or with something that is not a rule id', () => {
    expect(() => checkIgnoreList([{ rule: 'E3002', reason: ' ' }])).toThrow(/give the reason/);
    expect(() => checkIgnoreList([{ rule: 'Tags', reason: 'the spec lags behind aws-cdk-lib' }])).toThrow(
      /not a cfn-lint rule id/,
    );
    expect(() =>
      checkIgnoreList([
        { rule: 'E3002', resourceType: 'Dashboard', reason: 'the spec lags behind aws-cdk-lib' },
      ]),
    ).toThrow(/not a resource type/);
  });

  it('parses cfn-lint JSON: rule, level, template file and the resource the finding is on', () => {
    const findings = parseCfnLintJson(
      JSON.stringify([
        rawFinding('E3002', ['Resources', 'Dashboard', 'Properties', 'Tags']),
        rawFinding('E1001', [], 'Error'),
      ]),
    );
    expect(findings).toEqual([
      {
        rule: 'E3002',
        level: 'Error',
        file: 'RecoStream.template.json',
        resource: 'Dashboard',
        message: 'E3002 message',
      },
      {
        rule: 'E1001',
        level: 'Error',
        file: 'RecoStream.template.json',
        resource: undefined,
        message: 'E1001 message',
      },
    ]);
  });

  it('ignores E3002 on the dashboard only, W3005 anywhere, and nothing else', () => {
    const findings = parseCfnLintJson(
      JSON.stringify([
        rawFinding('E3002', ['Resources', 'Dashboard', 'Properties', 'Tags']),
        rawFinding('E3002', ['Resources', 'Bucket', 'Properties', 'Tags']),
        rawFinding('W3005', ['Resources', 'Bucket', 'DependsOn', 0], 'Warning'),
        rawFinding('E3012', ['Resources', 'Dashboard', 'Properties', 'DashboardBody']),
      ]),
    );
    const { ignored, remaining } = applyIgnores(findings, templates, CFN_LINT_IGNORES);
    expect(ignored.map((i) => `${i.finding.rule} ${i.finding.resource}`)).toEqual([
      'E3002 Dashboard',
      'W3005 Bucket',
    ]);
    expect(remaining.map((f) => `${f.rule} ${f.resource}`)).toEqual(['E3002 Bucket', 'E3012 Dashboard']);
  });

  it('reports a missing cfn-lint as not run, so the step can say it skipped', () => {
    expect(runCfnLint(['template.json'], 'cfn-lint-that-is-not-installed')).toEqual({
      ran: false,
      why: 'cfn-lint-that-is-not-installed is not on the PATH (pip install cfn-lint)',
    });
  });

  const hasCfnLint = spawnSync('cfn-lint', ['--version']).status === 0;
  (hasCfnLint ? it : it.skip)(
    'finds a real error with the real cfn-lint (the step can fail)',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'cfn-lint-'));
      try {
        const file = join(dir, 'broken.template.json');
        writeFileSync(
          file,
          JSON.stringify({
            Resources: { Queue: { Type: 'AWS::SQS::Queue', Properties: { VisibilityTimeout: 'soon' } } },
          }),
        );
        const run = runCfnLint([file]);
        if (!run.ran) throw new Error(run.why);
        const { remaining } = applyIgnores(
          run.findings,
          { 'broken.template.json': { Resources: { Queue: { Type: 'AWS::SQS::Queue' } } } },
          CFN_LINT_IGNORES,
        );
        expect(remaining.map((f) => [f.file, f.resource, f.level])).toContainEqual([
          'broken.template.json',
          'Queue',
          'Error',
        ]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    60_000,
  );
});
