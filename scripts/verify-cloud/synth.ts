/**
 * Synthesises the app in-process with the cfn-guard plugin (AWS Control Tower rules, binary in
 * @cdklabs/cdk-validator-cfnguard) registered, so CDK matches each guard finding against the acknowledgements
 * in the construct tree and writes the result to the assembly's validation report. Bundling is skipped: the
 * templates differ only in asset hashes, which none of the checks reads.
 */
import { join } from 'node:path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { Validations } from 'aws-cdk-lib';
import { FAIL_SYNTH_ON_VALIDATION_ERRORS_CONTEXT, VALIDATION_REPORT_FILE } from 'aws-cdk-lib/cx-api';
import { buildApp } from '../../lib/app-builder';

export interface SynthesisedVariant {
  readonly name: string;
  readonly templatePaths: string[];
  readonly validationReportPath: string;
}

/** The stack as deployed by default, and with every opt-in on (their extra resources get checked too). */
export const VARIANTS: ReadonlyArray<{ name: string; context: Record<string, unknown> }> = [
  { name: 'default', context: {} },
  { name: 'opt-ins', context: { pseudonymizeLakeUserIds: 'true', waf: 'true' } },
];

export function synthesise(
  name: string,
  context: Record<string, unknown>,
  outdir: string,
): SynthesisedVariant {
  // CDK writes the report and leaves the verdict to the guard step, which prints every finding with its path.
  const reportOnly = { [FAIL_SYNTH_ON_VALIDATION_ERRORS_CONTEXT]: false };
  const { app } = buildApp({ ...context, ...reportOnly }, { skipBundling: true, validate: false, outdir });
  Validations.of(app).addPlugins(new CfnGuardValidator({ maxBuffer: 64 << 20 }));
  const assembly = app.synth();
  return {
    name,
    templatePaths: assembly.stacks.map((s) => join(assembly.directory, s.templateFile)),
    validationReportPath: join(assembly.directory, VALIDATION_REPORT_FILE),
  };
}
