/**
 * The rules one request runs: the deployment's default filters and boosts, the filters and boosts the
 * request names (`?filter=price_under&maxPrice=20`, `?boost=new_arrivals`), and the promotion slot, with
 * each rule's parameters read from the query and validated against their declared spec. Every problem
 * becomes a 400 with a message that names the parameter and what it expects.
 */

import { isIndexablePromotion } from '../../shared/promoted-items';
import type { BoostRule, Condition, FilterRule, ParamSpec, RulesConfig } from '../../shared/recommend-rules';
import type { ParamValue, ParamValues } from '../../shared/rule-conditions';

export interface AppliedRule {
  readonly name: string;
  readonly match: readonly Condition[];
  readonly values: ParamValues;
}

export interface AppliedBoost extends AppliedRule {
  readonly factor: number;
}

export interface RequestRules {
  /** An item is kept when it meets every filter. */
  readonly filters: readonly AppliedRule[];
  /** Each matching boost multiplies the item's score by its factor. */
  readonly boosts: readonly AppliedBoost[];
  /**
   * At least `slots` of the first `within` items meet `rule`, when the candidates have such items. `indexed`:
   * the catalogue keeps the rule's promoted-items row (lambdas/shared/promoted-items.ts), so the slot may
   * also take promoted items from outside the ranking.
   */
  readonly promotion?: {
    readonly rule: AppliedRule;
    readonly within: number;
    readonly slots: number;
    readonly indexed?: boolean;
  };
  /** The request's clock, for the recency conditions. */
  readonly now: number;
}

export interface RuleProblem {
  readonly field: string;
  readonly message: string;
}

export type RequestRulesResult =
  | { readonly ok: true; readonly rules: RequestRules }
  | { readonly ok: false; readonly problems: readonly RuleProblem[] };

/** Names of every parameter some filter or boost declares: the handler takes them out of the query first. */
export function ruleParameterNames(config: RulesConfig): Set<string> {
  const names = new Set<string>();
  for (const rule of [...Object.values(config.filters ?? {}), ...Object.values(config.boosts ?? {})]) {
    for (const name of Object.keys(rule.params ?? {})) names.add(name);
  }
  return names;
}

/** The query split into the rules' parameters and the rest (which the route's strict schema parses). */
export function splitRuleParameters(
  config: RulesConfig,
  query: Readonly<Record<string, string | undefined>> | null | undefined,
): { ruleParams: Record<string, string>; rest: Record<string, string | undefined> } {
  const names = ruleParameterNames(config);
  const ruleParams: Record<string, string> = {};
  const rest: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(query ?? {})) {
    if (names.has(key) && value !== undefined) ruleParams[key] = value;
    else rest[key] = value;
  }
  return { ruleParams, rest };
}

