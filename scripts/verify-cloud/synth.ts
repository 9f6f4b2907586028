/**
 * Synthesises the app in-process with the cfn-guard plugin (AWS Control Tower rules, binary in
 * @cdklabs/cdk-validator-cfnguard) registered, so CDK matches each guard finding against the acknowledgements
 * in the construct tree and writes the result to the assembly's validation report. Bundling is skipped: the
 * templates differ only in asset hashes, which none of the checks reads.
 */
import { join } from 'node:path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { Validations } from 'aws-cdk-lib';
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
  const { app } = buildApp(context, { skipBundling: true, validate: false, outdir });
  Validations.of(app).addPlugins(new CfnGuardValidator({ maxBuffer: 64 << 20 }));
  const exitCode = process.exitCode;
  const assembly = app.synth();
  // CDK sets a failing exit code when a plugin reports violations; the guard step reads the report and decides.
  process.exitCode = exitCode;
  return {
    name,
    templatePaths: assembly.stacks.map((s) => join(assembly.directory, s.templateFile)),
    validationReportPath: join(assembly.directory, 'validation-report.json'),
  };
}
