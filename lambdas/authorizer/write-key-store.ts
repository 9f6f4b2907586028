/**
 * Write-key table adapter: the `WriteKeyStore` port and its DynamoDB implementation.
 * Table (env WRITE_KEYS_TABLE_NAME): partition key `keyHash` (S); items are `WriteKeyRecord`s.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateScan,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { dynamoDocumentClient } from '../shared/aws-clients';
import { KEY_ROLES, keyRoleOf, type WriteKeyRecord } from './write-keys';

export interface WriteKeyStore {
  /** The record for a key hash, or undefined when no such key exists. */
  get(keyHash: string): Promise<WriteKeyRecord | undefined>;
  /** Stores a new key; fails if a record with the same hash already exists (never overwrites). */
  put(record: WriteKeyRecord): Promise<void>;
}

/** `put` found a record with the same hash: nothing was written. */
export class WriteKeyExistsError extends Error {
  constructor(readonly keyHash: string) {
    super(`a write key with hash ${keyHash.slice(0, 12)}… already exists`);
    this.name = 'WriteKeyExistsError';
  }
}

export class DynamoWriteKeyStore implements WriteKeyStore {
  constructor(
    private readonly tableName: string,
    private readonly client: DynamoDBDocumentClient = dynamoDocumentClient(),
  ) {}

  async get(keyHash: string): Promise<WriteKeyRecord | undefined> {
    const out = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { keyHash } }));
    return out.Item ? toRecord(out.Item) : undefined;
  }

  async put(record: WriteKeyRecord): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...record },
          ConditionExpression: 'attribute_not_exists(keyHash)',
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new WriteKeyExistsError(record.keyHash);
      throw error;
    }
  }

  /**
   * Every key's record (a Scan: the table holds a handful of keys, and `recostream keys list` is an operator
   * command, not a request path). Malformed rows are an error, as in `get`.
   */
  async list(): Promise<WriteKeyRecord[]> {
    const records: WriteKeyRecord[] = [];
    for await (const page of paginateScan({ client: this.client }, { TableName: this.tableName })) {
      for (const item of page.Items ?? []) records.push(toRecord(item));
    }
    return records;
  }

  /**
   * Marks an existing key disabled (revoked, history kept), with the time when given; a hash that is not
   * in the table is left alone.
   */
  async disable(keyHash: string, at?: Date): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { keyHash },
          UpdateExpression: at ? 'SET disabled = :disabled, disabledAt = :at' : 'SET disabled = :disabled',
          ConditionExpression: 'attribute_exists(keyHash)',
          ExpressionAttributeValues: { ':disabled': true, ...(at ? { ':at': at.toISOString() } : {}) },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}

/** Validates an item read from the table, so a malformed row is an error rather than an Allow. */
function toRecord(item: Record<string, unknown>): WriteKeyRecord {
  const { keyHash, name, createdAt, disabled, disabledAt, role } = item;
  if (
    typeof keyHash !== 'string' ||
    typeof name !== 'string' ||
    name === '' ||
    typeof createdAt !== 'string'
  ) {
    throw new Error(
      `malformed write-key item ${String(keyHash).slice(0, 12)}…: needs keyHash, name and createdAt`,
    );
  }
  // Fail closed: any value other than absent/false (e.g. the string "true") counts as disabled.
  const isDisabled = disabled !== undefined && disabled !== null && disabled !== false;
  // Only an exact role name (KEY_ROLES) grants the role; anything else is an ordinary key.
  const keyRole = keyRoleOf(role);
  return {
    keyHash,
    name,
    createdAt,
    ...(isDisabled ? { disabled: true } : {}),
    ...(isDisabled && typeof disabledAt === 'string' ? { disabledAt } : {}),
    ...(keyRole !== KEY_ROLES[0] ? { role: keyRole } : {}),
  };
}
