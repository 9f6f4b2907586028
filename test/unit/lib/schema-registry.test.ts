/**
 * The Glue Schema Registry publishes the canonical event contract for consumers outside this codebase; it
 * must hold the very JSON Schema generated from the zod schema the ingest function validates with, under
 * BACKWARD compatibility so a new version can always read data written under the previous one.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { canonicalEventJsonSchema } from '../../../lambdas/shared/events/json-schema';
import { logicalIdOf, synthApp } from './helpers';

const { stack, template } = synthApp();

describe('event schema registry', () => {
  it('registers the canonical event as a JSON schema with BACKWARD compatibility', () => {
    template.hasResourceProperties('AWS::Glue::Schema', {
      DataFormat: 'JSON',
      Compatibility: 'BACKWARD',
      Registry: { Arn: { 'Fn::GetAtt': [logicalIdOf(stack.schemaRegistry.registry), 'Arn'] } },
    });
  });

  it('holds the JSON Schema generated from the shared zod schema', () => {
    const [schema] = Object.values(template.findResources('AWS::Glue::Schema'));
    expect(JSON.parse(schema.Properties.SchemaDefinition)).toEqual(canonicalEventJsonSchema());
  });

  it('gives the registry a generated name', () => {
    template.hasResourceProperties('AWS::Glue::Registry', {
      Name: Match.stringLikeRegexp('^RecoStream-SchemaRegistry-'),
    });
  });
});
