/**
 * Response bodies of the ingest API. Every response is JSON with `Content-Type: application/json`.
 *
 *   200  { accepted, rejected, duplicates, eventIds, errors }          (+ success: true on Segment routes)
 *   400  same body + message, when nothing was accepted and something was rejected
 *   4xx  { message, code } for a request rejected as a whole (415, 413, 400)
 *   503  { message, code, accepted, eventIds, retry: [{ index, eventId }], rejected, duplicates, errors }
 *        with Retry-After (seconds), when Kinesis did not take every event after retries
 *   500  { message, code: internal_error } when the handler failed (the body is quarantined)
 *
 * Segment bodies also carry `success` (true on 200, false otherwise); Segment libraries only look at the
 * status code, but the field matches Segment's own API.
 */
import type { BodyRejection, EventError } from './ingest-request';

export interface JsonResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export interface IngestSummary {
  /** Events written to the stream. */
  readonly accepted: number;
  readonly rejected: number;
  readonly duplicates: readonly number[];
  /** Written eventIds, in request order. */
  readonly eventIds: readonly string[];
  readonly errors: readonly EventError[];
}

export interface RetryEntry {
  readonly index: number;
  readonly eventId: string;
}

export function jsonResponse(
  statusCode: number,
  body: object,
  headers: Record<string, string> = {},
): JsonResponse {
  return {
    statusCode,
    headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers },
    body: JSON.stringify(body),
  };
}

const segmentFlag = (segment: boolean, success: boolean) => (segment ? { success } : {});

/** 200 when anything was accepted (or nothing was rejected); 400 when every event was rejected. */
export function ingestedResponse(summary: IngestSummary, segment: boolean): JsonResponse {
  const body = {
    accepted: summary.accepted,
    rejected: summary.rejected,
    duplicates: summary.duplicates,
    eventIds: summary.eventIds,
    errors: summary.errors,
  };
  if (summary.accepted === 0 && summary.rejected > 0) {
    return jsonResponse(400, {
      ...segmentFlag(segment, false),
      message: allRejectedMessage(summary.errors),
      ...body,
    });
  }
  return jsonResponse(200, { ...segmentFlag(segment, true), ...body });
}

function allRejectedMessage(errors: readonly EventError[]): string {
  const [first] = errors;
  if (errors.length === 1 && first) return `event rejected (${first.code}): ${first.message}`;
  return `all ${errors.length} events were rejected; see errors`;
}

export function bodyRejectedResponse(rejection: BodyRejection, segment: boolean): JsonResponse {
  return jsonResponse(rejection.status, {
    ...segmentFlag(segment, false),
    message: rejection.message,
    code: rejection.code,
  });
}

/** 503 + Retry-After: the events in `retry` were not stored and must be resent with the same eventId. */
export function publishFailedResponse(
  summary: IngestSummary,
  retry: readonly RetryEntry[],
  retryAfterSeconds: number,
  segment: boolean,
): JsonResponse {
  return jsonResponse(
    503,
    {
      ...segmentFlag(segment, false),
      message:
        `${retry.length} of ${retry.length + summary.accepted} events could not be stored; ` +
        'resend the events listed in retry, with the same eventId, after Retry-After seconds',
      code: 'publish_failed',
      accepted: summary.accepted,
      eventIds: summary.eventIds,
      retry,
      rejected: summary.rejected,
      duplicates: summary.duplicates,
      errors: summary.errors,
    },
    { 'Retry-After': String(retryAfterSeconds) },
  );
}

/** 500 for a request the handler failed on; its body was quarantined, so a retry loses nothing. */
export function internalErrorResponse(requestId: string, segment: boolean): JsonResponse {
  return jsonResponse(500, {
    ...segmentFlag(segment, false),
    message: `internal error; the request was kept for inspection (requestId ${requestId}); retry it`,
    code: 'internal_error',
  });
}

export function notFoundResponse(method: string, path: string): JsonResponse {
  return jsonResponse(404, { message: `no route for ${method} ${path}`, code: 'not_found' });
}

export function methodNotAllowedResponse(method: string): JsonResponse {
  return jsonResponse(
    405,
    { message: `method ${method} not allowed, use POST`, code: 'method_not_allowed' },
    { Allow: 'POST' },
  );
}
