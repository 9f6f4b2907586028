/**
 * Ingest API Lambda (API Gateway REST, Lambda proxy integration, payload v1).
 *
 *   POST /v1/events                    { "events": [ ... ] }            our API
 *   POST /v1/batch                     { "batch": [ ... ] }             Segment HTTP Tracking API
 *   POST /v1/track | /v1/page | /v1/identify (and screen, group, alias) one Segment message
 *
 * Thin: parse (ingest-request.ts), publish valid events to Kinesis (kinesis-publisher.ts) while writing the
 * rejected ones to quarantine (quarantine.ts), then map the outcome to a response (responses.ts).
 * `createIngestHandler` takes its collaborators as arguments so tests run the same logic without env.
 */

import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { kinesisClient, s3Client } from '../shared/aws-clients';
import { CANARY_WRITE_KEY_NAME } from '../shared/canary';
import { numberEnv, requireEnv } from '../shared/env';
import { DEFAULT_MAX_EVENT_AGE_MS } from '../shared/events/schema';
import { QUARANTINE_PREFIX } from '../shared/lake-layout';
import { objectStoreFromEnv } from '../shared/object-store';
import { observability, powertools } from '../shared/observability';
import { parseIngestRequest } from './ingest-request';
import { isSegmentRoute, routeFromPath, routePath } from './ingest-routes';
import {
  type EventPublisher,
  KinesisPublisher,
  type PublishRecord,
  type PublishResult,
} from './kinesis-publisher';
import { partitionKeyFor } from './partition';
import {
  bodyQuarantineRecord,
  eventQuarantineRecords,
  failureQuarantineRecord,
  ObjectStoreQuarantine,
  type QuarantineContext,
  type QuarantineRecord,
  type QuarantineWriter,
} from './quarantine';
import {
  bodyRejectedResponse,
  type IngestSummary,
  ingestedResponse,
  internalErrorResponse,
  methodNotAllowedResponse,
  notFoundResponse,
  publishFailedResponse,
  type RetryEntry,
} from './responses';

export type IngestMetricName =
  | 'EventsAccepted'
  | 'EventsRejected'
  | 'EventsDuplicate'
  | 'KinesisRetries'
  | 'PublishFailures'
  | 'QuarantineWriteFailures'
  | 'RequestsRejected';

/** Counters the handler emits; `powertoolsMetrics` is the EMF implementation, tests pass a recorder. */
export interface IngestMetrics {
  count(name: IngestMetricName, value: number, dimensions?: Readonly<Record<string, string>>): void;
}

/**
 * EMF through Powertools. Dimensioned counts (EventsRejected and RequestsRejected by `reason`, a closed set
 * of about ten codes, so cardinality stays low) go out as single metrics; the rest are flushed together at
 * the end of the invocation.
 */
export function powertoolsMetrics(metrics: Metrics): IngestMetrics {
  return {
    count(name, value, dimensions) {
      if (!dimensions) {
        metrics.addMetric(name, MetricUnit.Count, value);
        return;
      }
      const single = metrics.singleMetric();
      for (const [key, dimensionValue] of Object.entries(dimensions))
        single.addDimension(key, dimensionValue);
      single.addMetric(name, MetricUnit.Count, value);
    },
  };
}

export interface IngestHandlerDeps {
  readonly publisher: EventPublisher;
  readonly quarantine: QuarantineWriter;
  /** Server receipt time. @default () => new Date() */
  readonly clock?: () => Date;
  /** @default a Logger for service `ingest-api` */
  readonly logger?: Logger;
  /** @default no metrics */
  readonly metrics?: IngestMetrics;
  /** Supplies eventIds for events sent without one. @default crypto.randomUUID */
  readonly generateId?: () => string;
  /** `Retry-After` on a 503. @default 1 */
  readonly retryAfterSeconds?: number;
  /** Oldest accepted occurredAt, before the receipt time. @default DEFAULT_MAX_EVENT_AGE_MS (30 days) */
  readonly maxEventAgeMs?: number;
}

export type IngestHandler = (
  event: APIGatewayProxyEvent,
  context?: Context,
) => Promise<APIGatewayProxyResult>;

