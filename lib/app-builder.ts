import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { App, Tags, Validations } from 'aws-cdk-lib';
import { z } from 'zod';
import { ExplorationConfigSchema } from '../lambdas/shared/exploration-config';
import type { JobName } from '../lambdas/shared/published';
import { RulesConfigSchema } from '../lambdas/shared/recommend-rules';
import { lakePurgeRoleName } from './lake-purge';
import { RecoStreamDataStack, type RecoStreamDataStackProps } from './recostream-data-stack';
import { REPO_ROOT } from './recostream-function';
import { RecoStreamStack, type RecoStreamStackProps } from './recostream-stack';

/** Context key that lists the stacks whose assets are bundled; `[]` skips esbuild entirely. */
export const BUNDLING_STACKS_CONTEXT = 'aws:cdk:bundling-stacks';

/** Id (and stack name) of the app stack: functions, APIs, state machines, alarms. */
export const STACK_ID = 'RecoStream';
/** Id (and stack name) of the stack of the stateful resources (termination protection on). */
export const DATA_STACK_ID = 'RecoStreamData';

/** The app as `buildApp` returns it: the data stack is deployed first (the app stack imports from it). */
export interface BuiltApp {
  readonly app: App;
  /** The app stack. */
  readonly stack: RecoStreamStack;
  readonly dataStack: RecoStreamDataStack;
}

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
  /**
   * Where `app.synth()` writes the cloud assembly (`npm run verify:cloud` reads the templates and the
   * validation report from there).
   * @default - the CLI's `cdk.out`, or a temporary folder removed at exit
   */
  readonly outdir?: string;
}

/**
 * Builds the RecoStream app exactly as `bin/app.ts` does, so tests and the local runtime can synthesise it
 * in-process. The feature flags of `cdk.json` are applied first (the CLI passes them on its own; in-process
 * callers would otherwise get a different template), then `context` on top.
 *
 * Context keys (the only place the app reads context; the stack takes typed props): `streamMode`
 * ('ON_DEMAND' | 'PROVISIONED'), `shardCount`, `streamRetentionHours`, `maxEventAgeDays`,
 * `pseudonymizeLakeUserIds` (true: HMAC pseudonyms in the lake), `jobGateThresholds` (JSON, e.g.
 * `'{"cf":{"minCoverage":0.2}}'`), `waf` (true: a web ACL on both APIs), `alarmEmail` (subscribed to alarms),
 * `recommendationRules` (JSON: the recommendation API's filters, boosts and promotion; docs/rules.md),
 * `recommendationExploration` (JSON: new arrivals' slots and age cut-off; docs/recommendations.md).
 */
export function buildApp(context: Record<string, unknown> = {}, options: BuildAppOptions = {}): BuiltApp {
  const validate = options.validate ?? true;
  const app = new App({
    context: {
      ...cdkJsonContext(),
      ...context,
      ...(options.skipBundling ? { [BUNDLING_STACKS_CONTEXT]: [] } : {}),
    },
    builtinCloudFormationValidation: validate,
    outdir: options.outdir,
  });
  const { dataProps, appProps } = stackPropsFromContext(app);
  const dataStack = new RecoStreamDataStack(app, DATA_STACK_ID, {
    description: 'RecoStream data: key, events stream, buckets, tables, dead-letter queue, secrets',
    ...dataProps,
    deliveryErrorReaderRoleNames: [lakePurgeRoleName(STACK_ID)],
  });
  const stack = new RecoStreamStack(app, STACK_ID, {
    description:
      'RecoStream: real-time recommendations (ingest API, events stream, feature store, data lake)',
    ...appProps,
    data: dataStack.resources,
  });
  Tags.of(app).add('project', 'recostream');
  if (validate) {
    // Loaded on demand: cdk-nag pulls in a few hundred rule modules that in-process callers skipping
    // validation (the local runtime) would pay for at every start.
    const { AwsSolutionsChecks, ServerlessChecks } = require('cdk-nag') as typeof import('cdk-nag');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  }
  return { app, stack, dataStack };
}

/** The settings of both stacks, as context gives them (the data stack's role names are added by buildApp). */
export interface StackPropsFromContext {
  readonly dataProps: Omit<RecoStreamDataStackProps, 'deliveryErrorReaderRoleNames'>;
  readonly appProps: Omit<RecoStreamStackProps, 'data'>;
}

/** Reads and validates the stack settings from context (CLI `-c key=value` gives strings). */
export function stackPropsFromContext(app: App): StackPropsFromContext {
  const streamMode = app.node.tryGetContext('streamMode') ?? 'ON_DEMAND';
  if (streamMode !== 'ON_DEMAND' && streamMode !== 'PROVISIONED') {
    throw new Error(`Context streamMode must be 'ON_DEMAND' or 'PROVISIONED', got '${streamMode}'`);
  }
  const streamRetentionHours = numberContext(app, 'streamRetentionHours');
  return {
    dataProps: {
      streamMode,
      shardCount: numberContext(app, 'shardCount'),
      streamRetentionHours,
      pseudonymizeLakeUserIds: booleanContext(app, 'pseudonymizeLakeUserIds'),
    },
    appProps: appPropsFromContext(app, streamRetentionHours),
  };
}

function appPropsFromContext(
  app: App,
  streamRetentionHours: number | undefined,
): StackPropsFromContext['appProps'] {
  return {
    streamRetentionHours,
    maxEventAgeDays: numberContext(app, 'maxEventAgeDays'),
    jobGateThresholds: jsonContext(app, 'jobGateThresholds', gateThresholdOverrides),
    waf: booleanContext(app, 'waf'),
    alarmEmail: stringContext(app, 'alarmEmail'),
    itemStatsWindowSeconds: numberContext(app, 'itemStatsWindowSeconds'),
    recommendationRules: jsonContext(app, 'recommendationRules', RulesConfigSchema),
    recommendationExploration: jsonContext(app, 'recommendationExploration', ExplorationConfigSchema),
  };
}

const thresholdOverrides = z
  .object({
    maxInputAgeMinutes: z.number().positive(),
    maxDriftFactor: z.number().min(1),
    minRowsForDrift: z.number().int().nonnegative(),
    minCoverage: z.number().min(0).max(1),
  })
  .partial()
  .strict();
/** Per job; a job this app does not run is an error, not ignored. */
const gateThresholdOverrides = z.strictObject({
  cf: thresholdOverrides.optional(),
  trending: thresholdOverrides.optional(),
} satisfies Record<JobName, unknown>);

/** `true`/`false` from the CLI (strings) or in-process callers (booleans); absent is undefined. */
function booleanContext(app: App, key: string): boolean | undefined {
  const raw: unknown = app.node.tryGetContext(key);
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (raw === true || raw === 'true') return true;
  if (raw === false || raw === 'false') return false;
  throw new Error(`Context ${key} must be true or false, got '${String(raw)}'`);
}

function stringContext(app: App, key: string): string | undefined {
  const raw: unknown = app.node.tryGetContext(key);
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (typeof raw !== 'string') throw new Error(`Context ${key} must be a string, got ${JSON.stringify(raw)}`);
  return raw;
}

/** A context value given as JSON text (CLI `-c`) or as an object (in-process callers), checked by `schema`. */
function jsonContext<T>(app: App, key: string, schema: z.ZodType<T>): T | undefined {
  const raw: unknown = app.node.tryGetContext(key);
  if (raw === undefined || raw === null || raw === '') return undefined;
  let value: unknown = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      throw new Error(`Context ${key} must be JSON, got '${raw}'`);
    }
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new Error(`Context ${key}: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
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
