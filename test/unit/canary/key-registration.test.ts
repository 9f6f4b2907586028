/**
 * The canary's write key is registered at deploy by a custom resource (issue 13: the canary's own role could put
 * any item in WriteKeys, an admin key included). The domain on a fake registry, then the handler on mocked
 * DynamoDB and Secrets Manager clients: create registers an ordinary key once, an update with a new secret
 * value registers the new hash (CloudFormation then deletes the old id), delete disables the key.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { WriteKeyExistsError } from '../../../lambdas/authorizer/write-key-store';
import { hashWriteKey, type WriteKeyRecord } from '../../../lambdas/authorizer/write-keys';
import {
  CANARY_KEY_NAME,
  type CanaryKeyRegistry,
  registerCanaryKey,
  retireCanaryKey,
} from '../../../lambdas/canary/key-registration';
import { handler } from '../../../lambdas/canary-key/handler';

class MemoryRegistry implements CanaryKeyRegistry {
  readonly records = new Map<string, WriteKeyRecord>();
  async put(record: WriteKeyRecord) {
    if (this.records.has(record.keyHash)) throw new WriteKeyExistsError(record.keyHash);
    this.records.set(record.keyHash, record);
  }
  async disable(keyHash: string) {
    const record = this.records.get(keyHash);
    if (record) this.records.set(keyHash, { ...record, disabled: true });
  }
  isExisting(error: unknown) {
    return error instanceof WriteKeyExistsError;
  }
}

const now = new Date('2026-11-26T10:00:00Z');

describe('registerCanaryKey and retireCanaryKey', () => {
  it('registers the hash as an ordinary key named after the canary, once, and names it in the physical id', async () => {
    const registry = new MemoryRegistry();
    const id = await registerCanaryKey(registry, 'canary-secret-value', now);
    const keyHash = hashWriteKey('canary-secret-value');
    expect(id).toBe(`canary-write-key:${keyHash}`);
    expect([...registry.records.values()]).toEqual([
      { keyHash, name: CANARY_KEY_NAME, createdAt: '2026-11-26T10:00:00.000Z' },
    ]);
    // A second deploy (an update with the same value) keeps the record as it was.
    await expect(registerCanaryKey(registry, 'canary-secret-value', new Date())).resolves.toBe(id);
    expect(registry.records.get(keyHash)?.createdAt).toBe('2026-11-26T10:00:00.000Z');
  });

  it('disables the key a physical id names, and ignores ids that name none', async () => {
    const registry = new MemoryRegistry();
    const id = await registerCanaryKey(registry, 'old-value', now);
    await retireCanaryKey(registry, 'a-failed-create-request-id');
    await retireCanaryKey(registry, 'canary-write-key:not-a-hash');
    expect(registry.records.get(hashWriteKey('old-value'))?.disabled).toBeUndefined();
    await retireCanaryKey(registry, id);
    expect(registry.records.get(hashWriteKey('old-value'))?.disabled).toBe(true);
  });

  it('passes on errors other than an existing key', async () => {
    const registry = new MemoryRegistry();
    registry.put = async () => {
      throw new Error('AccessDeniedException');
    };
    await expect(registerCanaryKey(registry, 'v', now)).rejects.toThrow('AccessDeniedException');
  });
});

describe('the custom resource handler', () => {
  const ddb = mockClient(DynamoDBDocumentClient);
  const secrets = mockClient(SecretsManagerClient);
  const context = { functionName: 'reg', awsRequestId: 'r-1' } as unknown as Context;
  const base = {
    ServiceToken: 'arn:token',
    ResponseURL: 'https://cloudformation.example/response',
    StackId: 'stack',
    RequestId: 'req-1',
    LogicalResourceId: 'KeyRegistration',
    ResourceType: 'Custom::CanaryWriteKey',
    ResourceProperties: { ServiceToken: 'arn:token', SecretArn: 'arn:secret', TableName: 'write-keys' },
  };
  beforeEach(() => {
    ddb.reset();
    secrets.reset();
    secrets.on(GetSecretValueCommand).resolves({ SecretString: 'canary-secret-value\n' });
  });

  it('on create, puts the hash of the secret conditionally with the attributes of an ordinary key only', async () => {
    ddb.on(PutCommand).resolves({});
    const event = { ...base, RequestType: 'Create' } as CloudFormationCustomResourceEvent;
    const keyHash = hashWriteKey('canary-secret-value');
    await expect(handler(event, context)).resolves.toEqual({
      PhysicalResourceId: `canary-write-key:${keyHash}`,
    });
    expect(secrets).toHaveReceivedCommandWith(GetSecretValueCommand, { SecretId: 'arn:secret' });
    const put = ddb.commandCalls(PutCommand)[0]?.args[0].input;
    expect(put?.TableName).toBe('write-keys');
    expect(put?.ConditionExpression).toBe('attribute_not_exists(keyHash)');
    expect(Object.keys(put?.Item ?? {}).sort()).toEqual(['createdAt', 'keyHash', 'name']);
    expect(put?.Item).toMatchObject({ keyHash, name: CANARY_KEY_NAME });
  });

  it('on update to a key that is already registered, succeeds without writing anything else', async () => {
    ddb.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'exists', $metadata: {} }));
    const event = {
      ...base,
      RequestType: 'Update',
      PhysicalResourceId: 'canary-write-key:x',
      OldResourceProperties: base.ResourceProperties,
    } as CloudFormationCustomResourceEvent;
    await expect(handler(event, context)).resolves.toEqual({
      PhysicalResourceId: `canary-write-key:${hashWriteKey('canary-secret-value')}`,
    });
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
  });

  it('on delete, disables the key without reading the secret', async () => {
    ddb.on(UpdateCommand).resolves({});
    const keyHash = hashWriteKey('old-value');
    const event = {
      ...base,
      RequestType: 'Delete',
      PhysicalResourceId: `canary-write-key:${keyHash}`,
    } as CloudFormationCustomResourceEvent;
    await expect(handler(event, context)).resolves.toEqual({
      PhysicalResourceId: `canary-write-key:${keyHash}`,
    });
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: 'write-keys',
      Key: { keyHash },
      UpdateExpression: 'SET disabled = :disabled',
      ConditionExpression: 'attribute_exists(keyHash)',
    });
    expect(secrets).not.toHaveReceivedCommand(GetSecretValueCommand);
  });

  it('refuses an event without the table name', async () => {
    const event = {
      ...base,
      RequestType: 'Create',
      ResourceProperties: { ServiceToken: 'arn:token', SecretArn: 'arn:secret' },
    } as unknown as CloudFormationCustomResourceEvent;
    await expect(handler(event, context)).rejects.toThrow(/Invalid CanaryWriteKey properties: .*TableName/s);
  });
});
