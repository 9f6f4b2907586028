/**
 * Recommendation API Lambda (API Gateway REST, Lambda proxy integration, payload v1).
 *
 *   GET /v1/users/{userId}/recommendations?placement=&limit=&exclude=&excludeItems=&category=&categoryCap=
 *       &exploration=
 *   GET /v1/items/{itemId}/similar?limit=&excludeItems=&exploration=
 *   GET /v1/items/trending?category=&limit=
 *   (each also takes filter=&boost= and the named rules' parameters, rules/request-query.ts)
 *   GET /v1/openapi.json
 *
 * Thin: parse with the zod schemas (api-schemas.ts), assign the variant (variants.ts), call the service
 * (recommendation-service.ts, which plans the reads and calls the pure scoring), map to JSON. A user
 * response is recorded as one `recommendation_impression` on the events stream (impression-publisher.ts):
 * the put starts as soon as the ranking is known and runs while the response is serialised; every
 * invocation then waits for this environment's pending puts at most the bound (IMPRESSION_TIMEOUT_MS), and
 * a put that takes longer stays pending for the next invocation instead of being dropped. A put that fails
 * for good is dead-lettered; nothing of it reaches the caller.
 */

import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { dynamoDocumentClient, retryingKinesisClient } from '../shared/aws-clients';
import { numberEnv, requireEnv } from '../shared/env';
import {
  DEFAULT_EXPLORATION_CONFIG,
  EXPLORATION_ENV,
  type ExplorationConfig,
  parseExplorationConfig,
} from '../shared/exploration-config';
import { RECOMMEND_METRICS } from '../shared/metric-names';
import { observability, powertools } from '../shared/observability';
import { SqsQueueSink } from '../shared/queue-sink';
import { NO_RULES, parseRulesConfig, RULES_ENV, type RulesConfig } from '../shared/recommend-rules';
import {
  type ErrorResponse,
  ItemPathSchema,
  parseParameters,
  RECOMMEND_ROUTES,
  type RecommendationItem,
  SimilarItemsQuerySchema,
  type SimilarItemsResponse,
  TrendingQuerySchema,
  type TrendingResponse,
  UserPathSchema,
  UserRecommendationsQuerySchema,
  type UserRecommendationsResponse,
} from './api-schemas';
import type { CatalogueRecommendation } from './catalogue-filter';
import { DynamoRecommendationReads } from './dynamo-reads';
import { impressionEvent } from './impression';
import { type ImpressionMetricName, ImpressionPublisher } from './impression-publisher';
import { KinesisImpressionSink } from './kinesis-impression-sink';
import { buildOpenApiDocument } from './openapi';
import {
  type RecommendationReads,
  similarTo,
  trendingNow,
  userRecommendations,
} from './recommendation-service';
import { parseQueryWithRules } from './rules/request-query';
import { DEFAULT_OPTIONS, type ScoringOptions } from './scoring';
import { assignVariant, parseVariantsConfig, type VariantsConfig } from './variants';

export type RecommendMetricName =
  | 'Requests'
  | 'RecommendationResponses'
  | ImpressionMetricName
  | 'EmptyRecommendations'
  | (typeof RECOMMEND_METRICS)[keyof typeof RECOMMEND_METRICS];

export interface RecommendMetrics {
  count(name: RecommendMetricName, value: number, dimensions?: Readonly<Record<string, string>>): void;
}

type HandlerLogger = Pick<Logger, 'info' | 'warn' | 'error'>;

