import { Names } from 'aws-cdk-lib';
import { CfnRegistry, CfnSchema } from 'aws-cdk-lib/aws-glue';
import { Construct } from 'constructs';
import { canonicalEventJsonSchema } from '../lambdas/shared/events/json-schema';

export interface EventSchemaRegistryProps {
  /**
   * Name of the canonical event schema inside the registry (the registry name itself is generated, so this
   * name cannot collide across stacks).
   * @default 'canonical-event'
   */
  readonly schemaName?: string;
}

/**
 * A Glue Schema Registry holding the canonical event contract as JSON Schema (draft-07, generated from the
 * same zod schema the ingest function validates with), with BACKWARD compatibility so that a new version
 * can always read data written under the previous one.
 */
export class EventSchemaRegistry extends Construct {
  public readonly registry: CfnRegistry;
  public readonly schema: CfnSchema;

  constructor(scope: Construct, id: string, props: EventSchemaRegistryProps = {}) {
    super(scope, id);
    this.registry = new CfnRegistry(this, 'Registry', {
      // Glue requires a name; derive a unique one from the construct path instead of hard-coding it.
      name: Names.uniqueResourceName(this, { maxLength: 255, separator: '-' }),
      description: 'RecoStream event contracts',
    });
    this.schema = new CfnSchema(this, 'CanonicalEventSchema', {
      registry: { arn: this.registry.attrArn },
      name: props.schemaName ?? 'canonical-event',
      description: 'Canonical RecoStream event, as accepted by the ingest API and written to the stream',
      dataFormat: 'JSON',
      compatibility: 'BACKWARD',
      schemaDefinition: JSON.stringify(canonicalEventJsonSchema()),
    });
  }
}
