/**
 * The recommendation API's contract as zod schemas: the handler parses requests with them, the tests
 * check responses against them, and openapi.ts turns them into the OpenAPI document served at
 * /v1/openapi.json, so the document cannot drift from what the handler accepts and returns.
 */
import { z } from 'zod';
import { MAX_EXPLORATION_SLOTS } from '../shared/exploration-config';
import { idSchema, ProfileKeySchema } from '../shared/ids';
import { RuleNameSchema } from '../shared/recommend-rules';
import { DEFAULT_PLACEMENT, PLACEMENTS } from './scoring-model';

export const MAX_LIMIT = 50;
export const DEFAULT_LIMIT = 10;
export const MAX_EXCLUDED_ITEMS = 100;

/** The API's routes; lib/recommendation-api.ts creates exactly these methods. */
export const RECOMMEND_ROUTES = {
  userRecommendations: { method: 'GET', path: '/v1/users/{userId}/recommendations' },
  similarItems: { method: 'GET', path: '/v1/items/{itemId}/similar' },
  trendingItems: { method: 'GET', path: '/v1/items/trending' },
  openApi: { method: 'GET', path: '/v1/openapi.json' },
} as const;
export type RecommendRoute = keyof typeof RECOMMEND_ROUTES;

/** Item ids follow the id contract (lambdas/shared/ids.ts), so an id the ingest API stored is found here. */
const ItemId = idSchema();
const Category = z.string().min(1).max(256);

const commaList = <T extends z.ZodType<string, string>>(item: T, max: number, description: string) =>
  z
    .string()
    .max(8192)
    .meta({ description })
    .transform((s) =>
      s
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part !== ''),
    )
    .pipe(z.array(item).max(max, { error: `at most ${max} values` }));

const ruleParameters = {
  filter: commaList(
    RuleNameSchema,
    10,
    'Named filters of the deployment (prop `rules`), comma-separated, each with its own query ' +
      'parameters, e.g. `filter=price_under&maxPrice=20`. An item is returned only when it passes ' +
      'every filter (and the default filters). Unknown names and bad parameters are a 400.',
  ).optional(),
  boost: commaList(
    RuleNameSchema,
    10,
    'Named boosts of the deployment, comma-separated, e.g. `boost=new_arrivals`: each multiplies the ' +
      'score of the items it matches by its factor.',
  ).optional(),
};

/** An integer query parameter; every message says what is expected. */
const integerParameter = (min: number, max: number) => {
  const range = { error: `expected an integer from ${min} to ${max}` };
  return z.coerce.number().int({ error: 'expected an integer' }).min(min, range).max(max, range);
};

const Exploration = integerParameter(0, MAX_EXPLORATION_SLOTS).meta({
  description:
    'Places of the page kept for new catalogue items of the relevant categories (reason "new in <category>") ' +
    "while younger than the deployment's age cut-off; `0` leaves them out. Among themselves they are ranked " +
    "by the catalogue attributes they share with the user's most recent items (with the seed item in " +
    "`similar`), then by recency. Default: the deployment's `exploration.slots` (1).",
});

const Limit = integerParameter(1, MAX_LIMIT)
  .default(DEFAULT_LIMIT)
  .meta({ description: `Number of items, 1-${MAX_LIMIT}.` });

export const ExclusionSchema = z.enum(['purchased', 'cart', 'none']);

export const PlacementSchema = z.enum(PLACEMENTS).meta({
  description:
    'Which list: `for-you` (the default: the best list for the next purchase, with repurchases and ' +
    'reminders of what the user viewed or carted), `buy-again` (items bought before, by repurchase ' +
    'propensity), `continue-shopping` (viewed or carted recently, not bought since), `discover` ' +
    '(nothing the user has interacted with).',
});

export const UserPathSchema = z.object({
  userId: ProfileKeySchema.meta({
    description:
      'User id as sent to the ingest API, or `anon#<anonymousId>` (URL-encoded: `anon%23<anonymousId>`) ' +
      "for an anonymous visitor (once linked to a user by identify, answered from the user's merged profile).",
  }),
});

export const ItemPathSchema = z.object({ itemId: ItemId.meta({ description: 'Item id.' }) });

export const UserRecommendationsQuerySchema = z.strictObject({
  placement: PlacementSchema.default(DEFAULT_PLACEMENT),
  limit: Limit,
  exclude: commaList(
    ExclusionSchema,
    3,
    "What to leave out of the user's own items: `purchased` (within the purchase window), `cart`; " +
      '`none` for nothing. Default: `none` for for-you, continue-shopping and discover (discover leaves ' +
      'out every item the user interacted with anyway), `cart` for buy-again.',
  ).optional(),
  excludeItems: commaList(
    ItemId,
    MAX_EXCLUDED_ITEMS,
    'Item ids the caller hides, comma-separated.',
  ).optional(),
  category: Category.meta({ description: 'Only items of this category.' }).optional(),
  categoryCap: integerParameter(1, MAX_LIMIT)
    .meta({ description: 'At most this many items per category (diversity).' })
    .optional(),
  exploration: Exploration.optional(),
  ...ruleParameters,
});

