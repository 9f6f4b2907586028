import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { App, Tags, Validations } from 'aws-cdk-lib';
import { REPO_ROOT } from './recostream-function';
import { RecoStreamStack, type RecoStreamStackProps } from './recostream-stack';

/** Context key that lists the stacks whose assets are bundled; `[]` skips esbuild entirely. */
export const BUNDLING_STACKS_CONTEXT = 'aws:cdk:bundling-stacks';

/** Id (and stack name) of the one stack of the app. */
export const STACK_ID = 'RecoStream';

export interface BuildAppOptions {
  /**
   * Run cdk-nag (AwsSolutions and Serverless packs) and CDK's built-in CloudFormation template validation
   * when the app is synthesised; an unacknowledged finding then fails synthesis. Turn off where only the
   * template is needed (construct assertions, the local runtime): the built-in validation alone costs
   * seconds per synthesis.
   * @default true
   */
  readonly validate?: boolean;
  /**
   * Skip esbuild for every function (context `aws:cdk:bundling-stacks: []`). The template is unchanged
   * except for the code asset hashes, which then derive from construct paths instead of bundle contents.
   * @default false
   */
  readonly skipBundling?: boolean;
}

/**
 * Builds the RecoStream app exactly as `bin/app.ts` does, so tests and the local runtime can synthesise it
 * in-process. The feature flags of `cdk.json` are applied first (the CLI passes them on its own; in-process
 * callers would otherwise get a different template), then `context` on top.
 *
 * Context keys: `streamMode` ('ON_DEMAND' | 'PROVISIONED'), `shardCount`, `streamRetentionHours`,
 * `maxEventAgeDays`.
 */
export function buildApp(
  context: Record<string, unknown> = {},
  options: BuildAppOptions = {},
): { app: App; stack: RecoStreamStack } {
  const validate = options.validate ?? true;
  const app = new App({
    context: {
      ...cdkJsonContext(),
      ...context,
      ...(options.skipBundling ? { [BUNDLING_STACKS_CONTEXT]: [] } : {}),
    },
    builtinCloudFormationValidation: validate,
  });
  const stack = new RecoStreamStack(app, STACK_ID, {
    description:
      'RecoStream: real-time recommendations (ingest API, events stream, feature store, data lake)',
    ...stackPropsFromContext(app),
  });
  Tags.of(app).add('project', 'recostream');
  if (validate) {
    // Loaded on demand: cdk-nag pulls in a few hundred rule modules that in-process callers skipping
    // validation (the local runtime) would pay for at every start.
    const { AwsSolutionsChecks, ServerlessChecks } = require('cdk-nag') as typeof import('cdk-nag');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  }
  return { app, stack };
}

/** Reads and validates the stack settings from context (CLI `-c key=value` gives strings). */
export function stackPropsFromContext(app: App): RecoStreamStackProps {
  const streamMode = app.node.tryGetContext('streamMode') ?? 'ON_DEMAND';
  if (streamMode !== 'ON_DEMAND' && streamMode !== 'PROVISIONED') {
    throw new Error(`Context streamMode must be 'ON_DEMAND' or 'PROVISIONED', got '${streamMode}'`);
  }
  return {
    streamMode,
    shardCount: numberContext(app, 'shardCount'),
    streamRetentionHours: numberContext(app, 'streamRetentionHours'),
    maxEventAgeDays: numberContext(app, 'maxEventAgeDays'),
    itemStatsWindowSeconds: numberContext(app, 'itemStatsWindowSeconds'),
  };
}

function numberContext(app: App, key: string): number | undefined {
  const raw: unknown = app.node.tryGetContext(key);
  if (raw === undefined || raw === null || raw === '') return undefined;
  const value = typeof raw === 'number' ? raw : Number(raw);
  if (!Number.isInteger(value)) throw new Error(`Context ${key} must be an integer, got '${String(raw)}'`);
  return value;
}

function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(resolve(REPO_ROOT, 'cdk.json'), 'utf8')) as { context?: object };
  return { ...cdkJson.context };
}
