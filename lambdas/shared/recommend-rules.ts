/**
 * The business rules' contract, in one place: the deployment's named filters, boosts and promotion slot,
 * as the construct validates them at synthesis (lib/recommendation-api.ts, prop `rules`) and the
 * recommendation Lambda parses them from its environment (`RECOMMEND_RULES`, JSON). The local runtime reads
 * the same variable from the synthesised template like every other one. The engine that applies them is
 * lambdas/recommend/rules/.
 *
 *   {"filters": {
 *      "price_under": {"params": {"maxPrice": {"type": "number", "min": 0}},
 *                      "match": [{"field": "price", "max": {"param": "maxPrice"}}]},
 *      "promoted":    {"match": [{"field": "attribute", "name": "promoted", "in": [true]}]},
 *      "no_gift_cards": {"match": [{"field": "category", "notIn": ["gift-cards"]}]}},
 *    "boosts": {"new_arrivals": {"factor": 1.5, "match": [{"field": "createdAt", "withinDays": 30}]}},
 *    "defaults": {"filters": ["no_gift_cards"], "boosts": ["new_arrivals"]},
 *    "promotion": {"filter": "promoted", "within": 10, "slots": 1}}
 *
 * A filter keeps an item when every condition of `match` holds; a condition on a field the item's catalogue
 * row lacks (no price, not catalogued) does not hold. A boost multiplies the score of the items it matches.
 */
import { z } from 'zod';
import { AVAILABILITY } from './catalogue';

export const RULES_ENV = 'RECOMMEND_RULES';

/** Query parameters of the API itself: a rule parameter may not take one of these names. */
export const RESERVED_QUERY_PARAMETERS: readonly string[] = [
  'placement',
  'limit',
  'exclude',
  'excludeItems',
  'category',
  'categoryCap',
  'filter',
  'boost',
  'exploration',
];

export const RuleNameSchema = z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, {
  error: 'rule name: a lower-case letter, then up to 63 lower-case letters, digits or _',
});
const ParamName = z.string().regex(/^[A-Za-z][A-Za-z0-9]{0,63}$/, {
  error: 'parameter name: a letter, then up to 63 letters or digits',
});
const Finite = z.number().refine(Number.isFinite, { error: 'expected a finite number' });

/** A value taken from the request's query parameter of that name (declared in the rule's `params`). */
export const ParamRefSchema = z.strictObject({ param: ParamName });
export type ParamRef = z.infer<typeof ParamRefSchema>;

const NumberOrParam = z.union([Finite, ParamRefSchema]);
const Strings = z.array(z.string().min(1).max(256)).min(1).max(100);
const StringsOrParam = z.union([Strings, ParamRefSchema]);
const AttributeValues = z
  .array(z.union([z.string().max(1000), Finite, z.boolean()]))
  .min(1)
  .max(100);
const AttributeValuesOrParam = z.union([AttributeValues, ParamRefSchema]);
const Availabilities = z.array(z.enum(AVAILABILITY)).min(1);

const atLeastOne =
  (...keys: string[]) =>
  (c: Record<string, unknown>) =>
    keys.some((k) => c[k] !== undefined);

export const ConditionSchema = z.discriminatedUnion('field', [
  z
    .strictObject({
      field: z.literal('category'),
      in: StringsOrParam.optional(),
      notIn: StringsOrParam.optional(),
    })
    .refine(atLeastOne('in', 'notIn'), { error: 'category condition: give `in` or `notIn`' }),
  z
    .strictObject({ field: z.literal('price'), min: NumberOrParam.optional(), max: NumberOrParam.optional() })
    .refine(atLeastOne('min', 'max'), { error: 'price condition: give `min` or `max`' }),
  z
    .strictObject({
      field: z.literal('attribute'),
      name: z.string().min(1).max(128),
      in: AttributeValuesOrParam.optional(),
      notIn: AttributeValuesOrParam.optional(),
      exists: z.boolean().optional(),
    })
    .refine(atLeastOne('in', 'notIn', 'exists'), {
      error: 'attribute condition: give `in`, `notIn` or `exists`',
    }),
  z
    .strictObject({
      field: z.literal('availability'),
      in: Availabilities.optional(),
      notIn: Availabilities.optional(),
    })
    .refine(atLeastOne('in', 'notIn'), { error: 'availability condition: give `in` or `notIn`' }),
  z
    .strictObject({
      field: z.literal('createdAt'),
      withinDays: NumberOrParam.optional(),
      olderThanDays: NumberOrParam.optional(),
    })
    .refine(atLeastOne('withinDays', 'olderThanDays'), {
      error: 'createdAt condition: give `withinDays` or `olderThanDays`',
    }),
]);
export type Condition = z.infer<typeof ConditionSchema>;

