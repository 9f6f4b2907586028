/**
 * `buildApp` is the single way the app is assembled (bin/app.ts, the tests, the local runtime). These tests
 * check that the whole app passes cdk-nag's AwsSolutions and Serverless packs with every finding either fixed
 * or acknowledged with a reason, that CDK itself reports no warnings, and that the stack settings are read
 * from context the way the CLI passes them (strings).
 */

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { buildApp, stackPropsFromContext } from '../../../lib/app-builder';

describe('cdk-nag', () => {
  const { app, stack, dataStack } = buildApp({}, { skipBundling: true, validate: false });
  app.synth();

  it.each([
    ['AwsSolutions', new AwsSolutionsChecks()],
    ['Serverless', new ServerlessChecks()],
  ])('%s reports no unacknowledged error or warning in either stack', (_name, pack) => {
    const findings = [stack, dataStack].flatMap((s) =>
      pack
        .validateScope(s)
        .violations.flatMap((v) =>
          v.violatingResources.map((r) => `${v.severity} ${v.ruleName} at ${r.constructPath}`),
        ),
    );
    expect(findings).toEqual([]);
  });

  it('leaves no CDK warning or error annotation in either stack', () => {
    const messages = [stack, dataStack].flatMap((s) => {
      const annotations = Annotations.fromStack(s);
      return [
        ...annotations.findWarning('*', Match.anyValue()),
        ...annotations.findError('*', Match.anyValue()),
      ];
    });
    expect(messages).toEqual([]);
  });
});

describe('cdk-nag with the opt-ins (pseudonymizeLakeUserIds, waf)', () => {
  // Validation on: every finding of the extra function, secret, web ACL, log group and grants fails synthesis
  // unless acknowledged.
  const { app, stack, dataStack } = buildApp(
    { pseudonymizeLakeUserIds: 'true', waf: 'true' },
    { skipBundling: true, validate: true },
  );
  app.synth();

  it.each([
    ['AwsSolutions', new AwsSolutionsChecks()],
    ['Serverless', new ServerlessChecks()],
  ])('%s reports no unacknowledged error or warning', (_name, pack) => {
    expect(stack.dataLake.pseudonymizer).toBeDefined();
    const findings = [stack, dataStack].flatMap((s) =>
      pack
        .validateScope(s)
        .violations.flatMap((v) =>
          v.violatingResources.map((r) => `${v.severity} ${v.ruleName} at ${r.constructPath}`),
        ),
    );
    expect(findings).toEqual([]);
  });
});

describe('stack settings from context', () => {
  it('builds a provisioned stream from CLI-style string context', () => {
    const { dataStack } = buildApp(
      { streamMode: 'PROVISIONED', shardCount: '4', streamRetentionHours: '48' },
      { skipBundling: true, validate: false },
    );
    Template.fromStack(dataStack).hasResourceProperties('AWS::Kinesis::Stream', {
      StreamModeDetails: { StreamMode: 'PROVISIONED' },
      ShardCount: 4,
      RetentionPeriodHours: 48,
    });
  });

  it('rejects an unknown stream mode', () => {
    expect(() => buildApp({ streamMode: 'SERVERLESS' }, { skipBundling: true, validate: false })).toThrow(
      "Context streamMode must be 'ON_DEMAND' or 'PROVISIONED', got 'SERVERLESS'",
    );
  });

  it('rejects a shard count that is not an integer', () => {
    expect(() =>
      buildApp({ streamMode: 'PROVISIONED', shardCount: 'four' }, { skipBundling: true, validate: false }),
    ).toThrow("Context shardCount must be an integer, got 'four'");
  });

  it('reads every context key here and hands the stack typed props', () => {
    const props = stackPropsFromContext(
      new App({
        context: {
          pseudonymizeLakeUserIds: 'true',
          waf: 'false',
          alarmEmail: 'ops@example.com',
          jobGateThresholds: '{"cf":{"minCoverage":0.2}}',
        },
      }),
    );
    expect(props).toMatchObject({
      dataProps: { pseudonymizeLakeUserIds: true },
      appProps: {
        waf: false,
        alarmEmail: 'ops@example.com',
        jobGateThresholds: { cf: { minCoverage: 0.2 } },
      },
    });
    expect(stackPropsFromContext(new App())).toMatchObject({
      appProps: { waf: undefined, jobGateThresholds: undefined },
    });
  });

  it('rejects a flag that is neither true nor false, and gate thresholds that are not JSON or name no job', () => {
    const props = (context: Record<string, unknown>) => () => stackPropsFromContext(new App({ context }));
    expect(props({ waf: 'yes' })).toThrow("Context waf must be true or false, got 'yes'");
    expect(props({ jobGateThresholds: '{cf:' })).toThrow(
      "Context jobGateThresholds must be JSON, got '{cf:'",
    );
    expect(props({ jobGateThresholds: { recs: { minCoverage: 0.2 } } })).toThrow(/jobGateThresholds: .*recs/);
    expect(props({ jobGateThresholds: { cf: { minCoverage: 2 } } })).toThrow(
      /jobGateThresholds: cf\.minCoverage/,
    );
  });

  it('reads the recommendation rules as JSON text and refuses invalid ones with their path', () => {
    const rules =
      '{"filters":{"cheap":{"match":[{"field":"price","max":20}]}},"promotion":{"filter":"cheap"}}';
    expect(
      stackPropsFromContext(new App({ context: { recommendationRules: rules } })).appProps
        .recommendationRules,
    ).toEqual({
      filters: { cheap: { match: [{ field: 'price', max: 20 }] } },
      promotion: { filter: 'cheap', within: 10, slots: 1 },
    });
    expect(() =>
      stackPropsFromContext(new App({ context: { recommendationRules: '{"defaults":{"filters":["x"]}}' } })),
    ).toThrow("Context recommendationRules: defaults.filters: unknown filter 'x'");
  });

  it.each(['recostream-stack.ts', 'recostream-data-stack.ts'])('does not read context in %s', (file) => {
    const source = readFileSync(resolve(__dirname, '../../../lib', file), 'utf8');
    expect(source).not.toMatch(/tryGetContext|getContext/);
  });
});
