// Tests the JSON Schema export that the CDK app registers in the AWS Glue Schema Registry: Glue accepts
// draft-07 at most, so the document must use only draft-07 keywords, and it must describe every event type.
import { canonicalEventJsonSchema, EVENT_TYPES } from '../../../../lambdas/shared/events';

type JsonSchema = Record<string, unknown>;

// Every keyword of draft-07 (json-schema-core and json-schema-validation).
const DRAFT_07_KEYWORDS = new Set(
  `
  $schema $id $ref $comment title description default readOnly writeOnly examples multipleOf maximum
  exclusiveMaximum minimum exclusiveMinimum maxLength minLength pattern additionalItems items maxItems
  minItems uniqueItems contains maxProperties minProperties required additionalProperties definitions
  properties patternProperties dependencies propertyNames const enum type format contentMediaType
  contentEncoding if then else allOf anyOf oneOf not
  `
    .trim()
    .split(/\s+/),
);

/** Every sub-schema in the document, found through the draft-07 keywords that hold sub-schemas. */
function subSchemas(schema: JsonSchema): JsonSchema[] {
  const children: unknown[] = [];
  for (const key of ['properties', 'patternProperties', 'definitions']) {
    children.push(...Object.values((schema[key] as JsonSchema | undefined) ?? {}));
  }
  for (const key of ['allOf', 'anyOf', 'oneOf'])
    children.push(...((schema[key] as unknown[] | undefined) ?? []));
  for (const key of [
    'items',
    'additionalItems',
    'additionalProperties',
    'propertyNames',
    'contains',
    'not',
  ]) {
    children.push(schema[key]);
  }
  const objects = children.filter(
    (child): child is JsonSchema => typeof child === 'object' && child !== null,
  );
  return objects.flatMap((child) => [child, ...subSchemas(child)]);
}

describe('canonicalEventJsonSchema', () => {
  const schema = canonicalEventJsonSchema();

  it('declares draft-07 with an id and title', () => {
    expect(schema).toMatchObject({
      $schema: 'http://json-schema.org/draft-07/schema#',
      $id: 'urn:recostream:schema:canonical-event:v1',
      title: 'RecoStream canonical event v1',
    });
  });

  it('uses only draft-07 keywords', () => {
    const keys = [schema, ...subSchemas(schema)].flatMap((node) => Object.keys(node));

    expect(keys.filter((key) => !DRAFT_07_KEYWORDS.has(key))).toEqual([]);
  });

  it('has one alternative per event type, each requiring the common fields', () => {
    const alternatives = (schema.oneOf ?? schema.anyOf) as JsonSchema[];

    const types = alternatives.map((alternative) => (alternative.properties as JsonSchema).type);

    expect(types).toEqual(EVENT_TYPES.map((type) => expect.objectContaining({ const: type })));
    for (const alternative of alternatives) {
      expect(alternative.required).toEqual(
        expect.arrayContaining(['schemaVersion', 'eventId', 'type', 'occurredAt', 'receivedAt']),
      );
    }
  });

  it('states the identity rule that zod cannot export', () => {
    expect(schema.allOf).toContainEqual({ anyOf: [{ required: ['userId'] }, { required: ['anonymousId'] }] });
  });

  it('survives a JSON round trip, as the registry stores it as text', () => {
    expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
  });
});
