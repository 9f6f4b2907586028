/**
 * The canary's write key is registered in WriteKeys when the stack is deployed (a CloudFormation custom
 * resource, lambdas/canary-key/handler.ts), so the canary function itself needs no write on that table: a
 * role that may put any item there could create an admin key. No AWS here: the registry is a port.
 *
 * The resource's physical id carries the key's hash. When the secret's value changes and the resource is
 * updated, the new hash is a new physical id, and CloudFormation then deletes the old one: that key is
 * disabled. Deleting the stack disables the current key.
 */
import { hashWriteKey, type WriteKeyRecord } from '../authorizer/write-keys';
import { SERVICES } from '../shared/metric-names';

/** The name the canary's key has in WriteKeys, and so the `writeKeyName` of its events. */
export const CANARY_KEY_NAME = SERVICES.canary;

const PHYSICAL_ID_PREFIX = 'canary-write-key:';
const SHA256_HEX = /^[0-9a-f]{64}$/;

export interface CanaryKeyRegistry {
  /** Stores a new key; throws WriteKeyExistsError when the hash is already there (never overwrites). */
  put(record: WriteKeyRecord): Promise<void>;
  /** Marks a key disabled; a hash that is not there is left alone. */
  disable(keyHash: string): Promise<void>;
  /** Whether `error` is the registry saying the hash already exists. */
  isExisting(error: unknown): boolean;
}

/** Registers the key (once: an existing record with its hash is kept as it is); returns the physical id. */
export async function registerCanaryKey(
  registry: CanaryKeyRegistry,
  key: string,
  now: Date,
): Promise<string> {
  const keyHash = hashWriteKey(key);
  try {
    await registry.put({ keyHash, name: CANARY_KEY_NAME, createdAt: now.toISOString() });
  } catch (error) {
    if (!registry.isExisting(error)) throw error;
  }
  return `${PHYSICAL_ID_PREFIX}${keyHash}`;
}

/** Disables the key a physical id names; ids that name no key (a failed create) change nothing. */
export async function retireCanaryKey(registry: CanaryKeyRegistry, physicalId: string): Promise<void> {
  const keyHash = physicalId.startsWith(PHYSICAL_ID_PREFIX)
    ? physicalId.slice(PHYSICAL_ID_PREFIX.length)
    : '';
  if (SHA256_HEX.test(keyHash)) await registry.disable(keyHash);
}
