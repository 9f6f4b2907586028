/**
 * The local runtime reads the app's two stacks as one template (local/topology/stack-templates.ts): the
 * resources side by side, every `Fn::ImportValue` replaced by the value the exporting stack's output gives it.
 * Hand-written stacks pin the rules; the real app checks that the data stack's tables, stream and queue reach
 * the functions of the app stack under the names the emulators create.
 */
import { buildApp } from '../../../../lib/app-builder';
import { type SynthesisedStack, templateOfStacks } from '../../../../local/topology/stack-templates';
import { topologyFromTemplate } from '../../../../local/topology/template-topology';

const data: SynthesisedStack = {
  stackName: 'Data',
  template: {
    Resources: {
      Table: { Type: 'AWS::DynamoDB::Table', Properties: { TableName: 'x' } },
      CDKMetadata: { Type: 'AWS::CDK::Metadata', Properties: { Analytics: 'data' } },
    },
    Outputs: {
      ExportsOutputRefTable: { Value: { Ref: 'Table' }, Export: { Name: 'Data:ExportsOutputRefTable' } },
      Shown: { Value: 'plain', Description: 'an output of its own' },
    },
  },
};

function appStack(environment: Record<string, unknown>): SynthesisedStack {
  return {
    stackName: 'App',
    template: {
      Resources: {
        Fn: { Type: 'AWS::Lambda::Function', Properties: { Environment: { Variables: environment } } },
        CDKMetadata: { Type: 'AWS::CDK::Metadata', Properties: { Analytics: 'app' } },
      },
      Outputs: { TableName: { Value: { 'Fn::ImportValue': 'Data:ExportsOutputRefTable' } } },
    },
  } as SynthesisedStack;
}

describe('templateOfStacks', () => {
  it('puts the resources side by side and replaces each import by the exported value', () => {
    const merged = templateOfStacks([
      data,
      appStack({ TABLE: { 'Fn::ImportValue': 'Data:ExportsOutputRefTable' } }),
    ]);
    expect(Object.keys(merged.Resources).sort()).toEqual(['Fn', 'Table']);
    expect(merged.Resources.Fn?.Properties).toEqual({
      Environment: { Variables: { TABLE: { Ref: 'Table' } } },
    });
  });

  it('keeps the outputs the stacks show, resolved, and not the exports between them', () => {
    const merged = templateOfStacks([data, appStack({})]);
    expect(merged.Outputs).toEqual({
      Shown: { Value: 'plain', Description: 'an output of its own' },
      TableName: { Value: { Ref: 'Table' } },
    });
  });

  it('refuses an import no stack exports, and a logical id in two stacks', () => {
    expect(() => templateOfStacks([data, appStack({ T: { 'Fn::ImportValue': 'Data:Missing' } })])).toThrow(
      "Fn::ImportValue 'Data:Missing': no stack of the app exports it",
    );
    const twin = { stackName: 'Twin', template: data.template };
    expect(() => templateOfStacks([data, twin])).toThrow('Logical id Table is in both Data and Twin');
  });
});

describe('the app from both templates', () => {
  const { app, stack } = buildApp({}, { validate: false, skipBundling: true });
  const template = templateOfStacks(app.synth().stacks);
  const topology = topologyFromTemplate(template, {
    stackName: stack.stackName,
    sqsEndpoint: 'http://127.0.0.1:4566',
  });

  it('has no import left', () => {
    expect(JSON.stringify(template)).not.toContain('Fn::ImportValue');
  });

  it("gives the consumer the data stack's tables and queue under their local names", () => {
    const consumer = [...topology.functions.values()].find((f) => f.entry === 'lambdas/consumer/handler.ts');
    expect(consumer?.environment).toMatchObject({
      PROFILES_TABLE_NAME: 'FeatureStoreProfilesTable9E8C6F63',
      ITEM_STATS_TABLE_NAME: 'FeatureStoreItemStatsTableB2E96120',
    });
    expect(topology.tables.has('FeatureStoreProfilesTable9E8C6F63')).toBe(true);
    expect(topology.streams.has('IngestionEventsStreamC15D9B91')).toBe(true);
    expect(topology.queues.has('FeatureStoreDeadLetterQueueE0CDF8E3')).toBe(true);
  });
});
