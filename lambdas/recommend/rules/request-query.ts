/**
 * A route's query with the rules in it: the rules' declared parameters are taken out, the rest is parsed
 * by the route's strict schema (so an unknown parameter is still a 400), then the named filters and boosts
 * are resolved with their parameters. One error shape for both steps (api-schemas.ts ErrorResponse).
 */
import type { z } from 'zod';
import type { RulesConfig } from '../../shared/recommend-rules';
import { type ParseResult, parseParameters } from '../api-schemas';
import { type RequestRules, resolveRequestRules, splitRuleParameters } from './request-rules';

export function parseQueryWithRules<S extends z.ZodType<{ filter?: string[]; boost?: string[] }>>(
  schema: S,
  query: Record<string, string | undefined> | null | undefined,
  config: RulesConfig,
  now: number,
): ParseResult<{ query: z.infer<S>; rules: RequestRules }> {
  const { ruleParams, rest } = splitRuleParameters(config, query);
  const parsed = parseParameters(schema, rest, 'query');
  if (!parsed.ok) return parsed;
  const resolved = resolveRequestRules(config, parsed.value, ruleParams, now);
  if (resolved.ok) return { ok: true, value: { query: parsed.value, rules: resolved.rules } };
  return {
    ok: false,
    error: {
      message: resolved.problems.map((p) => p.message).join('; '),
      code: 'invalid_query_parameters',
      errors: [...resolved.problems],
    },
  };
}
