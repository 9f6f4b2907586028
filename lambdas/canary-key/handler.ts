/**
 * CloudFormation custom resource (`Custom::CanaryWriteKey`, through the CDK provider framework): on create and
 * update, registers the hash of the canary's write key (read from its secret) in WriteKeys as an ordinary key;
 * on delete, disables the key its physical id names. See lambdas/canary/key-registration.ts.
 * Properties: `SecretArn`, `TableName`.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import middy from '@middy/core';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { z } from 'zod';
import { DynamoWriteKeyStore, WriteKeyExistsError } from '../authorizer/write-key-store';
import { type CanaryKeyRegistry, registerCanaryKey, retireCanaryKey } from '../canary/key-registration';
import { readSecretString } from '../canary/write-key-secret';
import { dynamoDocumentClient } from '../shared/aws-clients';
import { observability, powertools } from '../shared/observability';

const tools = powertools();
const { logger } = tools;
const secrets = new SecretsManagerClient({});

const propertiesSchema = z.object({ SecretArn: z.string().min(1), TableName: z.string().min(1) });

function registry(tableName: string): CanaryKeyRegistry {
  const store = new DynamoWriteKeyStore(tableName, dynamoDocumentClient());
  return {
    put: (record) => store.put(record),
    disable: (keyHash) => store.disable(keyHash),
    isExisting: (error) => error instanceof WriteKeyExistsError,
  };
}

export const handler = middy(
  async (event: CloudFormationCustomResourceEvent): Promise<{ PhysicalResourceId: string }> => {
    const parsed = propertiesSchema.safeParse(event.ResourceProperties);
    if (!parsed.success)
      throw new Error(`Invalid CanaryWriteKey properties: ${z.prettifyError(parsed.error)}`);
    const { SecretArn, TableName } = parsed.data;
    if (event.RequestType === 'Delete') {
      await retireCanaryKey(registry(TableName), event.PhysicalResourceId);
      logger.info('canary write key disabled', { physicalId: event.PhysicalResourceId });
      return { PhysicalResourceId: event.PhysicalResourceId };
    }
    const key = await readSecretString(secrets, SecretArn, 'write-key');
    const physicalId = await registerCanaryKey(registry(TableName), key, new Date());
    logger.info('canary write key registered', { physicalId, requestType: event.RequestType });
    return { PhysicalResourceId: physicalId };
  },
).use(observability(tools));
