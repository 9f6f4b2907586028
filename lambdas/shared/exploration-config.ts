/**
 * The cold-start (exploration) settings' contract, in one place: the construct validates them at synthesis
 * (lib/recommendation-api.ts, prop `exploration`; the stack's `recommendationExploration`, context
 * `recommendationExploration`) and the recommendation Lambda parses them from `RECOMMEND_EXPLORATION` (JSON).
 * What they do: lambdas/recommend/exploration.ts.
 *
 *   {"slots": 1, "maxAgeDays": 30, "weight": 0.05}
 *
 * `slots` is also a request parameter (`?exploration=0` turns new arrivals off for one request).
 */
import { z } from 'zod';

export const EXPLORATION_ENV = 'RECOMMEND_EXPLORATION';
/** Most exploration slots a deployment or a request may ask for (the API's largest page). */
export const MAX_EXPLORATION_SLOTS = 50;

export const ExplorationConfigSchema = z.strictObject({
  slots: z.int().min(0).max(MAX_EXPLORATION_SLOTS).default(1).meta({
    description: 'Places of a page kept for new arrivals when there are such candidates; 0 turns them off.',
  }),
  maxAgeDays: z.number().gt(0).max(3650).default(30).meta({
    description: 'An item is a new arrival while its catalogue createdAt is younger than this, days.',
  }),
  weight: z.number().gt(0).max(1).default(0.05).meta({
    description: 'Score of a brand-new arrival, against 1 for the best collaborative candidate.',
  }),
});
export type ExplorationConfig = z.infer<typeof ExplorationConfigSchema>;
export type ExplorationConfigInput = z.input<typeof ExplorationConfigSchema>;

export const DEFAULT_EXPLORATION_CONFIG: ExplorationConfig = ExplorationConfigSchema.parse({});

/** Validates a settings document (the construct calls it at synthesis); throws naming each problem. */
export function checkExplorationConfig(raw: unknown): ExplorationConfig {
  const parsed = ExplorationConfigSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new Error(`${EXPLORATION_ENV} is invalid: ${issues.join('; ')}`);
}

/** Parses the JSON of `RECOMMEND_EXPLORATION`; absent or empty means the defaults. */
export function parseExplorationConfig(json: string | undefined): ExplorationConfig {
  if (json === undefined || json.trim() === '') return DEFAULT_EXPLORATION_CONFIG;
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    throw new Error(`${EXPLORATION_ENV} is not valid JSON: ${(error as Error).message}`);
  }
  return checkExplorationConfig(raw);
}