export const ParamSpecSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('number'),
    min: Finite.optional(),
    max: Finite.optional(),
    default: Finite.optional(),
  }),
  z.strictObject({
    type: z.literal('string'),
    values: Strings.optional(),
    default: z.string().min(1).optional(),
  }),
  z.strictObject({ type: z.literal('list'), default: Strings.optional() }),
]);
export type ParamSpec = z.infer<typeof ParamSpecSchema>;

const Description = z.string().max(500).optional();
const Params = z.record(ParamName, ParamSpecSchema).optional();
const Match = z.array(ConditionSchema).min(1).max(20);

export const FilterSchema = z.strictObject({ description: Description, params: Params, match: Match });
export const BoostSchema = z.strictObject({
  description: Description,
  params: Params,
  match: Match,
  factor: z.number().gt(0).max(100),
});
export type FilterRule = z.infer<typeof FilterSchema>;
export type BoostRule = z.infer<typeof BoostSchema>;

/** Maximum of `promotion.within`: the API's largest page. */
export const MAX_PROMOTION_WITHIN = 50;

export const RulesConfigSchema = z
  .strictObject({
    filters: z.record(RuleNameSchema, FilterSchema).optional(),
    boosts: z.record(RuleNameSchema, BoostSchema).optional(),
    defaults: z
      .strictObject({
        filters: z.array(RuleNameSchema).optional(),
        boosts: z.array(RuleNameSchema).optional(),
      })
      .optional(),
    promotion: z
      .strictObject({
        filter: RuleNameSchema,
        within: z.int().min(1).max(MAX_PROMOTION_WITHIN).default(10),
        slots: z.int().min(1).max(MAX_PROMOTION_WITHIN).default(1),
      })
      .refine((p) => p.slots <= p.within, { error: 'promotion: slots must not exceed within' })
      .optional(),
  })
  .superRefine((config, ctx) => {
    const issue = (path: (string | number)[], message: string) =>
      ctx.addIssue({ code: 'custom', path, message });
    const filters = config.filters ?? {};
    const boosts = config.boosts ?? {};
    const rules: Array<[string, string, FilterRule | BoostRule]> = [
      ...Object.entries(filters).map(([n, r]) => ['filters', n, r] as [string, string, FilterRule]),
      ...Object.entries(boosts).map(([n, r]) => ['boosts', n, r] as [string, string, BoostRule]),
    ];
    for (const [kind, name, rule] of rules) {
      for (const param of Object.keys(rule.params ?? {})) {
        if (RESERVED_QUERY_PARAMETERS.includes(param)) {
          issue(
            [kind, name, 'params', param],
            `'${param}' is a query parameter of the API; choose another name`,
          );
        }
      }
      for (const problem of paramProblems(rule)) issue([kind, name, 'match'], problem);
    }
    for (const name of config.defaults?.filters ?? []) {
      const rule = filters[name];
      if (!rule) issue(['defaults', 'filters'], `unknown filter '${name}'`);
      else if (requiredParams(rule).length > 0) {
        issue(
          ['defaults', 'filters'],
          `filter '${name}' needs ${requiredParams(rule).join(', ')}: no default`,
        );
      }
    }
    for (const name of config.defaults?.boosts ?? []) {
      const rule = boosts[name];
      if (!rule) issue(['defaults', 'boosts'], `unknown boost '${name}'`);
      else if (requiredParams(rule).length > 0) {
        issue(['defaults', 'boosts'], `boost '${name}' needs ${requiredParams(rule).join(', ')}: no default`);
      }
    }
    if (config.promotion) {
      const rule = filters[config.promotion.filter];
      if (!rule) issue(['promotion', 'filter'], `unknown filter '${config.promotion.filter}'`);
      else if (requiredParams(rule).length > 0) {
        issue(
          ['promotion', 'filter'],
          `the promotion filter may not need parameters (${requiredParams(rule).join(', ')})`,
        );
      }
    }
  });
