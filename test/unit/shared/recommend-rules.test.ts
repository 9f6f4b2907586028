/**
 * The rules' contract (lambdas/shared/recommend-rules.ts), as synthesis and the Lambda's start check it:
 * a valid document passes with its defaults filled in, and each kind of mistake is refused with a message
 * that names where it is.
 */
import { checkRulesConfig, NO_RULES, parseRulesConfig } from '../../../lambdas/shared/recommend-rules';

const priceUnder = {
  params: { maxPrice: { type: 'number', min: 0 } },
  match: [{ field: 'price', max: { param: 'maxPrice' } }],
};

it('accepts a full document and fills the promotion defaults', () => {
  const config = checkRulesConfig({
    filters: {
      price_under: priceUnder,
      promoted: { match: [{ field: 'attribute', name: 'promoted', in: [true] }] },
      new_only: { match: [{ field: 'createdAt', withinDays: 30 }] },
    },
    boosts: { in_stock: { factor: 1.2, match: [{ field: 'availability', in: ['in_stock'] }] } },
    defaults: { filters: ['new_only'], boosts: ['in_stock'] },
    promotion: { filter: 'promoted' },
  });
  expect(config.promotion).toEqual({ filter: 'promoted', within: 10, slots: 1 });
});

it('reads the environment variable: empty is no rules, bad JSON is an error', () => {
  expect(parseRulesConfig(undefined)).toBe(NO_RULES);
  expect(parseRulesConfig(' ')).toBe(NO_RULES);
  expect(() => parseRulesConfig('{')).toThrow(/RECOMMEND_RULES is not valid JSON/);
  expect(parseRulesConfig(JSON.stringify({ filters: { price_under: priceUnder } })).filters).toBeDefined();
});

it.each([
  [{ filters: { 'Bad-Name': priceUnder } }, /filters.Bad-Name: rule name: a lower-case letter/],
  [{ filters: { f: { match: [] } } }, /filters.f.match: Too small/],
  [{ filters: { f: { match: [{ field: 'colour', in: ['red'] }] } } }, /filters.f.match.0.field/],
  [{ filters: { f: { match: [{ field: 'price' }] } } }, /price condition: give `min` or `max`/],
  [{ filters: { f: { match: [{ field: 'availability', in: ['sold'] }] } } }, /filters.f.match.0.in.0/],
  [
    { filters: { f: { match: [{ field: 'price', max: { param: 'maxPrice' } }] } } },
    /filters.f.match: price.max uses parameter 'maxPrice', which params does not declare/,
  ],
  [
    {
      filters: {
        f: {
          params: { maxPrice: { type: 'list' } },
          match: [{ field: 'price', max: { param: 'maxPrice' } }],
        },
      },
    },
    /price.max needs a number parameter; 'maxPrice' is list/,
  ],
  [
    { filters: { f: { params: { p: { type: 'number' } }, match: [{ field: 'price', max: 3 }] } } },
    /parameter 'p' is declared but no condition uses it/,
  ],
  [
    {
      filters: {
        f: { params: { limit: { type: 'number' } }, match: [{ field: 'price', max: { param: 'limit' } }] },
      },
    },
    /filters.f.params.limit: 'limit' is a query parameter of the API; choose another name/,
  ],
  [{ defaults: { filters: ['nope'] } }, /defaults.filters: unknown filter 'nope'/],
  [
    { filters: { price_under: priceUnder }, defaults: { filters: ['price_under'] } },
    /filter 'price_under' needs maxPrice: no default/,
  ],
  [{ promotion: { filter: 'promoted' } }, /promotion.filter: unknown filter 'promoted'/],
  [
    { filters: { price_under: priceUnder }, promotion: { filter: 'price_under' } },
    /the promotion filter may not need parameters \(maxPrice\)/,
  ],
  [
    {
      filters: { p: { match: [{ field: 'category', in: ['x'] }] } },
      promotion: { filter: 'p', within: 3, slots: 4 },
    },
    /slots must not exceed within/,
  ],
  [{ boosts: { b: { factor: 0, match: [{ field: 'category', in: ['x'] }] } } }, /boosts.b.factor/],
  [{ filter: {} }, /Unrecognized key: "filter"/],
])('refuses %j', (config, message) => {
  expect(() => checkRulesConfig(config)).toThrow(message);
});
