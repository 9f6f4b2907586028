/**
 * The rules of one request (lambdas/recommend/rules/request-rules.ts and request-query.ts): default
 * filters and boosts always run, named ones are added, parameters are validated against their spec, and
 * every mistake (unknown filter, missing, malformed or out-of-range parameter, a parameter of a filter the
 * request does not name, an unknown query parameter) is a specific message.
 */
import { UserRecommendationsQuerySchema } from '../../../../lambdas/recommend/api-schemas';
import { parseQueryWithRules } from '../../../../lambdas/recommend/rules/request-query';
import { resolveRequestRules, splitRuleParameters } from '../../../../lambdas/recommend/rules/request-rules';
import { checkRulesConfig, type RulesConfig } from '../../../../lambdas/shared/recommend-rules';

const NOW = Date.parse('2026-12-01T00:00:00.000Z');

const config: RulesConfig = checkRulesConfig({
  filters: {
    price_under: {
      params: { maxPrice: { type: 'number', min: 0, max: 100000 } },
      match: [{ field: 'price', max: { param: 'maxPrice' } }],
    },
    in_categories: {
      params: { categories: { type: 'list' } },
      match: [{ field: 'category', in: { param: 'categories' } }],
    },
    brand: {
      params: { brand: { type: 'string', values: ['acme', 'globex'], default: 'acme' } },
      match: [{ field: 'attribute', name: 'brand', in: { param: 'brand' } }],
    },
    in_stock: { match: [{ field: 'availability', in: ['in_stock'] }] },
    promoted: { match: [{ field: 'attribute', name: 'promoted', in: [true] }] },
  },
  boosts: { new_arrivals: { factor: 2, match: [{ field: 'createdAt', withinDays: 30 }] } },
  defaults: { filters: ['in_stock'] },
  promotion: { filter: 'promoted' },
});

const resolve = (requested: { filter?: string[]; boost?: string[] }, params: Record<string, string> = {}) =>
  resolveRequestRules(config, requested, params, NOW);

it('always runs the default filters and the promotion, and adds the named filters with their values', () => {
  const result = resolve({ filter: ['price_under'], boost: ['new_arrivals'] }, { maxPrice: '20' });
  expect(result).toEqual({
    ok: true,
    rules: {
      filters: [
        { name: 'in_stock', match: [{ field: 'availability', in: ['in_stock'] }], values: {} },
        {
          name: 'price_under',
          match: [{ field: 'price', max: { param: 'maxPrice' } }],
          values: { maxPrice: 20 },
        },
      ],
      boosts: [
        { name: 'new_arrivals', match: [{ field: 'createdAt', withinDays: 30 }], values: {}, factor: 2 },
      ],
      promotion: {
        rule: { name: 'promoted', match: [{ field: 'attribute', name: 'promoted', in: [true] }], values: {} },
        within: 10,
        slots: 1,
        indexed: true,
      },
      now: NOW,
    },
  });
});

it('parses list parameters and applies a string default', () => {
  const result = resolve({ filter: ['in_categories', 'brand'] }, { categories: 'books, music' });
  if (!result.ok) throw new Error('expected ok');
  expect(result.rules.filters.map((f) => f.values)).toEqual([
    {},
    { categories: ['books', 'music'] },
    { brand: 'acme' },
  ]);
});

it.each([
  [
    { filter: ['cheap'] },
    {},
    "unknown filter 'cheap'; configured: price_under, in_categories, brand, in_stock, promoted",
  ],
  [{ boost: ['x'] }, {}, "unknown boost 'x'; configured: new_arrivals"],
  [
    { filter: ['price_under'] },
    {},
    'filter price_under needs the query parameter maxPrice (a number >= 0 and <= 100000)',
  ],
  [
    { filter: ['price_under'] },
    { maxPrice: 'cheap' },
    "maxPrice: expected a number, got 'cheap' (filter price_under)",
  ],
  [{ filter: ['price_under'] }, { maxPrice: '' }, "maxPrice: expected a number, got '' (filter price_under)"],
  [
    { filter: ['price_under'] },
    { maxPrice: '-1' },
    'maxPrice: expected a number >= 0 and <= 100000, got -1 (filter price_under)',
  ],
  [
    { filter: ['brand'] },
    { brand: 'initech' },
    "brand: expected one of acme, globex, got 'initech' (filter brand)",
  ],
  [
    { filter: ['in_categories'] },
    { categories: ' , ' },
    'categories: expected a comma-separated list (filter in_categories)',
  ],
  [
    {},
    { maxPrice: '20' },
    'maxPrice is a parameter of filter price_under, which the request does not name (e.g. filter=price_under)',
  ],
])('refuses %j %j: %s', (requested, params, message) => {
  const result = resolve(requested, params);
  expect(result.ok).toBe(false);
  if (!result.ok) expect(result.problems.map((p) => p.message)).toContain(message);
});

it('splits the rules parameters from the rest of the query', () => {
  expect(splitRuleParameters(config, { maxPrice: '5', limit: '3', other: 'x' })).toEqual({
    ruleParams: { maxPrice: '5' },
    rest: { limit: '3', other: 'x' },
  });
  expect(splitRuleParameters(config, null)).toEqual({ ruleParams: {}, rest: {} });
});

describe('parseQueryWithRules', () => {
  it('gives the route query and the rules', () => {
    const parsed = parseQueryWithRules(
      UserRecommendationsQuerySchema,
      { filter: 'price_under', maxPrice: '20', limit: '5' },
      config,
      NOW,
    );
    expect(parsed.ok).toBe(true);
    if (parsed.ok) {
      expect(parsed.value.query).toMatchObject({ limit: 5, filter: ['price_under'] });
      expect(parsed.value.rules.filters.map((f) => f.name)).toEqual(['in_stock', 'price_under']);
    }
  });
  it('still refuses unknown query parameters, and names bad rule parameters in the error', () => {
    const unknown = parseQueryWithRules(UserRecommendationsQuerySchema, { minPrice: '1' }, config, NOW);
    expect(unknown).toMatchObject({
      ok: false,
      error: { code: 'invalid_query_parameters', message: 'unknown query parameter(s): minPrice' },
    });
    const bad = parseQueryWithRules(
      UserRecommendationsQuerySchema,
      { filter: 'price_under', maxPrice: 'x' },
      config,
      NOW,
    );
    expect(bad).toMatchObject({
      ok: false,
      error: { code: 'invalid_query_parameters', errors: [{ field: 'maxPrice' }] },
    });
  });
  it('refuses a malformed rule name', () => {
    const parsed = parseQueryWithRules(
      UserRecommendationsQuerySchema,
      { filter: 'Price-Under' },
      config,
      NOW,
    );
    expect(parsed).toMatchObject({
      ok: false,
      error: {
        message: 'filter.0: rule name: a lower-case letter, then up to 63 lower-case letters, digits or _',
      },
    });
  });
});
