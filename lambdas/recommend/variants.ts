/**
 * A/B variants of the blend, configured without code changes: a JSON document in the function's
 * environment (`RECOMMEND_VARIANTS`, set from the construct's `variants` prop), for example
 *
 *   {"experiment":"blend-2026-11","variants":[
 *     {"name":"control","share":0.5},
 *     {"name":"recent-heavy","share":0.5,"weights":{"recencyHalfLifeHours":6,"purchaseHistory":0.5}}]}
 *
 * A user's variant is a stable hash of experiment name and user id mapped onto the cumulative shares:
 * the same user gets the same variant on every request and every container, and renaming the
 * experiment reshuffles everyone (a new experiment should not inherit the old split).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { type BlendWeights, DEFAULT_WEIGHTS } from './scoring';

const NonNegative = z.number().min(0).max(1000);
const Positive = z.number().gt(0).max(100_000);

export const BlendWeightsOverrideSchema = z
  .object({
    events: z
      .object({
        product_view: NonNegative,
        recommendation_click: NonNegative,
        add_to_cart: NonNegative,
        remove_from_cart: NonNegative,
        purchase: NonNegative,
      })
      .partial()
      .strict(),
    recencyHalfLifeHours: Positive,
    purchaseHistory: NonNegative,
    purchaseHalfLifeDays: Positive,
    cf: NonNegative,
    repurchase: NonNegative,
    repurchaseCountExponent: z.number().min(0).max(4),
    repurchaseHalfLifeIntervals: Positive,
    reminders: NonNegative,
    reminderHalfLifeHours: Positive,
    trending: NonNegative,
    popular: NonNegative,
    topCategories: z.int().min(0).max(20),
    affinityHalfLifeDays: Positive,
  })
  .partial()
  .strict();

export const VariantSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, {
      error: 'variant name: 1-64 letters, digits, _ . - (it becomes a metric dimension)',
    }),
    share: z.number().gt(0).max(1),
    weights: BlendWeightsOverrideSchema.optional(),
  })
  .strict();

export const VariantsConfigSchema = z
  .object({
    experiment: z.string().min(1).max(64),
    variants: z.array(VariantSchema).min(1).max(10),
  })
  .strict()
  .superRefine((config, ctx) => {
    const total = config.variants.reduce((sum, v) => sum + v.share, 0);
    if (Math.abs(total - 1) > 1e-6) {
      ctx.addIssue({ code: 'custom', path: ['variants'], message: `shares must add up to 1, got ${total}` });
    }
    const names = config.variants.map((v) => v.name);
    const duplicate = names.find((n, i) => names.indexOf(n) !== i);
    if (duplicate !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['variants'], message: `duplicate variant name '${duplicate}'` });
    }
  });

export type VariantsConfig = z.infer<typeof VariantsConfigSchema>;

export interface ResolvedVariant {
  readonly name: string;
  readonly weights: BlendWeights;
}

/** One variant with the default blend: what runs when nothing is configured. */
export const DEFAULT_VARIANTS: VariantsConfig = {
  experiment: 'default',
  variants: [{ name: 'control', share: 1 }],
};

/** Parses the JSON of `RECOMMEND_VARIANTS`; absent or empty means DEFAULT_VARIANTS. Throws with the reason. */
export function parseVariantsConfig(json: string | undefined): VariantsConfig {
  if (json === undefined || json.trim() === '') return DEFAULT_VARIANTS;
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    throw new Error(`RECOMMEND_VARIANTS is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = VariantsConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`RECOMMEND_VARIANTS is invalid: ${issues.join('; ')}`);
  }
  return parsed.data;
}

/** A uniform number in [0, 1) from experiment and user id (48 bits of SHA-256). */
export function bucketOf(experiment: string, userId: string): number {
  const digest = createHash('sha256').update(`${experiment}\u0000${userId}`).digest();
  return digest.readUIntBE(0, 6) / 2 ** 48;
}

export function assignVariant(config: VariantsConfig, userId: string): ResolvedVariant {
  const point = bucketOf(config.experiment, userId);
  let cumulative = 0;
  let chosen = config.variants[config.variants.length - 1];
  for (const variant of config.variants) {
    cumulative += variant.share;
    if (point < cumulative) {
      chosen = variant;
      break;
    }
  }
  if (!chosen) throw new Error('variants config has no variant');
  return { name: chosen.name, weights: mergeWeights(chosen.weights) };
}

export function mergeWeights(override: z.infer<typeof BlendWeightsOverrideSchema> | undefined): BlendWeights {
  if (!override) return DEFAULT_WEIGHTS;
  return {
    ...DEFAULT_WEIGHTS,
    ...override,
    events: { ...DEFAULT_WEIGHTS.events, ...override.events },
  };
}
