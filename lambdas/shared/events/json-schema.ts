import { z } from 'zod';
import { CanonicalEventSchema, CURRENT_SCHEMA_VERSION } from './schema';

/**
 * The canonical event as JSON Schema draft-07, the newest draft the AWS Glue Schema Registry accepts. The CDK
 * app registers it there so lake consumers outside this codebase can read the contract.
 */
export function canonicalEventJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(CanonicalEventSchema, { target: 'draft-7' }) as Record<string, unknown>;
  return {
    ...generated,
    $id: `urn:recostream:schema:canonical-event:v${CURRENT_SCHEMA_VERSION}`,
    title: `RecoStream canonical event v${CURRENT_SCHEMA_VERSION}`,
    // zod cannot express the identity refinement in JSON Schema, so state it by hand.
    allOf: [
      ...((generated.allOf as unknown[] | undefined) ?? []),
      { anyOf: [{ required: ['userId'] }, { required: ['anonymousId'] }] },
    ],
  };
}
