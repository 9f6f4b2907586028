/**
 * The OpenAPI 3.1 document of the recommendation API, generated from the zod schemas the handler
 * parses with (z.toJSONSchema; OpenAPI 3.1 uses JSON Schema 2020-12, zod's default target).
 */
import { z } from 'zod';
import { NO_RULES, type ParamSpec, type RulesConfig } from '../shared/recommend-rules';
import {
  ErrorResponseSchema,
  ItemPathSchema,
  RECOMMEND_ROUTES,
  type RecommendRoute,
  SimilarItemsQuerySchema,
  SimilarItemsResponseSchema,
  TrendingQuerySchema,
  TrendingResponseSchema,
  UserPathSchema,
  UserRecommendationsQuerySchema,
  UserRecommendationsResponseSchema,
} from './api-schemas';

type JsonObject = Record<string, unknown>;

/** A zod schema as JSON Schema 2020-12 without `$schema` (also used by the catalogue document). */
export function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonObject {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonObject;
  return rest;
}

/** One OpenAPI parameter per property of a zod object schema of path or query parameters. */
function parameters(schema: z.ZodObject, where: 'path' | 'query'): JsonObject[] {
  const object = jsonSchema(schema, 'input') as {
    properties?: Record<string, JsonObject>;
    required?: string[];
  };
  const required = new Set(object.required ?? []);
  return Object.entries(object.properties ?? {}).map(([name, property]) => {
    const { description, ...propertySchema } = property;
    return {
      name,
      in: where,
      required: where === 'path' || required.has(name),
      ...(typeof description === 'string' ? { description } : {}),
      schema: propertySchema,
    };
  });
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schemaName: string, description: string) => ({
  description,
  content: { 'application/json': { schema: ref(schemaName) } },
});
const errors = {
  '400': json('Error', 'Invalid path or query parameters; `errors` names each one.'),
  '403': { description: 'Missing or unknown API key (x-api-key), as API Gateway answers.' },
  '429': { description: 'Usage plan throttle or quota exceeded.' },
  '500': json('Error', 'Unexpected failure.'),
};

/** Path operations keyed by route; every route of RECOMMEND_ROUTES has one (a test checks both ways). */
const OPERATIONS: Readonly<Record<RecommendRoute, JsonObject>> = {
  userRecommendations: {
    operationId: 'getUserRecommendations',
    summary: 'Personalised recommendations for a user or an anonymous visitor, per placement',
    description:
      'One list per placement: `for-you` (default) blends repurchase propensity, reminders of what the user ' +
      'viewed or carted and did not buy, item-to-item collaborative filtering on the neighbours of recent ' +
      "interactions and purchases, and trending items in the user's top categories; `buy-again` ranks the " +
      "user's past purchases by repurchase propensity; `continue-shopping` lists what they viewed or carted " +
      'and did not buy since; `discover` leaves out everything they interacted with. `for-you` and ' +
      "`discover` also add new catalogue items of the user's top categories (an item PUT with a category " +
      'and a createdAt younger than the age cut-off, 30 days by default) that nobody has interacted with yet: ' +
      'scored below collaborative evidence, with `exploration` places (default 1) of the page kept for ' +
      'them, reason "new in <category>". Every item carries its ' +
      'reason. Users without a profile get trending and popular items. Each answer is recorded as a ' +
      'recommendation_impression event with its placement.',
    parameters: [
      ...parameters(UserPathSchema, 'path'),
      ...parameters(UserRecommendationsQuerySchema, 'query'),
    ],
    responses: { '200': json('UserRecommendations', 'Ranked items with reasons.'), ...errors },
  },
  similarItems: {
    operationId: 'getSimilarItems',
    summary: "An item's nearest neighbours (item-to-item collaborative filtering)",
    description:
      "The item's published neighbours, best first, then the new catalogue items of its category (its " +
      'catalogue row) that nobody has interacted with yet, below every neighbour, with `exploration` places ' +
      '(default 1) kept for them, reason "new in <category>": an item without neighbours is answered from ' +
      'its category.',
    parameters: [...parameters(ItemPathSchema, 'path'), ...parameters(SimilarItemsQuerySchema, 'query')],
    responses: {
      '200': json(
        'SimilarItems',
        'Neighbours, best first, then new items of its category; empty when there are neither.',
      ),
      ...errors,
    },
  },
  trendingItems: {
    operationId: 'getTrendingItems',
    summary: 'Trending items, globally or in one category',
    parameters: parameters(TrendingQuerySchema, 'query'),
    responses: { '200': json('Trending', 'Trending items, best first.'), ...errors },
  },
  openApi: {
    operationId: 'getOpenApiDocument',
    summary: 'This document',
    responses: {
      '200': {
        description: 'OpenAPI 3.1 document.',
        content: { 'application/json': { schema: { type: 'object' } } },
      },
      '403': errors['403'],
    },
  },
};

/**
 * `rules`: the deployment's rules (RECOMMEND_RULES); their filters, boosts and parameters are listed on
 * every route that takes `filter`.
 */
export function buildOpenApiDocument(serverUrl?: string, rules: RulesConfig = NO_RULES): JsonObject {
  const paths: Record<string, JsonObject> = {};
  const extra = ruleParameters(rules);
  for (const [route, { method, path }] of Object.entries(RECOMMEND_ROUTES) as Array<
    [RecommendRoute, (typeof RECOMMEND_ROUTES)[RecommendRoute]]
  >) {
    const operation = OPERATIONS[route];
    const withRules =
      extra.length > 0 && Array.isArray(operation.parameters)
        ? { ...operation, parameters: [...operation.parameters, ...extra] }
        : operation;
    paths[path] = { ...paths[path], [method.toLowerCase()]: withRules };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'RecoStream recommendation API',
      version: '1.0.0',
      description:
        'Personalised, similar and trending items. Authenticate with an API key in the x-api-key header; ' +
        'the usage plan of the key throttles requests.',
    },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
    security: [{ apiKey: [] }],
    paths,
    components: {
      securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' } },
      schemas: {
        UserRecommendations: jsonSchema(UserRecommendationsResponseSchema, 'output'),
        SimilarItems: jsonSchema(SimilarItemsResponseSchema, 'output'),
        Trending: jsonSchema(TrendingResponseSchema, 'output'),
        Error: jsonSchema(ErrorResponseSchema, 'output'),
      },
    },
  };
}

/** One optional query parameter per parameter a configured filter or boost declares. */
function ruleParameters(rules: RulesConfig): JsonObject[] {
  const byName = new Map<string, { owners: string[]; spec: ParamSpec }>();
  const collect = (kind: string, table: Record<string, { params?: Record<string, ParamSpec> }>) => {
    for (const [name, rule] of Object.entries(table)) {
      for (const [param, spec] of Object.entries(rule.params ?? {})) {
        const seen = byName.get(param) ?? { owners: [], spec };
        seen.owners.push(`${kind}=${name}`);
        byName.set(param, seen);
      }
    }
  };
  collect('filter', rules.filters ?? {});
  collect('boost', rules.boosts ?? {});
  return [...byName].map(([name, { owners, spec }]) => ({
    name,
    in: 'query',
    required: false,
    description: `Parameter of ${owners.join(', ')} (this deployment's rules).`,
    schema:
      spec.type === 'number'
        ? {
            type: 'number',
            ...(spec.min !== undefined ? { minimum: spec.min } : {}),
            ...(spec.max !== undefined ? { maximum: spec.max } : {}),
          }
        : spec.type === 'string' && spec.values
          ? { type: 'string', enum: spec.values }
          : { type: 'string' },
  }));
}
