/**
 * Which Firehose error records (lambdas/shared/delivery-errors.ts) belong to a purged user. The stream record
 * in an error line is what the producer wrote (real ids, also in a pseudonymised lake: the pseudonymiser had
 * not run or had failed). A line is the user's when that record names the user (quarantine-filter.ts
 * `payloadMentions`: the user id, an anonymous id, or their pseudonyms). Lines without a record are kept:
 * they are not attributable.
 */
import { deliveryErrorPayload } from '../shared/delivery-errors';
import type { PurgeSubject } from './purge-sql';
import { filterJsonLines, payloadMentions } from './quarantine-filter';

export function filterDeliveryErrorLines(
  text: string,
  subject: PurgeSubject,
): { readonly kept: string; readonly removed: number; readonly keptLines: number } {
  return filterJsonLines(text, (line) => {
    const payload = deliveryErrorPayload(line);
    return payload !== undefined && payloadMentions(payload, subject);
  });
}
