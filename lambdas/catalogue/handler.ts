/**
 * `PUT /v1/items` (ingest API, Lambda proxy integration; the catalogue authorizer lets admin and catalog
 * keys through). Thin: parse the JSON body, validate it with the catalogue contract
 * (lambdas/shared/catalogue.ts), write one UpdateItem per item, append the written changes to the lake's
 * `items` table (lambdas/shared/catalogue-lake.ts), map the outcome:
 *
 *   200  { updated, itemIds }
 *   400  { message, code: invalid_json | invalid_items | duplicate_item, errors: [{ field, message }] }:
 *        nothing is written
 *   413  { …, code: too_many_items } more than 500 items: nothing is written
 *   415  content type not application/json
 *   503  { message, code: write_failed, updated, itemIds, retry: [itemId] } with Retry-After: resend those
 *
 * Every refused request (400, 413, 415) is kept in the lake's quarantine with its reason and raw body
 * (the ingest API's record and key layout, source `catalogue-api`), so an operator can inspect it and
 * replay it once fixed (`recostream quarantine replay`, which stores it through store-items.ts like this
 * handler). A lost quarantine copy is logged and counted, never a 5xx: the client already has the specific
 * error.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import {
  bodyQuarantineRecord,
  ObjectStoreQuarantine,
  type QuarantineContext,
  type QuarantineWriter,
} from '../ingest/quarantine';
import { jsonResponse } from '../ingest/responses';
import { dynamoDocumentClient } from '../shared/aws-clients';
import { CATALOGUE_ROUTE } from '../shared/catalogue';
import { requireEnv } from '../shared/env';
import { ITEMS_PREFIX, QUARANTINE_PREFIX } from '../shared/lake-layout';
import { CATALOGUE_METRICS } from '../shared/metric-names';
import { objectStoreFromEnv } from '../shared/object-store';
import { observability, powertools } from '../shared/observability';
import { indexedPromotionFilter } from '../shared/promoted-items';
import type { QuarantineReason } from '../shared/quarantine-layout';
import { parseRulesConfig, RULES_ENV } from '../shared/recommend-rules';
import { parseCatalogueBody } from './catalogue-request';
import { type CatalogueWriter, DynamoCatalogueWriter } from './dynamo-catalogue';
import { type ItemChangeLog, ObjectStoreItemChangeLog } from './item-change-log';
import { storeCatalogueItems } from './store-items';

type HandlerLogger = Pick<Logger, 'info' | 'warn' | 'error'>;

export interface CatalogueHandlerDeps {
  readonly writer: CatalogueWriter;
  readonly clock?: () => Date;
  readonly logger?: HandlerLogger;
  /** Where accepted changes go in the lake (the `items` table). */
  readonly changes?: ItemChangeLog;
  /** Where refused requests are kept, with the reason (the lake's `quarantine/`). */
  readonly quarantine: QuarantineWriter;
  /** Called with the number of items written and failed, for metrics. */
  readonly onWrite?: (written: number, failed: number) => void;
  /** Called with the number of refused requests whose quarantine copy was lost, for metrics. */
  readonly onQuarantineLost?: (lost: number) => void;
}

export type CatalogueHandler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

