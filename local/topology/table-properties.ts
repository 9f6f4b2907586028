/**
 * The part of an AWS::DynamoDB::Table's properties the local runtime provisions, as a schema: a template
 * whose table does not fit it fails with the table's logical id and the field, not with an emulator error.
 */
import { z } from 'zod';

const KeySchemaSchema = z
  .array(z.object({ AttributeName: z.string(), KeyType: z.enum(['HASH', 'RANGE']) }))
  .min(1);

export const TablePropertiesSchema = z.object({
  KeySchema: KeySchemaSchema,
  AttributeDefinitions: z.array(
    z.object({ AttributeName: z.string(), AttributeType: z.enum(['S', 'N', 'B']) }),
  ),
  GlobalSecondaryIndexes: z
    .array(
      z.object({
        IndexName: z.string(),
        KeySchema: KeySchemaSchema,
        Projection: z.object({
          ProjectionType: z.enum(['ALL', 'KEYS_ONLY', 'INCLUDE']).optional(),
          NonKeyAttributes: z.array(z.string()).optional(),
        }),
      }),
    )
    .optional(),
  TimeToLiveSpecification: z.object({ AttributeName: z.string().optional() }).optional(),
});

export type TableProperties = z.infer<typeof TablePropertiesSchema>;

/** The table's properties, or an error naming the table and what does not fit. */
export function tablePropertiesOf(logicalId: string, properties: unknown): TableProperties {
  const parsed = TablePropertiesSchema.safeParse(properties);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(properties)'}: ${i.message}`);
  throw new Error(`Table ${logicalId}: the local runtime cannot provision it: ${issues.join('; ')}`);
}