export interface RecommendHandlerDeps {
  readonly reads: RecommendationReads;
  /** Puts each answer's impression; created with the handler's metrics and logger (see `impressionPublisher`). */
  readonly impressions: ImpressionPublisher;
  /** @default DEFAULT_VARIANTS (one `control` variant) */
  readonly variants?: VariantsConfig;
  /** Named filters, boosts and the promotion slot (RECOMMEND_RULES). @default NO_RULES */
  readonly rules?: RulesConfig;
  /** New arrivals: slots, age cut-off, weight (RECOMMEND_EXPLORATION). @default DEFAULT_EXPLORATION_CONFIG */
  readonly exploration?: ExplorationConfig;
  /** Scoring settings that are not per variant (maxSources, purchasedWindowDays). */
  readonly scoring?: Partial<Pick<ScoringOptions, 'maxSources' | 'purchasedWindowDays'>>;
  readonly clock?: () => Date;
  readonly generateId?: () => string;
  readonly logger?: HandlerLogger;
  readonly metrics?: RecommendMetrics;
}

export type RecommendHandler = (
  event: APIGatewayProxyEvent,
  context?: Context,
) => Promise<APIGatewayProxyResult>;

export function createRecommendHandler(deps: RecommendHandlerDeps): RecommendHandler {
  const clock = deps.clock ?? (() => new Date());
  const generateId = deps.generateId ?? randomUUID;
  const log: HandlerLogger = deps.logger ?? new Logger();
  const metrics: RecommendMetrics = deps.metrics ?? { count: () => {} };
  const variants = deps.variants ?? parseVariantsConfig(undefined);
  const rules = deps.rules ?? NO_RULES;
  const exploration = deps.exploration ?? DEFAULT_EXPLORATION_CONFIG;
  /** The deployment's exploration with the request's `exploration` slots, when it names them. */
  const explorationFor = (slots: number | undefined): ExplorationConfig =>
    slots === undefined ? exploration : { ...exploration, slots };
  let openApiBody: string | undefined;

  async function forUser(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
    const path = parseParameters(UserPathSchema, event.pathParameters, 'path');
    if (!path.ok) return errorResponse(400, path.error);
    const now = clock();
    const parsed = parseQueryWithRules(
      UserRecommendationsQuerySchema,
      event.queryStringParameters,
      rules,
      now.getTime(),
    );
    if (!parsed.ok) return errorResponse(400, parsed.error);
    const { exploration: explorationSlots, ...query } = parsed.value.query;
    const { userId } = path.value;
    const variant = assignVariant(variants, userId);
    const result = await userRecommendations(deps.reads, {
      userId,
      ...query,
      rules: parsed.value.rules,
      now: now.getTime(),
      scoring: { ...deps.scoring, weights: variant.weights, exploration: explorationFor(explorationSlots) },
    });
    const recommendationId = generateId();
    const generatedAt = now.toISOString();
    // Started before the body is built; the invocation waits for it, bounded, before returning.
    if (result.items.length > 0)
      deps.impressions.publish(
        impressionEvent({
          userId,
          recommendationId,
          itemIds: result.items.map((i) => i.itemId),
          variant: variant.name,
          placement: query.placement,
          at: generatedAt,
        }),
      );
    const body: UserRecommendationsResponse = {
      userId,
      placement: query.placement,
      recommendationId,
      variant: variant.name,
      generatedAt,
      model: result.model,
      items: result.items.map(toItem),
    };
    const response = jsonResponse(200, body);
    metrics.count('RecommendationResponses', 1, { variant: variant.name });
    if (result.items.length === 0) metrics.count('EmptyRecommendations', 1);
    return response;
  }

  async function similar(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
    const path = parseParameters(ItemPathSchema, event.pathParameters, 'path');
    if (!path.ok) return errorResponse(400, path.error);
    const now = clock();
    const query = parseQueryWithRules(
      SimilarItemsQuerySchema,
      event.queryStringParameters,
      rules,
      now.getTime(),
    );
    if (!query.ok) return errorResponse(400, query.error);
    const { exploration: explorationSlots, ...similarQuery } = query.value.query;
    const result = await similarTo(deps.reads, {
      itemId: path.value.itemId,
      ...similarQuery,
      rules: query.value.rules,
      exploration: explorationFor(explorationSlots),
      now: now.getTime(),
    });
    const body: SimilarItemsResponse = {
      itemId: path.value.itemId,
      generatedAt: now.toISOString(),
      model: result.model,
      items: result.items.map(toItem),
    };
    return jsonResponse(200, body);
  }

  async function trending(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
    const now = clock();
    const query = parseQueryWithRules(TrendingQuerySchema, event.queryStringParameters, rules, now.getTime());
    if (!query.ok) return errorResponse(400, query.error);
    const result = await trendingNow(deps.reads, { ...query.value.query, rules: query.value.rules });
    const body: TrendingResponse = {
      category: query.value.query.category ?? null,
      generatedAt: now.toISOString(),
      model: result.model,
      items: result.items.map(toItem),
    };
    return jsonResponse(200, body);
  }

  const answer = async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const method = (event.httpMethod ?? 'GET').toUpperCase();
    const route = Object.values(RECOMMEND_ROUTES).find((r) => r.path === event.resource);
    if (!route) {
      return errorResponse(404, { message: `no route for ${method} ${event.path}`, code: 'not_found' });
    }
    if (method !== route.method) {
      return errorResponse(405, {
        message: `${method} is not allowed on ${route.path}`,
        code: 'method_not_allowed',
      });
    }
    metrics.count('Requests', 1);
    try {
      switch (route.path) {
        case RECOMMEND_ROUTES.userRecommendations.path:
          return await forUser(event);
        case RECOMMEND_ROUTES.similarItems.path:
          return await similar(event);
        case RECOMMEND_ROUTES.trendingItems.path:
          return await trending(event);
        case RECOMMEND_ROUTES.openApi.path:
          openApiBody ??= JSON.stringify(buildOpenApiDocument(undefined, rules));
          return { statusCode: 200, headers: { 'Content-Type': 'application/json' }, body: openApiBody };
      }
    } catch (error) {
      log.error('recommendation request failed', { route: route.path, error });
      return errorResponse(500, {
        message: 'internal error; the request can be retried',
        code: 'internal_error',
      });
    }
  };
  return async (event) => {
    const response = await answer(event);
    // Lambda freezes the environment after the return: give this and earlier impressions the bound first.
    await deps.impressions.settle();
    return response;
  };
}

