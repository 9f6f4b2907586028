/**
 * Where rejected records are kept in the lake bucket, shared by every writer (ingest API, catalogue API,
 * stream consumer) so the `quarantine` Glue table's partitions (dt, reason) cover all of them:
 * `quarantine/dt=YYYY-MM-DD/reason=<code>/<epochMs>-<id>.jsonl`, and the one list of reasons.
 */
import type { CatalogueRejectionCode } from '../catalogue/catalogue-request';
import type { DeadLetterCode } from '../consumer/batch-consumer';
import type { BodyRejectionCode } from '../ingest/ingest-request';
import type { IngestFailureCode } from '../ingest/quarantine';
import type { RejectionCode } from './events/normalize';

// Rejection and dead-letter codes, spelled out as records so that the compiler fails here when a code is added
// to (or removed from) the ingest API's or the consumer's types without the quarantine table learning about it.
const EVENT_REJECTION_CODES: Record<RejectionCode, true> = {
  invalid_event: true,
  event_too_large: true,
  missing_identity: true,
  unknown_type: true,
  future_timestamp: true,
  event_too_old: true,
  non_finite_number: true,
  invalid_id: true,
  reserved_id: true,
};
const BODY_REJECTION_CODES: Record<BodyRejectionCode | IngestFailureCode, true> = {
  invalid_json: true,
  unsupported_media_type: true,
  payload_too_large: true,
  too_many_events: true,
  invalid_body: true,
  nesting_too_deep: true,
  internal_error: true,
};
// `PUT /v1/items` refusals of the item list (its invalid_json and unsupported_media_type are listed above).
const CATALOGUE_REJECTION_CODES: Record<CatalogueRejectionCode, true> = {
  invalid_items: true,
  too_many_items: true,
  duplicate_item: true,
};
const CONSUMER_DEAD_LETTER_CODES: Record<DeadLetterCode, true> = {
  invalid_record: true,
  poison_record: true,
  refused_window_row: true,
};

/** Any `reason=` partition value of the quarantine table. */
export type QuarantineReason =
  | RejectionCode
  | BodyRejectionCode
  | IngestFailureCode
  | CatalogueRejectionCode
  | DeadLetterCode;

/**
 * Every `reason=<code>` partition value under `quarantine/`: the per-event rejection codes, the ingest API's
 * body-level codes, the catalogue API's refusals and the consumer's dead-letter codes. The quarantine table projects exactly these values,
 * so a reason missing here is invisible to Athena.
 */
export const QUARANTINE_REASONS: readonly QuarantineReason[] = [
  ...(Object.keys(EVENT_REJECTION_CODES) as RejectionCode[]),
  ...(Object.keys(BODY_REJECTION_CODES) as Array<BodyRejectionCode | IngestFailureCode>),
  ...(Object.keys(CATALOGUE_REJECTION_CODES) as CatalogueRejectionCode[]),
  ...(Object.keys(CONSUMER_DEAD_LETTER_CODES) as DeadLetterCode[]),
];

export function normalizePrefix(prefix: string): string {
  return prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
}

export function quarantineObjectKey(prefix: string, receivedAt: Date, reason: string, id: string): string {
  const dt = receivedAt.toISOString().slice(0, 10);
  const safeId = id.replace(/[^A-Za-z0-9._-]/g, '_');
  const safeReason = reason.replace(/[^A-Za-z0-9_-]/g, '_');
  return `${normalizePrefix(prefix)}dt=${dt}/reason=${safeReason}/${receivedAt.getTime()}-${safeId}.jsonl`;
}
