/**
 * Shared helpers for the construct tests: synthesise the real app (the same `buildApp` as `bin/app.ts`)
 * without esbuild and without the synth-time validators, which keeps one synthesis around a second.
 */

import type { CfnElement } from 'aws-cdk-lib';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { buildApp } from '../../../lib/app-builder';
import type { RecoStreamDataStack } from '../../../lib/recostream-data-stack';
import type { RecoStreamStack } from '../../../lib/recostream-stack';
import { templateOfStacks } from '../../../local/topology';

export interface SynthesisedApp {
  /** The app stack. */
  readonly stack: RecoStreamStack;
  readonly dataStack: RecoStreamDataStack;
  /**
   * Both stacks' resources as one template, each cross-stack import replaced by the exported value (what the
   * local runtime reads, `templateOfStacks`): assertions on a wiring read the same whichever stack owns a part.
   * Outputs and per-stack facts: `appTemplate`, `dataTemplate`.
   */
  readonly template: Template;
  readonly appTemplate: Template;
  readonly dataTemplate: Template;
}

/** Builds and synthesises the app with `context`, skipping bundling and validation (see app-builder tests). */
export function synthApp(context: Record<string, unknown> = {}): SynthesisedApp {
  const { app, stack, dataStack } = buildApp(context, { skipBundling: true, validate: false });
  const assembly = app.synth();
  return {
    stack,
    dataStack,
    template: Template.fromJSON(templateOfStacks(assembly.stacks)),
    appTemplate: Template.fromJSON(assembly.getStackByName(stack.stackName).template),
    dataTemplate: Template.fromJSON(assembly.getStackByName(dataStack.stackName).template),
  };
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
