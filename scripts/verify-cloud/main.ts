/**
 * `npm run verify:cloud`: checks the synthesised stack and the app's Athena SQL with tools nobody here wrote.
 * cfn-lint (skipped, with a message, only when the binary is absent), cfn-guard with the AWS Control Tower
 * rules, asl-validator on every state machine, and the Trino grammar plus the DuckDB-only function list on every
 * SQL text sent to Athena. Exits 1 on any unignored or unacknowledged finding.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { athenaSqlTexts, checkAthenaSql } from './athena-sql';
import { applyIgnores, runCfnLint } from './cfn-lint';
import { CFN_LINT_IGNORES } from './cfn-lint-ignores';
import { readGuardSummary } from './guard-report';
import { validateStateMachines } from './state-machines';
import { synthesise, VARIANTS } from './synth';
import { type CfnTemplate, readTemplate } from './template';

function countBy(items: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${k} x${n}`).join(', ') || 'none';
}

function main(): number {
  const out = mkdtempSync(join(tmpdir(), 'verify-cloud-'));
  const failures: string[] = [];
  const summary: string[] = [];
  try {
    for (const variant of VARIANTS) {
      const synth = synthesise(variant.name, variant.context, join(out, variant.name));
      const templates: Record<string, CfnTemplate> = Object.fromEntries(
        synth.templatePaths.map((p) => [basename(p), readTemplate(p)]),
      );
      const line = (tool: string, text: string) =>
        summary.push(`  [${variant.name}] ${tool.padEnd(10)} ${text}`);

      const lint = runCfnLint(synth.templatePaths);
      if (lint.ran) {
        const { ignored, remaining } = applyIgnores(lint.findings, templates, CFN_LINT_IGNORES);
        for (const f of remaining)
          failures.push(`cfn-lint ${f.rule} ${f.file} ${f.resource ?? ''}: ${f.message}`);
        line(
          'cfn-lint',
          `${remaining.length} findings, ${ignored.length} ignored (${countBy(ignored.map((i) => i.finding.rule))})`,
        );
      } else {
        line('cfn-lint', `SKIPPED: ${lint.why}`);
      }

      const guard = readGuardSummary(synth.validationReportPath);
      for (const f of guard.unacknowledged)
        failures.push(
          `cfn-guard ${f.rule} at ${f.constructPath}: fix it, or acknowledgeGuardRule() with a reason`,
        );
      const acknowledged = Object.entries(guard.acknowledged);
      line(
        'cfn-guard',
        `${guard.unacknowledged.length} unacknowledged, ` +
          `${acknowledged.reduce((n, [, c]) => n + c, 0)} acknowledged in ${acknowledged.length} rules ` +
          `(${acknowledged.map(([r, c]) => `${r} x${c}`).join(', ')})`,
      );

      const machines = Object.values(templates).flatMap(validateStateMachines);
      for (const m of machines) for (const e of m.errors) failures.push(`asl ${m.logicalId}: ${e}`);
      line(
        'asl',
        `${machines.filter((m) => m.errors.length === 0).length}/${machines.length} state machines valid`,
      );

      const texts = Object.values(templates).flatMap(athenaSqlTexts);
      const problems = texts.flatMap(checkAthenaSql);
      for (const p of problems) failures.push(`athena sql ${p.source}: ${p.problem}`);
      line(
        'athena-sql',
        `${texts.length} texts, ${problems.length} problems (Trino grammar, DuckDB-only functions)`,
      );
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  for (const f of failures) console.error(`FAIL ${f}`);
  console.log(
    ['verify:cloud summary', ...summary, failures.length ? `FAILED: ${failures.length}` : 'OK'].join('\n'),
  );
  return failures.length ? 1 : 0;
}

process.exitCode = main();
