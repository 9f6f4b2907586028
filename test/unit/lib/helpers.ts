/**
 * Shared helpers for the construct tests: synthesise the real app (the same `buildApp` as `bin/app.ts`)
 * without esbuild and without the synth-time validators, which keeps one synthesis around a second.
 */

import type { CfnElement } from 'aws-cdk-lib';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { buildApp } from '../../../lib/app-builder';
import type { RecoStreamStack } from '../../../lib/recostream-stack';

export interface SynthesisedApp {
  readonly stack: RecoStreamStack;
  readonly template: Template;
}

/** Builds and synthesises the app with `context`, skipping bundling and validation (see app-builder tests). */
export function synthApp(context: Record<string, unknown> = {}): SynthesisedApp {
  const { stack } = buildApp(context, { skipBundling: true, validate: false });
  return { stack, template: Template.fromStack(stack) };
}

/** Logical ID of a construct's CloudFormation resource (the construct itself or its default child). */
export function logicalIdOf(construct: IConstruct): string {
  const element = (construct.node.defaultChild ?? construct) as CfnElement;
  return Stack.of(construct).resolve(element.logicalId) as string;
}

/**
 * A bare App for tests that build one construct on its own: no esbuild, and no built-in CloudFormation
 * validation (it costs about 5 s of CPU per synthesis; `cdk synth` and the app-builder tests run it).
 */
export function testApp(): App {
  return new App({ context: { 'aws:cdk:bundling-stacks': [] }, builtinCloudFormationValidation: false });
}