export function createCatalogueHandler(deps: CatalogueHandlerDeps): CatalogueHandler {
  const clock = deps.clock ?? (() => new Date());
  const log: HandlerLogger = deps.logger ?? new Logger();

  /** Keeps a refused request (never throws), then answers with its specific error. */
  async function refuse(
    event: APIGatewayProxyEvent,
    rawBody: string,
    status: 400 | 413 | 415,
    response: { message: string; code: QuarantineReason; errors?: readonly unknown[] },
  ): Promise<APIGatewayProxyResult> {
    const ctx: QuarantineContext = {
      route: CATALOGUE_ROUTE.path,
      receivedAt: clock(),
      requestId: event.requestContext?.requestId || 'unknown',
      writeKeyName: authorizerKeyName(event),
      source: 'catalogue-api',
    };
    const record = bodyQuarantineRecord({ status, ...response }, rawBody, ctx);
    log.info('catalogue request refused', { code: response.code, requestId: ctx.requestId });
    let lost = 0;
    try {
      const result = await deps.quarantine.write([record], ctx);
      for (const { object, error } of result.failed) {
        lost += object.records;
        log.error('catalogue quarantine write failed', { key: object.key, error: String(error) });
      }
    } catch (error) {
      lost = 1;
      log.error('catalogue quarantine write failed', { error: String(error) });
    }
    if (lost > 0) deps.onQuarantineLost?.(lost);
    return jsonResponse(status, response);
  }

  return async (event) => {
    const method = (event.httpMethod ?? '').toUpperCase();
    if (event.resource !== CATALOGUE_ROUTE.path) {
      return jsonResponse(404, { message: `no route for ${method} ${event.path}`, code: 'not_found' });
    }
    if (method !== CATALOGUE_ROUTE.method) {
      return jsonResponse(405, {
        message: `${method} is not allowed on ${event.resource}`,
        code: 'method_not_allowed',
      });
    }
    const text = event.isBase64Encoded
      ? Buffer.from(event.body ?? '', 'base64').toString('utf8')
      : (event.body ?? '');
    const contentType = headerValue(event.headers, 'content-type') ?? '';
    if (!/^application\/json\b/i.test(contentType.trim())) {
      return refuse(event, text, 415, {
        message: `Content-Type must be application/json, got '${contentType}'`,
        code: 'unsupported_media_type',
      });
    }
    const parsed = parseCatalogueBody(text);
    if (!parsed.ok) {
      const { message, code, errors } = parsed;
      return refuse(event, text, code === 'too_many_items' ? 413 : 400, { message, code, errors });
    }
    const result = await storeCatalogueItems(parsed.items, clock(), deps.writer, deps.changes);
    deps.onWrite?.(result.written.length, result.failed.length);
    if (result.notLogged !== undefined) {
      log.error('catalogue changes not written to the lake', { error: result.notLogged });
      return jsonResponse(
        503,
        {
          message: 'the items were stored but not logged to the lake; resend them',
          code: 'write_failed',
          updated: result.written.length,
          itemIds: result.written,
          retry: result.written,
        },
        { 'Retry-After': '1' },
      );
    }
    if (result.failed.length > 0) {
      log.warn('catalogue items not written', { failed: result.failed });
      return jsonResponse(
        503,
        {
          message: `${result.failed.length} of ${parsed.items.length} items were not written; resend them`,
          code: 'write_failed',
          updated: result.written.length,
          itemIds: result.written,
          retry: result.failed.map((f) => f.itemId),
        },
        { 'Retry-After': '1' },
      );
    }
    return jsonResponse(200, { updated: result.written.length, itemIds: result.written });
  };
}

/** The key name the REQUEST authorizer put in its context (never the key itself). */
function authorizerKeyName(event: APIGatewayProxyEvent): string | undefined {
  const value: unknown = event.requestContext?.authorizer?.writeKeyName;
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function headerValue(headers: APIGatewayProxyEvent['headers'], name: string): string | undefined {
  for (const [key, value] of Object.entries(headers ?? {})) {
    if (key.toLowerCase() === name && value !== undefined) return value;
  }
  return undefined;
}

// ---- Lambda wiring: Powertools at module scope, collaborators from env on the first invocation ----

const tools = powertools();
const { logger, metrics, tracer } = tools;

let catalogueHandler: CatalogueHandler | undefined;

/**
 * Env, read on the first invocation: ITEMS_TABLE_NAME, ITEMS_LAKE_BUCKET_NAME, ITEMS_LAKE_PREFIX,
 * QUARANTINE_BUCKET_NAME, QUARANTINE_PREFIX, RECOMMEND_RULES (the promotion filter the writer indexes).
 */
function fromEnv(): CatalogueHandler {
  catalogueHandler ??= createCatalogueHandler({
    writer: new DynamoCatalogueWriter(
      requireEnv('ITEMS_TABLE_NAME'),
      tracer.captureAWSv3Client(dynamoDocumentClient()),
      undefined,
      indexedPromotionFilter(parseRulesConfig(process.env[RULES_ENV])),
    ),
    changes: new ObjectStoreItemChangeLog(
      objectStoreFromEnv(),
      requireEnv('ITEMS_LAKE_BUCKET_NAME'),
      process.env.ITEMS_LAKE_PREFIX ?? ITEMS_PREFIX,
    ),
    quarantine: new ObjectStoreQuarantine(
      objectStoreFromEnv(),
      requireEnv('QUARANTINE_BUCKET_NAME'),
      process.env.QUARANTINE_PREFIX ?? QUARANTINE_PREFIX,
    ),
    logger,
    onQuarantineLost: (lost) =>
      metrics.addMetric(CATALOGUE_METRICS.quarantineWriteFailures, MetricUnit.Count, lost),
    onWrite: (written, failed) => {
      metrics.addMetric(CATALOGUE_METRICS.itemsWritten, MetricUnit.Count, written);
      if (failed > 0) metrics.addMetric(CATALOGUE_METRICS.itemWriteFailures, MetricUnit.Count, failed);
    },
  });
  return catalogueHandler;
}

export const handler = middy((event: APIGatewayProxyEvent) => fromEnv()(event)).use(observability(tools));