export function createIngestHandler(deps: IngestHandlerDeps): IngestHandler {
  const clock = deps.clock ?? (() => new Date());
  const log = deps.logger ?? new Logger();
  const metrics: IngestMetrics = deps.metrics ?? { count: () => {} };
  const retryAfterSeconds = deps.retryAfterSeconds ?? 1;

  async function writeQuarantine(
    records: readonly QuarantineRecord[],
    ctx: QuarantineContext,
  ): Promise<void> {
    let lost = 0;
    try {
      const result = await deps.quarantine.write(records, ctx);
      for (const { object, error } of result.failed) {
        lost += object.records;
        log.error('quarantine write failed', {
          key: object.key,
          reason: object.reason,
          records: object.records,
          error,
        });
      }
    } catch (error) {
      lost = records.length;
      log.error('quarantine write failed', { records: records.length, error });
    }
    // The client already has the rejection details; a lost quarantine copy is an operator alarm, not a 5xx.
    metrics.count('QuarantineWriteFailures', lost);
  }

  async function publish(records: readonly PublishRecord[]): Promise<PublishResult> {
    if (records.length === 0) return { failed: [], retriedRecords: 0, calls: 0 };
    try {
      return await deps.publisher.publish(records);
    } catch (error) {
      // The adapter reports failures as data; a throw is unexpected, but the answer is the same: resend all.
      log.error('publisher threw', { error });
      const errorCode = error instanceof Error ? error.name : 'UnknownError';
      return { failed: records.map((record) => ({ record, errorCode })), retriedRecords: 0, calls: 0 };
    }
  }

  // Whatever goes wrong, the client gets a JSON answer (a thrown error would reach API Gateway as a bare
  // 502) and the body is kept: a 500 tells Segment-style clients to retry, and nothing is lost meanwhile.
  return async (event, context) => {
    const receivedAt = clock();
    try {
      return await handle(event, context, receivedAt);
    } catch (error) {
      const requestId = event.requestContext?.requestId || context?.awsRequestId || 'unknown';
      const route = routeFromPath(event.resource) ?? routeFromPath(event.path);
      const ctx: QuarantineContext = {
        route: route ? routePath(route) : (event.path ?? ''),
        receivedAt,
        requestId,
        writeKeyName: authorizerWriteKeyName(event),
      };
      log.error('ingest request failed', { route: ctx.route, requestId, error });
      metrics.count('RequestsRejected', 1, { reason: 'internal_error' });
      const body = event.isBase64Encoded
        ? Buffer.from(event.body ?? '', 'base64').toString('utf8')
        : (event.body ?? '');
      await writeQuarantine([failureQuarantineRecord(error, body, ctx)], ctx);
      return internalErrorResponse(requestId, route !== undefined && isSegmentRoute(route));
    }
  };

  async function handle(
    event: APIGatewayProxyEvent,
    context: Context | undefined,
    receivedAt: Date,
  ): Promise<APIGatewayProxyResult> {
    const requestId = event.requestContext?.requestId || context?.awsRequestId || randomUUID();
    const writeKeyName = authorizerWriteKeyName(event);
    const method = event.httpMethod ?? 'POST';
    const route = routeFromPath(event.resource) ?? routeFromPath(event.path);
    if (!route) return notFoundResponse(method, event.path ?? event.resource ?? '');
    if (method.toUpperCase() !== 'POST') return methodNotAllowedResponse(method);

    const segment = isSegmentRoute(route);
    const quarantineCtx: QuarantineContext = { route: routePath(route), receivedAt, requestId, writeKeyName };
    // Never log headers or bodies: they carry the write key (Authorization; analytics.js bodies).
    const logKeys = { route: quarantineCtx.route, requestId, writeKeyName };

    const parsed = parseIngestRequest({
      route,
      headers: event.headers,
      body: event.body,
      isBase64Encoded: event.isBase64Encoded,
      receivedAt,
      ...(deps.generateId ? { generateId: deps.generateId } : {}),
      ...(deps.maxEventAgeMs !== undefined ? { maxEventAgeMs: deps.maxEventAgeMs } : {}),
      fromCanary: writeKeyName === CANARY_WRITE_KEY_NAME,
    });
    if (!parsed.ok) {
      const { rejection } = parsed;
      metrics.count('RequestsRejected', 1, { reason: rejection.code });
      log.warn('request rejected', {
        ...logKeys,
        status: rejection.status,
        code: rejection.code,
        message: rejection.message,
      });
      await writeQuarantine([bodyQuarantineRecord(rejection, parsed.rawBody, quarantineCtx)], quarantineCtx);
      return bodyRejectedResponse(rejection, segment);
    }

    const { batch } = parsed;
    const records: PublishRecord[] = batch.accepted.map(({ event: canonical }) => ({
      id: canonical.eventId,
      partitionKey: partitionKeyFor(canonical),
      data: Buffer.from(JSON.stringify(canonical), 'utf8'),
    }));
    // Everything that could throw is built before the first record leaves: a failure then publishes nothing.
    const rejected = batch.errors.length > 0 ? eventQuarantineRecords(batch, quarantineCtx) : [];
    // Quarantine runs alongside the publish: neither waits for the other.
    const [published] = await Promise.all([
      publish(records),
      rejected.length > 0 ? writeQuarantine(rejected, quarantineCtx) : undefined,
    ]);

    const failedIds = new Set(published.failed.map((f) => f.record.id));
    const stored = batch.accepted.filter((a) => !failedIds.has(a.event.eventId));
    const retry: RetryEntry[] = batch.accepted
      .filter((a) => failedIds.has(a.event.eventId))
      .map((a) => ({ index: a.index, eventId: a.event.eventId }));
    const summary: IngestSummary = {
      accepted: stored.length,
      rejected: batch.errors.length,
      duplicates: batch.duplicates,
      eventIds: stored.map((a) => a.event.eventId),
      errors: batch.errors,
    };

    metrics.count('EventsAccepted', summary.accepted);
    metrics.count('EventsDuplicate', batch.duplicates.length);
    metrics.count('KinesisRetries', published.retriedRecords);
    metrics.count('PublishFailures', retry.length);
    for (const [reason, count] of countBy(batch.errors.map((e) => e.code))) {
      metrics.count('EventsRejected', count, { reason });
    }

    log.info('ingest request processed', {
      ...logKeys,
      accepted: summary.accepted,
      rejected: summary.rejected,
      duplicates: batch.duplicates.length,
      failed: retry.length,
      kinesisCalls: published.calls,
      kinesisRetries: published.retriedRecords,
      ...(batch.errors.length > 0
        ? { rejections: Object.fromEntries(countBy(batch.errors.map((e) => e.code))) }
        : {}),
    });

    if (retry.length > 0) {
      log.error('Kinesis did not take every event; client told to resend', {
        ...logKeys,
        failed: retry.length,
        errorCodes: Object.fromEntries(countBy(published.failed.map((f) => f.errorCode))),
      });
      return publishFailedResponse(summary, retry, retryAfterSeconds, segment);
    }
    return ingestedResponse(summary, segment);
  }
}

