/**
 * Kinesis partition key for an event: the user, so that one user's events land on one shard in order
 * (see ARCHITECTURE.md). Signed-in users are keyed by userId; before sign-in, by anonymousId. An identify
 * call that links the two therefore moves the user to a new key; the consumer joins the two ids, ordering
 * across that switch is not needed.
 */
import { createHash } from 'node:crypto';

/** Kinesis limit on a partition key, in Unicode characters. */
export const MAX_PARTITION_KEY_LENGTH = 256;

export function partitionKeyFor(event: { readonly userId?: string; readonly anonymousId?: string }): string {
  const key = event.userId || event.anonymousId;
  if (!key)
    throw new Error('event has neither userId nor anonymousId; normalizeEvent should have rejected it');
  // The schema caps ids at 256 characters already; hashing keeps the mapping stable should that change.
  return key.length <= MAX_PARTITION_KEY_LENGTH ? key : createHash('sha256').update(key).digest('hex');
}