/** The publisher of a handler's impressions, counting and logging through the handler's metrics and logger. */
export function impressionPublisher(
  options: Omit<ConstructorParameters<typeof ImpressionPublisher>[0], 'count' | 'log'> & {
    readonly metrics: RecommendMetrics;
    readonly logger: HandlerLogger;
  },
): ImpressionPublisher {
  const { metrics, logger, ...rest } = options;
  return new ImpressionPublisher({
    ...rest,
    count: (name, value) => metrics.count(name, value),
    log: logger,
  });
}

function toItem(r: CatalogueRecommendation): RecommendationItem {
  return {
    itemId: r.itemId,
    score: r.score,
    reason: r.reason,
    reasonKind: r.reasonKind,
    ...(r.category !== undefined ? { category: r.category } : {}),
    ...(r.title !== undefined ? { title: r.title } : {}),
    ...(r.price !== undefined ? { price: r.price } : {}),
    ...(r.currency !== undefined ? { currency: r.currency } : {}),
  };
}

function jsonResponse(statusCode: number, body: object): APIGatewayProxyResult {
  return {
    statusCode,
    headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' },
    body: JSON.stringify(body),
  };
}

function errorResponse(statusCode: number, error: ErrorResponse): APIGatewayProxyResult {
  return jsonResponse(statusCode, error);
}

// ---- Lambda wiring: Powertools at module scope, collaborators from env on the first invocation ----

const tools = powertools();
const { logger, metrics, tracer } = tools;