export function resolveRequestRules(
  config: RulesConfig,
  requested: { readonly filter?: readonly string[]; readonly boost?: readonly string[] },
  ruleParams: Readonly<Record<string, string>>,
  now: number,
): RequestRulesResult {
  const problems: RuleProblem[] = [];
  const used = new Set<string>();
  const apply = <R extends FilterRule | BoostRule>(
    kind: 'filter' | 'boost',
    table: Readonly<Record<string, R>>,
    names: readonly string[],
  ): Array<{ name: string; rule: R; values: ParamValues }> => {
    const out: Array<{ name: string; rule: R; values: ParamValues }> = [];
    for (const name of new Set(names)) {
      const rule = table[name];
      if (!rule) {
        const known = Object.keys(table);
        problems.push({
          field: kind,
          message: `unknown ${kind} '${name}'; ${known.length > 0 ? `configured: ${known.join(', ')}` : `no ${kind}s are configured`}`,
        });
        continue;
      }
      const values: Record<string, ParamValue> = {};
      for (const [param, spec] of Object.entries(rule.params ?? {})) {
        used.add(param);
        const raw = ruleParams[param];
        const value = raw === undefined ? spec.default : parseParam(raw, spec);
        if (typeof value === 'object' && value !== null && 'problem' in value) {
          problems.push({ field: param, message: `${param}: ${value.problem} (${kind} ${name})` });
        } else if (value === undefined) {
          problems.push({
            field: param,
            message: `${kind} ${name} needs the query parameter ${param} (${describe(spec)})`,
          });
        } else values[param] = value;
      }
      out.push({ name, rule, values });
    }
    return out;
  };
  const filters = apply('filter', config.filters ?? {}, [
    ...(config.defaults?.filters ?? []),
    ...(requested.filter ?? []),
  ]);
  const boosts = apply('boost', config.boosts ?? {}, [
    ...(config.defaults?.boosts ?? []),
    ...(requested.boost ?? []),
  ]);
  let promotion: RequestRules['promotion'];
  if (config.promotion) {
    const [promoted] = apply('filter', config.filters ?? {}, [config.promotion.filter]);
    if (promoted) {
      promotion = {
        rule: { name: promoted.name, match: promoted.rule.match, values: promoted.values },
        within: config.promotion.within,
        slots: config.promotion.slots,
        indexed: isIndexablePromotion(promoted.rule),
      };
    }
  }
  for (const param of Object.keys(ruleParams)) {
    if (used.has(param)) continue;
    const owners = ownersOf(config, param);
    problems.push({
      field: param,
      message: `${param} is a parameter of ${owners.join(', ')}, which the request does not name (e.g. ${owners[0]?.replace(' ', '=')})`,
    });
  }
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    rules: {
      filters: filters.map(({ name, rule, values }) => ({ name, match: rule.match, values })),
      boosts: boosts.map(({ name, rule, values }) => ({
        name,
        match: rule.match,
        values,
        factor: rule.factor,
      })),
      ...(promotion ? { promotion } : {}),
      now,
    },
  };
}

function parseParam(raw: string, spec: ParamSpec): ParamValue | { problem: string } {
  switch (spec.type) {
    case 'number': {
      const value = raw.trim() === '' ? Number.NaN : Number(raw);
      if (!Number.isFinite(value)) return { problem: `expected a number, got '${raw}'` };
      if ((spec.min !== undefined && value < spec.min) || (spec.max !== undefined && value > spec.max)) {
        return { problem: `expected ${describe(spec)}, got ${value}` };
      }
      return value;
    }
    case 'string':
      if (raw === '') return { problem: 'expected a non-empty value' };
      if (spec.values !== undefined && !spec.values.includes(raw)) {
        return { problem: `expected one of ${spec.values.join(', ')}, got '${raw}'` };
      }
      return raw;
    case 'list': {
      const values = raw
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
      if (values.length === 0) return { problem: 'expected a comma-separated list' };
      if (values.length > 100) return { problem: 'at most 100 values' };
      return values;
    }
  }
}

function describe(spec: ParamSpec): string {
  switch (spec.type) {
    case 'number': {
      const bounds = [
        spec.min !== undefined ? `>= ${spec.min}` : undefined,
        spec.max !== undefined ? `<= ${spec.max}` : undefined,
      ].filter((b) => b !== undefined);
      return bounds.length > 0 ? `a number ${bounds.join(' and ')}` : 'a number';
    }
    case 'string':
      return spec.values ? `one of ${spec.values.join(', ')}` : 'a string';
    case 'list':
      return 'a comma-separated list';
  }
}

/** "filter price_under", "boost cheap" for each rule that declares `param`. */
function ownersOf(config: RulesConfig, param: string): string[] {
  const owners: string[] = [];
  for (const [name, rule] of Object.entries(config.filters ?? {})) {
    if (rule.params?.[param]) owners.push(`filter ${name}`);
  }
  for (const [name, rule] of Object.entries(config.boosts ?? {})) {
    if (rule.params?.[param]) owners.push(`boost ${name}`);
  }
  return owners;
}