/** The write-key name the REQUEST authorizer put in its context (never the key itself). */
function authorizerWriteKeyName(event: APIGatewayProxyEvent): string | undefined {
  const value: unknown = event.requestContext?.authorizer?.writeKeyName;
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function countBy(values: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return counts;
}

// ---- Lambda wiring: Powertools at module scope, collaborators from env on the first invocation ----

const tools = powertools();
const { logger, metrics, tracer } = tools;

let ingest: IngestHandler | undefined;

/**
 * Env is read (and validated) on the first invocation rather than at import, so the module can be imported
 * by tests and the local runtime without the Lambda's env; a missing variable still fails the cold start.
 *
 *   EVENTS_STREAM_NAME       Kinesis stream (required)
 *   QUARANTINE_BUCKET_NAME   bucket for rejected events (required)
 *   QUARANTINE_PREFIX        key prefix (default `quarantine/`)
 *   PUBLISH_MAX_ATTEMPTS, PUBLISH_BASE_DELAY_MS, PUBLISH_MAX_DELAY_MS, PUBLISH_BUDGET_MS, RETRY_AFTER_SECONDS
 *   MAX_EVENT_AGE_SECONDS    oldest accepted occurredAt before the receipt time (default 30 days)
 */
function ingestFromEnv(): IngestHandler {
  if (ingest) return ingest;
  tracer.captureAWSv3Client(s3Client());
  ingest = createIngestHandler({
    publisher: new KinesisPublisher({
      streamName: requireEnv('EVENTS_STREAM_NAME'),
      client: tracer.captureAWSv3Client(kinesisClient()),
      maxAttempts: numberEnv('PUBLISH_MAX_ATTEMPTS', 5),
      baseDelayMs: numberEnv('PUBLISH_BASE_DELAY_MS', 50),
      maxDelayMs: numberEnv('PUBLISH_MAX_DELAY_MS', 1000),
      budgetMs: numberEnv('PUBLISH_BUDGET_MS', 5000),
      onRetry: (info) => logger.warn('retrying Kinesis records', { ...info }),
    }),
    quarantine: new ObjectStoreQuarantine(
      objectStoreFromEnv(),
      requireEnv('QUARANTINE_BUCKET_NAME'),
      process.env.QUARANTINE_PREFIX ?? QUARANTINE_PREFIX,
    ),
    logger,
    metrics: powertoolsMetrics(metrics),
    retryAfterSeconds: numberEnv('RETRY_AFTER_SECONDS', 1),
    maxEventAgeMs: numberEnv('MAX_EVENT_AGE_SECONDS', DEFAULT_MAX_EVENT_AGE_MS / 1000) * 1000,
  });
  return ingest;
}

export const handler = middy(
  (event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> =>
    ingestFromEnv()(event, context),
).use(observability(tools, { captureColdStartMetric: true }));