export const SimilarItemsQuerySchema = z.strictObject({
  limit: Limit,
  excludeItems: commaList(
    ItemId,
    MAX_EXCLUDED_ITEMS,
    'Item ids the caller hides, comma-separated.',
  ).optional(),
  exploration: Exploration.optional(),
  ...ruleParameters,
});

export const TrendingQuerySchema = z.strictObject({
  limit: Limit,
  category: Category.meta({ description: 'Trending in this category; global when absent.' }).optional(),
  ...ruleParameters,
});

export const ReasonKindSchema = z
  .enum(['bought', 'cart', 'viewed', 'trending', 'popular', 'repurchase', 'reminder', 'new', 'promoted'])
  .meta({
    description:
      'What the reason is about: a neighbour of an item the user bought, carted or viewed; trending in a ' +
      'category; popular; a repurchase; a reminder of something viewed or carted; a new catalogue item of ' +
      'a category the user (or the seed item of `similar`) is in, that nobody has interacted with yet; an ' +
      "item of the deployment's promotion that the ranking did not hold (the promotion slot of every " +
      "route: of the seed item's category in `similar`, of `category` when given).",
  });

export const RecommendationItemSchema = z.object({
  itemId: z.string(),
  score: z.number(),
  reason: z.string().meta({
    description:
      'e.g. "because you viewed item-42", "you bought this 3 times, last 12 days ago", ' +
      '"you viewed this 2 hours ago", "trending in books", "popular", "new in garden", ' +
      '"new in kitchen: colour red, like Red kettle" (a new item sharing that attribute with the item named), ' +
      '"promoted".',
  }),
  reasonKind: ReasonKindSchema,
  category: z.string().optional(),
  title: z.string().optional().meta({ description: 'From the item catalogue (PUT /v1/items), when known.' }),
  price: z.number().optional().meta({ description: 'From the item catalogue, when known.' }),
  currency: z.string().optional().meta({ description: 'ISO 4217 code of `price`, when known.' }),
});

export const ModelVersionSchema = z
  .object({
    cf: z.string().nullable().meta({ description: 'Active collaborative-filtering version, null if none.' }),
    trending: z.string().nullable().meta({ description: 'Active trending version, null if none.' }),
  })
  .meta({ description: 'The published batch results this answer was computed from.' });

export const UserRecommendationsResponseSchema = z.object({
  userId: z.string(),
  placement: PlacementSchema,
  recommendationId: z.uuid().meta({
    description: 'Send it back with recommendation_click events to measure click-through rate.',
  }),
  variant: z.string().meta({ description: 'A/B variant the user is assigned to.' }),
  generatedAt: z.iso.datetime(),
  model: ModelVersionSchema,
  items: z.array(RecommendationItemSchema),
});

export const SimilarItemsResponseSchema = z.object({
  itemId: z.string(),
  generatedAt: z.iso.datetime(),
  model: ModelVersionSchema,
  items: z.array(RecommendationItemSchema),
});

export const TrendingResponseSchema = z.object({
  category: z.string().nullable(),
  generatedAt: z.iso.datetime(),
  model: ModelVersionSchema,
  items: z.array(RecommendationItemSchema),
});

export const ErrorResponseSchema = z.object({
  message: z.string(),
  code: z.string(),
  errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
});

export type RecommendationItem = z.infer<typeof RecommendationItemSchema>;
export type UserRecommendationsResponse = z.infer<typeof UserRecommendationsResponseSchema>;
export type SimilarItemsResponse = z.infer<typeof SimilarItemsResponseSchema>;
export type TrendingResponse = z.infer<typeof TrendingResponseSchema>;
export type ErrorResponse = z.infer<typeof ErrorResponseSchema>;
export type UserRecommendationsQuery = z.infer<typeof UserRecommendationsQuerySchema>;

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: ErrorResponse };

/** Parses path or query parameters; the error names every offending parameter. */
export function parseParameters<S extends z.ZodType>(
  schema: S,
  input: Record<string, string | undefined> | null | undefined,
  where: 'path' | 'query',
): ParseResult<z.infer<S>> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return { ok: true, value: result.data };
  const errors = result.error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return { field: where, message: `unknown ${where} parameter(s): ${issue.keys.join(', ')}` };
    }
    const field = issue.path.map(String).join('.') || where;
    return { field, message: `${field}: ${issue.message}` };
  });
  return {
    ok: false,
    error: {
      message: errors.map((e) => e.message).join('; '),
      code: `invalid_${where}_parameters`,
      errors,
    },
  };
}
