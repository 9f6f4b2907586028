/**
 * RecoFunction is the one Lambda construct of the app, so its fixed settings (runtime, arm64, tracing, JSON
 * logs into a retained log group, Powertools environment) and the `recostream:entry` metadata that the local
 * runtime reads must hold for every function. Tested on a lone function, and the metadata on the whole app.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import {
  ENTRY_METADATA_KEY,
  HANDLER_METADATA_KEY,
  REPO_ROOT,
  RecoFunction,
} from '../../../lib/recostream-function';
import { logicalIdOf, synthApp, testApp } from './helpers';

const ENTRY = 'lambdas/consumer/handler.ts';

function loneFunction(): { fn: RecoFunction; template: Template } {
  const stack = new Stack(testApp(), 'Test');
  const fn = new RecoFunction(stack, 'Fn', { entry: ENTRY, environment: { EXTRA: 'x' } });
  return { fn, template: Template.fromStack(stack) };
}

describe('RecoFunction', () => {
  const { fn, template } = loneFunction();

  it('runs Node.js 22 on arm64 with active tracing', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      Handler: 'index.handler',
    });
  });

  it('always writes memory size and timeout to the template', () => {
    template.hasResourceProperties('AWS::Lambda::Function', { MemorySize: 256, Timeout: 10 });
  });

  it('logs JSON into its own log group', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      LoggingConfig: Match.objectLike({ LogFormat: 'JSON', LogGroup: { Ref: logicalIdOf(fn.logGroup) } }),
    });
  });

  it('keeps its logs one month', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('sets the Powertools service from the entry folder, source maps, and extra variables', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          POWERTOOLS_SERVICE_NAME: 'consumer',
          POWERTOOLS_METRICS_NAMESPACE: 'RecoStream',
          NODE_OPTIONS: '--enable-source-maps',
          EXTRA: 'x',
        },
      },
    });
  });

  it('records the entry and handler as resource metadata for the local runtime', () => {
    template.hasResource('AWS::Lambda::Function', {
      Metadata: Match.objectLike({ [ENTRY_METADATA_KEY]: ENTRY, [HANDLER_METADATA_KEY]: 'handler' }),
    });
  });

  it('rejects an absolute entry', () => {
    const stack = new Stack(testApp(), 'Abs');
    expect(() => new RecoFunction(stack, 'Fn', { entry: '/tmp/handler.ts' })).toThrow(
      /relative to the repository root/,
    );
  });

  it('rejects an entry outside the repository', () => {
    const stack = new Stack(testApp(), 'Out');
    expect(() => new RecoFunction(stack, 'Fn', { entry: '../elsewhere/handler.ts' })).toThrow(
      /inside the repository/,
    );
  });

  it.each(['', 'quarantine', '/quarantine/', 'quarantine/*/'])(
    'refuses the bucket prefix %p, which would widen the grant',
    (prefix) => {
      const bucket = { grantPut: jest.fn() } as never;
      expect(() => fn.bindBucketPrefixWriter(bucket, prefix, 'BUCKET')).toThrow(/Bucket prefix must be/);
    },
  );
});

describe('every function of the app', () => {
  it('carries recostream:entry metadata pointing at an existing handler file', () => {
    const { template } = synthApp();
    // Except the custom-resource provider framework's function, which is CDK's code, not ours.
    const functions = Object.entries(template.findResources('AWS::Lambda::Function'))
      .filter(([id]) => !id.includes('ProviderframeworkonEvent'))
      .map(([, fn]) => fn);
    expect(functions.length).toBeGreaterThanOrEqual(3);
    for (const fn of functions) {
      const entry = fn.Metadata?.[ENTRY_METADATA_KEY];
      expect({
        entry,
        exists: existsSync(resolve(REPO_ROOT, String(entry))),
        handler: fn.Metadata?.[HANDLER_METADATA_KEY],
      }).toEqual({
        entry: expect.stringMatching(/^lambdas\/[a-z-]+(\/[a-z-]+)?\/handler\.ts$/),
        exists: true,
        handler: 'handler',
      });
    }
  });
});
