/**
 * The `recommendation_impression` event a response is recorded as. Positions are the indexes of
 * `itemIds` (0-based, the order shown), which is what the CTR queries unnest, per variant and placement. The eventId is the
 * recommendationId, so a resent impression is a producer duplicate the consumer skips.
 */
import { partitionKeyFor } from '../ingest/partition';
import { CURRENT_SCHEMA_VERSION, type RecommendationImpressionEvent } from '../shared/events/schema';
import { ANONYMOUS_PREFIX, isAnonymous } from './recommendation-service';

export interface ImpressionInput {
  readonly userId: string;
  readonly recommendationId: string;
  readonly itemIds: readonly string[];
  readonly variant: string;
  /** The list the items were shown in (for-you, buy-again, …). */
  readonly placement?: string;
  /** ISO-8601 UTC. */
  readonly at: string;
}

export function impressionEvent(input: ImpressionInput): RecommendationImpressionEvent {
  const identity = isAnonymous(input.userId)
    ? { anonymousId: input.userId.slice(ANONYMOUS_PREFIX.length) }
    : { userId: input.userId };
  return {
    schemaVersion: CURRENT_SCHEMA_VERSION,
    eventId: input.recommendationId,
    type: 'recommendation_impression',
    ...identity,
    occurredAt: input.at,
    receivedAt: input.at,
    recommendationId: input.recommendationId,
    itemIds: [...input.itemIds],
    variant: input.variant,
    ...(input.placement !== undefined ? { placement: input.placement } : {}),
  };
}

/** The Kinesis record of an impression: partition key as the ingest API chooses it (userId, else anonymousId). */
export function impressionRecord(event: RecommendationImpressionEvent): {
  partitionKey: string;
  data: Uint8Array;
} {
  return { partitionKey: partitionKeyFor(event), data: Buffer.from(JSON.stringify(event), 'utf8') };
}

/** Where impressions go; `KinesisImpressionSink` in production, a recorder in tests. */
export interface ImpressionSink {
  /** Resolves when the record is stored; rejects when it failed for good (after the client's retries). */
  send(record: { partitionKey: string; data: Uint8Array }): Promise<void>;
}