export type RulesConfig = z.infer<typeof RulesConfigSchema>;
/** What the construct's prop accepts (defaults of `promotion` may be left out). */
export type RulesConfigInput = z.input<typeof RulesConfigSchema>;

/** Parameters a rule needs from the request: declared without a default. */
export function requiredParams(rule: FilterRule | BoostRule): string[] {
  return Object.entries(rule.params ?? {})
    .filter(([, spec]) => spec.default === undefined)
    .map(([name]) => name);
}

/** The type a parameter reference needs at each place it can stand. */
const REF_TYPES: Readonly<Record<string, ParamSpec['type'][]>> = {
  number: ['number'],
  strings: ['string', 'list'],
  attribute: ['string', 'list', 'number'],
};

/** Undeclared, unused or mistyped parameter references of one rule. */
function paramProblems(rule: FilterRule | BoostRule): string[] {
  const declared = rule.params ?? {};
  const used = new Set<string>();
  const problems: string[] = [];
  const check = (value: unknown, kind: keyof typeof REF_TYPES, where: string) => {
    const ref = ParamRefSchema.safeParse(value);
    if (!ref.success) return;
    used.add(ref.data.param);
    const spec = declared[ref.data.param];
    if (!spec) problems.push(`${where} uses parameter '${ref.data.param}', which params does not declare`);
    else if (!REF_TYPES[kind]?.includes(spec.type)) {
      problems.push(
        `${where} needs a ${REF_TYPES[kind]?.join(' or ')} parameter; '${ref.data.param}' is ${spec.type}`,
      );
    }
  };
  for (const c of rule.match) {
    switch (c.field) {
      case 'category':
        check(c.in, 'strings', 'category.in');
        check(c.notIn, 'strings', 'category.notIn');
        break;
      case 'price':
        check(c.min, 'number', 'price.min');
        check(c.max, 'number', 'price.max');
        break;
      case 'attribute':
        check(c.in, 'attribute', `attribute ${c.name}.in`);
        check(c.notIn, 'attribute', `attribute ${c.name}.notIn`);
        break;
      case 'createdAt':
        check(c.withinDays, 'number', 'createdAt.withinDays');
        check(c.olderThanDays, 'number', 'createdAt.olderThanDays');
        break;
      case 'availability':
        break;
    }
  }
  for (const name of Object.keys(declared)) {
    if (!used.has(name)) problems.push(`parameter '${name}' is declared but no condition uses it`);
  }
  return problems;
}

/** No rules: what runs when nothing is configured. */
export const NO_RULES: RulesConfig = {};

/** Parses the JSON of `RECOMMEND_RULES`; absent or empty means NO_RULES. Throws with every reason. */
export function parseRulesConfig(json: string | undefined): RulesConfig {
  if (json === undefined || json.trim() === '') return NO_RULES;
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    throw new Error(`${RULES_ENV} is not valid JSON: ${(error as Error).message}`);
  }
  return checkRulesConfig(raw);
}

/** Validates a rules document (the construct calls it at synthesis); throws naming each problem's path. */
export function checkRulesConfig(raw: unknown): RulesConfig {
  const parsed = RulesConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => {
      // A bad rule name is a record key: its own message is in the nested issues.
      const message = i.code === 'invalid_key' ? i.issues.map((k) => k.message).join(', ') : i.message;
      return `${i.path.join('.') || '(root)'}: ${message}`;
    });
    throw new Error(`${RULES_ENV} is invalid: ${issues.join('; ')}`);
  }
  return parsed.data;
}
