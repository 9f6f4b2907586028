/**
 * Reads the cfn-guard part of CDK's validation report (`validation-report.json` in the cloud assembly): CDK
 * runs the plugin on the synthesised templates and moves every violation acknowledged in the construct tree
 * (lib/private/guard-rules.ts) to `suppressedViolations`. What stays in `violations` is unacknowledged.
 */
import { readFileSync } from 'node:fs';
import { GUARD_PLUGIN_NAME } from '../../lib/private/guard-rules';

interface ReportViolation {
  readonly ruleName: string;
  readonly description?: string;
  readonly violatingConstructs: ReadonlyArray<{ readonly constructPath: string }>;
  readonly reason?: string;
}

interface PluginReport {
  readonly pluginName: string;
  readonly metadata?: { readonly error?: string };
  readonly violations: readonly ReportViolation[];
  readonly suppressedViolations?: readonly ReportViolation[];
}

export interface GuardFinding {
  readonly rule: string;
  readonly constructPath: string;
  readonly description?: string;
}

export interface GuardSummary {
  readonly unacknowledged: GuardFinding[];
  /** Acknowledged findings per rule. */
  readonly acknowledged: Record<string, number>;
}

/** The guard findings of a CDK validation report (its JSON text); no report for the plugin means none found. */
export function guardSummary(reportJson: string): GuardSummary {
  const report = JSON.parse(reportJson) as { pluginReports?: PluginReport[] };
  const guard = (report.pluginReports ?? []).filter((r) => r.pluginName === GUARD_PLUGIN_NAME);
  const failure = guard.find((r) => r.metadata?.error);
  if (failure) throw new Error(`cfn-guard did not run: ${failure.metadata?.error}`);
  const unacknowledged = guard.flatMap((r) =>
    r.violations.flatMap((v) =>
      v.violatingConstructs.map((c) => ({
        rule: v.ruleName,
        constructPath: c.constructPath,
        description: v.description,
      })),
    ),
  );
  const acknowledged: Record<string, number> = {};
  for (const v of guard.flatMap((r) => r.suppressedViolations ?? []))
    acknowledged[v.ruleName] = (acknowledged[v.ruleName] ?? 0) + v.violatingConstructs.length;
  return { unacknowledged, acknowledged };
}

export function readGuardSummary(reportPath: string): GuardSummary {
  return guardSummary(readFileSync(reportPath, 'utf8'));
}