/** EMF: dimensioned counts (variant: a handful of configured names) as single metrics, the rest batched. */
function powertoolsMetrics(m: Metrics): RecommendMetrics {
  return {
    count(name, value, dimensions) {
      if (!dimensions) {
        m.addMetric(name, MetricUnit.Count, value);
        return;
      }
      const single = m.singleMetric();
      for (const [key, dimensionValue] of Object.entries(dimensions))
        single.addDimension(key, dimensionValue);
      single.addMetric(name, MetricUnit.Count, value);
    },
  };
}

let recommendHandler: RecommendHandler | undefined;

/**
 * Env, read on the first invocation (so tests and the local runtime can import the module):
 *   PROFILES_TABLE_NAME, SIMILARITIES_TABLE_NAME, TRENDING_TABLE_NAME, JOB_RUNS_TABLE_NAME,
 *   ITEM_STATS_TABLE_NAME, ITEMS_TABLE_NAME, EVENTS_STREAM_NAME, IMPRESSION_DLQ_URL (required);
 *   RECOMMEND_VARIANTS (JSON, see variants.ts), RECOMMEND_RULES (JSON, see shared/recommend-rules.ts),
 *   RECOMMEND_EXPLORATION (JSON, see shared/exploration-config.ts),
 *   ACTIVE_VERSION_CACHE_SECONDS (60), IMPRESSION_TIMEOUT_MS (150), MAX_SOURCE_ITEMS (100),
 *   PURCHASED_WINDOW_DAYS (365),
 *   PUBLISHED_CACHE_ENTRIES (20000; published neighbour/trending lists cached per environment, 0: off).
 */
function fromEnv(): RecommendHandler {
  if (recommendHandler) return recommendHandler;
  const recommendMetrics = powertoolsMetrics(metrics);
  recommendHandler = createRecommendHandler({
    reads: new DynamoRecommendationReads({
      client: tracer.captureAWSv3Client(dynamoDocumentClient()),
      profilesTable: requireEnv('PROFILES_TABLE_NAME'),
      similaritiesTable: requireEnv('SIMILARITIES_TABLE_NAME'),
      trendingTable: requireEnv('TRENDING_TABLE_NAME'),
      jobRunsTable: requireEnv('JOB_RUNS_TABLE_NAME'),
      itemStatsTable: requireEnv('ITEM_STATS_TABLE_NAME'),
      itemsTable: requireEnv('ITEMS_TABLE_NAME'),
      pointerTtlMs: numberEnv('ACTIVE_VERSION_CACHE_SECONDS', 60) * 1000,
      cacheEntries: numberEnv('PUBLISHED_CACHE_ENTRIES', 20_000),
      onRowCache: (hits, misses) => {
        recommendMetrics.count(RECOMMEND_METRICS.publishedRowCacheHits, hits);
        recommendMetrics.count(RECOMMEND_METRICS.publishedRowCacheMisses, misses);
      },
    }),
    impressions: impressionPublisher({
      sink: new KinesisImpressionSink(
        tracer.captureAWSv3Client(retryingKinesisClient()),
        requireEnv('EVENTS_STREAM_NAME'),
      ),
      deadLetters: new SqsQueueSink(requireEnv('IMPRESSION_DLQ_URL')),
      boundMs: numberEnv('IMPRESSION_TIMEOUT_MS', 150),
      metrics: recommendMetrics,
      logger,
    }),
    variants: parseVariantsConfig(process.env.RECOMMEND_VARIANTS),
    rules: parseRulesConfig(process.env[RULES_ENV]),
    exploration: parseExplorationConfig(process.env[EXPLORATION_ENV]),
    scoring: {
      maxSources: numberEnv('MAX_SOURCE_ITEMS', DEFAULT_OPTIONS.maxSources),
      purchasedWindowDays: numberEnv('PURCHASED_WINDOW_DAYS', 365),
    },
    logger,
    metrics: recommendMetrics,
  });
  return recommendHandler;
}

export const handler = middy((event: APIGatewayProxyEvent) => fromEnv()(event)).use(observability(tools));
