/**
 * DynamoDB write-key store: reads by hash, never overwrites an existing key, and refuses malformed rows
 * (a row without a name must not turn into an Allow). A non-false `disabled` fails closed.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { DynamoWriteKeyStore } from '../../../lambdas/authorizer/write-key-store';

const ddb = mockClient(DynamoDBDocumentClient);
const store = new DynamoWriteKeyStore('write-keys');

beforeEach(() => ddb.reset());

describe('DynamoWriteKeyStore.get', () => {
  it('reads the item by keyHash', async () => {
    ddb.on(GetCommand).resolves({ Item: { keyHash: 'h1', name: 'web', createdAt: '2024-01-01T00:00:00Z' } });
    await expect(store.get('h1')).resolves.toEqual({
      keyHash: 'h1',
      name: 'web',
      createdAt: '2024-01-01T00:00:00Z',
    });
    expect(ddb).toHaveReceivedCommandWith(GetCommand, { TableName: 'write-keys', Key: { keyHash: 'h1' } });
  });

  it('returns undefined for an unknown hash', async () => {
    ddb.on(GetCommand).resolves({});
    await expect(store.get('nope')).resolves.toBeUndefined();
  });

  it.each([true, 'true', 1])('treats disabled=%p as disabled', async (disabled) => {
    ddb.on(GetCommand).resolves({ Item: { keyHash: 'h1', name: 'web', createdAt: 'x', disabled } });
    await expect(store.get('h1')).resolves.toMatchObject({ disabled: true });
  });

  it('treats disabled=false as enabled', async () => {
    ddb.on(GetCommand).resolves({ Item: { keyHash: 'h1', name: 'web', createdAt: 'x', disabled: false } });
    expect((await store.get('h1'))?.disabled).toBeUndefined();
  });

  it('rejects an item without a name', async () => {
    ddb.on(GetCommand).resolves({ Item: { keyHash: 'h1', createdAt: 'x' } });
    await expect(store.get('h1')).rejects.toThrow('malformed write-key item');
  });
});

describe('DynamoWriteKeyStore.put', () => {
  const record = { keyHash: 'abcdef0123456789', name: 'web', createdAt: '2024-01-01T00:00:00Z' };

  it('writes only if the hash is new', async () => {
    ddb.on(PutCommand).resolves({});
    await store.put(record);
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      TableName: 'write-keys',
      Item: record,
      ConditionExpression: 'attribute_not_exists(keyHash)',
    });
  });

  it('reports an existing hash clearly', async () => {
    ddb
      .on(PutCommand)
      .rejects(new ConditionalCheckFailedException({ message: 'conditional check failed', $metadata: {} }));
    await expect(store.put(record)).rejects.toThrow('a write key with hash abcdef012345… already exists');
  });
});
