/**
 * cfn-lint (AWS's CloudFormation linter, from the machine's Python) on the synthesised templates, with the
 * documented ignore list of cfn-lint-ignores.ts.
 */
import { spawnSync } from 'node:child_process';
import { basename } from 'node:path';
import { type CfnLintIgnore, checkIgnoreList } from './cfn-lint-ignores';
import type { CfnTemplate } from './template';

export interface CfnLintFinding {
  readonly rule: string;
  readonly level: string;
  readonly file: string;
  /** Logical id of the resource the finding is on, if it is on one. */
  readonly resource?: string;
  readonly message: string;
}

export type CfnLintRun =
  | { readonly ran: true; readonly findings: CfnLintFinding[] }
  | { readonly ran: false; readonly why: string };

interface RawFinding {
  readonly Filename: string;
  readonly Level: string;
  readonly Message: string;
  readonly Rule: { readonly Id: string };
  readonly Location: { readonly Path?: ReadonlyArray<string | number> };
}

/** Parses `cfn-lint --format json` output. */
export function parseCfnLintJson(stdout: string): CfnLintFinding[] {
  const raw = JSON.parse(stdout) as RawFinding[];
  if (!Array.isArray(raw)) throw new Error('cfn-lint --format json did not print a list');
  return raw.map((f) => {
    const path = f.Location.Path ?? [];
    const resource = path[0] === 'Resources' && typeof path[1] === 'string' ? path[1] : undefined;
    return { rule: f.Rule.Id, level: f.Level, file: basename(f.Filename), resource, message: f.Message };
  });
}

/** Runs cfn-lint on `templatePaths`; `ran: false` only when no cfn-lint is on the PATH. */
export function runCfnLint(templatePaths: readonly string[], command = 'cfn-lint'): CfnLintRun {
  const run = spawnSync(command, ['--format', 'json', ...templatePaths], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if ((run.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT')
    return { ran: false, why: `${command} is not on the PATH (pip install cfn-lint)` };
  if (run.error) throw run.error;
  // Exit codes are a bit mask of the levels found (2 error, 4 warning, 8 informational); 1 is a crash.
  if (run.status === 1 || run.status === null)
    throw new Error(`cfn-lint failed (exit ${run.status}): ${run.stderr.slice(0, 2000)}`);
  return { ran: true, findings: parseCfnLintJson(run.stdout || '[]') };
}

/** Splits findings into those the ignore list covers (with the entry) and the rest. */
export function applyIgnores(
  findings: readonly CfnLintFinding[],
  templates: Readonly<Record<string, CfnTemplate>>,
  ignores: readonly CfnLintIgnore[],
): { ignored: Array<{ finding: CfnLintFinding; ignore: CfnLintIgnore }>; remaining: CfnLintFinding[] } {
  checkIgnoreList(ignores);
  const ignored: Array<{ finding: CfnLintFinding; ignore: CfnLintIgnore }> = [];
  const remaining: CfnLintFinding[] = [];
  for (const finding of findings) {
    const type = finding.resource ? templates[finding.file]?.Resources?.[finding.resource]?.Type : undefined;
    const ignore = ignores.find(
      (i) => i.rule === finding.rule && (i.resourceType === undefined || i.resourceType === type),
    );
    if (ignore) ignored.push({ finding, ignore });
    else remaining.push(finding);
  }
  return { ignored, remaining };
}
