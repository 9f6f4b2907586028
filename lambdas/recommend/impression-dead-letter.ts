/**
 * The message of the impression dead-letter queue: one impression whose PutRecord failed for good (after the
 * SDK's retries), with the reason and the event as it was to be put, so an operator can send it again unchanged
 * (docs/operations.md: through the ingest API, which keeps its eventId). The writer (impression-publisher.ts) and
 * every reader import this schema.
 *
 * A replayed impression keeps its eventId (the recommendationId), so if the failed put had in fact reached the
 * stream (an ambiguous timeout) the consumer skips the second copy as a producer duplicate.
 */
import { z } from 'zod';
import { RecommendationImpressionEventSchema } from '../shared/events/schema';

export const IMPRESSION_PUT_FAILED = 'impression_put_failed';

export const ImpressionDeadLetterSchema = z.object({
  reason: z.literal(IMPRESSION_PUT_FAILED),
  /** The last error of the put, as the SDK reported it (name: message). */
  error: z.string(),
  recommendationId: z.string().min(1),
  /** The record's partition key (the user, as the ingest API chooses it). */
  partitionKey: z.string().min(1),
  event: RecommendationImpressionEventSchema,
  /** ISO-8601 UTC. */
  deadLetteredAt: z.string(),
});

export type ImpressionDeadLetter = z.infer<typeof ImpressionDeadLetterSchema>;

/** Where impressions go whose put failed for good; an SQS queue (shared/queue-sink.ts) in production. */
export interface ImpressionDeadLetters {
  /** Resolves when the queue holds the letter; rejects when it could not take it. */
  sendAll(letters: readonly ImpressionDeadLetter[]): Promise<void>;
}

/** Parses one message body of the queue, with the reason it is not a dead letter of this kind. */
export function parseImpressionDeadLetter(
  body: string,
): { ok: true; letter: ImpressionDeadLetter } | { ok: false; error: string } {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    return { ok: false, error: `not JSON: ${(error as Error).message}` };
  }
  const parsed = ImpressionDeadLetterSchema.safeParse(json);
  if (!parsed.success)
    return {
      ok: false,
      error: parsed.error.issues.map((i) => `${i.path.join('.') || '(message)'}: ${i.message}`).join('; '),
    };
  return { ok: true, letter: parsed.data };
}
