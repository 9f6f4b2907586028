/**
 * `npm run evaluate -- --uci DIR --tune`: chooses the settings on validation splits cut from the training
 * period (protocols.ts `validationSplits`: leaveLastOrderOut once, nextPurchase at rolling origins, each
 * with its own batch models fitted on the events before its cut-off), never on the held-out orders the
 * evaluation reports:
 *
 *   1. the cf job's model (RP3beta α, β, exponent, neighbours): by the model alone (rp3beta), unseen items;
 *      1b. the cf job's EASE head size and λ (RP3beta is the fallback for the other items), by the blend
 *      (tuning-ease-head.ts; alone with `--ease-head`);
 *   2. the baselines' own settings (EASE λ, item-kNN neighbours and shrinkage), each on its own scores,
 *      so no baseline is left weaker than it can be;
 *   3. the blend's weights: first what discover uses (CF sources' half-life, sources, popular; then the
 *      trending weight), on unseen items; then what for-you adds (repurchase, reminders), on all items. From
 *      the trending weight on, the code's current values are scored too and stay unless a grid point beats
 *      them by more than TIE.
 *
 * The objective is the mean of HR@k and NDCG@k over each protocol's validation users, then over the
 * protocols, each weighted alike (tuning-objective.ts). For discover, settings within 0.001 of the best
 * count as tied, and the one reading fewer neighbour lists wins.
 * The chosen values become the code's defaults by hand (docs/recommendations.md records them). Last, the
 * blend at the chosen values and the baselines are scored on the same splits (tuning-baselines.ts).
 */
import { z } from 'zod';
import type { BlendWeights, ScoringOptions } from '../lambdas/recommend/scoring';
import { DEFAULT_WEIGHTS } from '../lambdas/recommend/scoring';
import { BlendWeightsOverrideSchema, mergeWeights } from '../lambdas/recommend/variants';
import { fitEase } from './baselines/ease';
import { fitItemKnn } from './baselines/item-knn';
import { BatchLake, type CfSettings, pairsOf } from './batch-models';
import type { Dataset } from './dataset';
import {
  type EvaluationSettings,
  type FittedSplit,
  fitBaselines,
  fitSplit,
  scoreSplit,
  splitFor,
} from './evaluate';
import { type Protocol, type ProtocolSplit, validationSplits } from './protocols';
import { methodsOnValidation, type ValidationTable } from './tuning-baselines';
import { tuneEaseHead } from './tuning-ease-head';
import {
  bestUnlessIncumbentTies,
  objective,
  objectiveBoth,
  ProtocolMetrics,
  type Score,
  TIE,
  type TuningTrial,
} from './tuning-objective';

export type { TuningTrial } from './tuning-objective';

export interface TuningResult {
  readonly dataset: string;
  readonly protocols: readonly Protocol[];
  /** Per protocol: its validation orders, and per split (nextPurchase: per origin) its cut-off and sizes. */
  readonly validation: Readonly<Record<string, ValidationSummary>>;
  readonly trials: readonly TuningTrial[];
  readonly chosen: {
    readonly cf: CfSettings;
    readonly ease: EvaluationSettings['ease'];
    readonly itemKnn: EvaluationSettings['itemKnn'];
    readonly blend: { readonly maxSources: number; readonly weights: BlendWeights };
  };
  /** The blend at the chosen settings and the baselines on the validation splits (absent: --ease-head). */
  readonly onValidation?: ValidationTable;
}

/** What `--blend-from` reads of a tuning record: its chosen blend (the weights as a variant would override them). */
const ChosenBlendSchema = z.object({
  chosen: z.object({
    blend: z.object({ maxSources: z.int().min(1).max(1000), weights: BlendWeightsOverrideSchema }),
  }),
});

/**
 * The blend settings a tuning run chose (`TuningResult.chosen.blend`), to evaluate with them instead of the
 * API's defaults, e.g. the weights tuned before an earlier `--cutoff`.
 */
export function chosenBlend(record: unknown, source: string): Partial<ScoringOptions> {
  const parsed = ChosenBlendSchema.safeParse(record);
  if (!parsed.success)
    throw new Error(
      `${source}: not a tuning record: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  const { maxSources, weights } = parsed.data.chosen.blend;
  return { maxSources, weights: mergeWeights(weights) };
}

export interface ValidationSummary {
  readonly cases: number;
  readonly splits: ReadonlyArray<{
    readonly cutoff?: string;
    readonly cases: number;
    readonly batchEvents: number;
  }>;
}

const CF_GRID: ReadonlyArray<Partial<CfSettings>> = [
  { alpha: 0.5, beta: 0.4, neighbourExponent: 2 },
  { alpha: 0.5, beta: 0.5, neighbourExponent: 2 },
  { alpha: 0.5, beta: 0.3, neighbourExponent: 2 },
  { alpha: 0.75, beta: 0.4, neighbourExponent: 2 },
  { alpha: 0.5, beta: 0.4, neighbourExponent: 1 },
  { alpha: 0.5, beta: 0.4, neighbourExponent: 3 },
  { alpha: 0.5, beta: 0.4, neighbourExponent: 2, topK: 100 },
  { alpha: 0.5, beta: 0.4, neighbourExponent: 2, shrinkage: 0 },
  { alpha: 0.5, beta: 0.4, neighbourExponent: 2, maxItemsPerUser: 100 },
];
const EASE_LAMBDAS = [100, 300, 1000];
const KNN_GRID = [
  { neighbours: 50, shrinkage: 10 },
  { neighbours: 100, shrinkage: 10 },
  { neighbours: 200, shrinkage: 10 },
  { neighbours: 100, shrinkage: 0 },
  { neighbours: 100, shrinkage: 50 },
];
const DISCOVER_GRID = {
  purchaseHalfLifeDays: [15, 30, 60, 120, 365],
  maxSources: [50, 100, 200],
  popular: [0, 0.1],
};
// Then the trending lists' weight, on top of the discover grid's choice (trending counts in both placements).
const TRENDING_GRID = [0, 0.25, 0.5, 1, 2];
const FOR_YOU_GRID = {
  repurchase: [1, 2, 4, 8],
  repurchaseCountExponent: [0.5, 1],
  repurchaseHalfLifeIntervals: [2, 8, 1000],
  // No effect on purchase-only data (the UCI data: its trials tie exactly); kept so a dataset with browsing tunes it.
  reminders: [1, 2],
};

export interface TuneOptions {
  /** Only stage 3 (the blend's weights), with the models' settings as given. */
  readonly blendOnly?: boolean;
  /** Only stage 1b (the cf job's EASE head size and λ, tuning-ease-head.ts), the rest as given. */
  readonly easeHeadOnly?: boolean;
}

export async function tune(
  dataset: Dataset,
  protocols: readonly Protocol[],
  base: EvaluationSettings,
  log: (message: string) => void,
  options: TuneOptions = {},
): Promise<TuningResult> {
  const trials: TuningTrial[] = [];
  const splits = protocols.flatMap((p) => validationSplits(splitFor(p, dataset, base.cutoff)));
  const validation = validationSummary(protocols, splits);
  for (const s of splits)
    log(`validation ${splitName(s)}: ${s.cases.length} held-out orders, ${s.batch.length} training events`);

  let settings = base;
  let fitted: FittedSplit[];
  if (options.blendOnly || options.easeHeadOnly) {
    // The models' settings as given (the code's defaults, chosen by an earlier full run): fit once per split.
    fitted = [];
    // Only the blend is scored here: no baseline models (EASE alone holds 32 MB per split, 13 splits on UCI).
    for (const split of splits)
      fitted.push(
        await fitSplit(split, settings, (m) => log(`validation ${splitName(split)}: ${m}`), ['blend']),
      );
    if (options.easeHeadOnly) {
      const head = await tuneEaseHead(fitted, settings, trials, log);
      const { maxSources = 50, weights = DEFAULT_WEIGHTS } = settings.blend;
      const chosen = { cf: head.settings.cf, ease: settings.ease, itemKnn: settings.itemKnn };
      return {
        dataset: dataset.source,
        protocols,
        validation,
        trials,
        chosen: { ...chosen, blend: { maxSources, weights } },
      };
    }
  } else {
    const models = await tuneModels(splits, base, trials, log);
    settings = models.settings;
    fitted = models.fitted;
  }
  const refitted = fitted;

  // 3. The blend: discover's weights on unseen items, then for-you's on all items.
  let weights: BlendWeights = { ...DEFAULT_WEIGHTS, ...settings.blend.weights };
  let maxSources = settings.blend.maxSources ?? 50;
  const blendSettings = (w: BlendWeights, sources: number): EvaluationSettings => ({
    ...settings,
    blend: { ...settings.blend, weights: w, maxSources: sources } satisfies Partial<ScoringOptions>,
  });
  const discover: Array<{ objective: number; weights: BlendWeights; maxSources: number }> = [];
  for (const purchaseHalfLifeDays of DISCOVER_GRID.purchaseHalfLifeDays)
    for (const sources of DISCOVER_GRID.maxSources)
      for (const popular of DISCOVER_GRID.popular) {
        const w = { ...weights, purchaseHalfLifeDays, popular };
        const score = objective(refitted, blendSettings(w, sources), 'blend', 'unseenItems');
        const values = { purchaseHalfLifeDays, maxSources: sources, popular };
        trials.push({ stage: 'discover', values, ...score });
        log(`discover ${JSON.stringify(values)}: ${score.objective.toFixed(4)}`);
        discover.push({ objective: score.objective, weights: w, maxSources: sources });
      }
  // Within TIE of the best, fewer sources win: each is a neighbour list read and scored per request.
  const top = Math.max(...discover.map((d) => d.objective));
  const chosenDiscover = discover
    .filter((d) => d.objective >= top - TIE)
    .sort((a, b) => a.maxSources - b.maxSources || b.objective - a.objective)[0] as (typeof discover)[number];
  weights = chosenDiscover.weights;
  maxSources = chosenDiscover.maxSources;
  const discoverScore = (w: BlendWeights) =>
    objective(refitted, blendSettings(w, maxSources), 'blend', 'unseenItems');
  weights = tuneTrending(weights, discoverScore, trials, log);
  // The code's current values are one more trial: within TIE of the best they stay (tuning-objective.ts).
  const forYou = (values: Partial<BlendWeights>, stage: string) => {
    const w = { ...weights, ...values };
    const score = objective(refitted, blendSettings(w, maxSources), 'blend', 'allItems');
    trials.push({ stage, values, ...score });
    log(`${stage} ${JSON.stringify(values)}: ${score.objective.toFixed(4)}`);
    return { objective: score.objective, choice: w };
  };
  const { repurchase, repurchaseCountExponent, repurchaseHalfLifeIntervals, reminders } = weights;
  const incumbent = forYou(
    { repurchase, repurchaseCountExponent, repurchaseHalfLifeIntervals, reminders },
    'for-you (current)',
  );
  const rated: Array<{ objective: number; choice: BlendWeights }> = [];
  for (const repurchase of FOR_YOU_GRID.repurchase)
    for (const repurchaseCountExponent of FOR_YOU_GRID.repurchaseCountExponent)
      for (const repurchaseHalfLifeIntervals of FOR_YOU_GRID.repurchaseHalfLifeIntervals)
        for (const reminders of FOR_YOU_GRID.reminders)
          rated.push(
            forYou(
              { repurchase, repurchaseCountExponent, repurchaseHalfLifeIntervals, reminders },
              'for-you',
            ),
          );
  const bestForYou = { weights: bestUnlessIncumbentTies(incumbent, rated) };
  const onValidation = methodsOnValidation(refitted, blendSettings(bestForYou.weights, maxSources), log);
  return {
    dataset: dataset.source,
    protocols,
    validation,
    trials,
    chosen: {
      cf: settings.cf,
      ease: settings.ease,
      itemKnn: settings.itemKnn,
      blend: { maxSources, weights: bestForYou.weights },
    },
    onValidation,
  };
}

/**
 * Discover's trending weight (trending lists of the user's categories against the CF neighbours), on unseen
 * items: the current value stays unless another beats it by more than TIE.
 */
export function tuneTrending(
  weights: BlendWeights,
  score: (w: BlendWeights) => Score,
  trials: TuningTrial[],
  log: (message: string) => void,
): BlendWeights {
  const rate = (trending: number, stage: string) => {
    const w = { ...weights, trending };
    const s = score(w);
    trials.push({ stage, values: { trending }, ...s });
    log(`${stage} trending ${trending}: ${s.objective.toFixed(4)}`);
    return { objective: s.objective, choice: w };
  };
  const incumbent = rate(weights.trending, 'discover trending (current)');
  const rated = TRENDING_GRID.filter((t) => t !== weights.trending).map((t) => rate(t, 'discover trending'));
  return bestUnlessIncumbentTies(incumbent, rated);
}

function splitName(split: ProtocolSplit): string {
  return split.cutoff ? `${split.protocol} cut-off ${split.cutoff}` : split.protocol;
}

export function validationSummary(
  protocols: readonly Protocol[],
  splits: readonly ProtocolSplit[],
): Record<string, ValidationSummary> {
  return Object.fromEntries(
    protocols.map((protocol) => {
      const own = splits.filter((s) => s.protocol === protocol);
      const summary: ValidationSummary = {
        cases: own.reduce((n, s) => n + s.cases.length, 0),
        splits: own.map((s) => ({
          ...(s.cutoff ? { cutoff: s.cutoff } : {}),
          cases: s.cases.length,
          batchEvents: s.batch.length,
        })),
      };
      return [protocol, summary];
    }),
  );
}

/** Stages 1 and 2: the cf job's RP3beta settings and the baselines' own settings. */
async function tuneModels(
  splits: readonly ProtocolSplit[],
  base: EvaluationSettings,
  trials: TuningTrial[],
  log: (message: string) => void,
): Promise<{ settings: EvaluationSettings; fitted: FittedSplit[] }> {
  // 1. The cf job's model: one lake per split, the cf SQL once per setting; baselines fitted once.
  let settings = base;
  const fitted: FittedSplit[] = [];
  const perSetting = CF_GRID.map(() => new ProtocolMetrics());
  for (const split of splits) {
    const lake = await BatchLake.open(split.batch, log);
    try {
      const trending = await lake.trending(split.cases.map((c) => split.trendingAsOf(c)));
      let first: FittedSplit | undefined;
      for (const [n, change] of CF_GRID.entries()) {
        // RP3beta's settings, on its own lists (the `rp3beta` baseline).
        const rp3beta = await lake.cf({ ...base.cf, ...change, model: 'rp3beta' }, split.batchAsOf);
        const batch = { neighbours: rp3beta, rp3beta, trending, pairs: pairsOf(rp3beta) };
        first = first ? { ...first, batch } : fitBaselines(split, batch, settings, log);
        if (n === 0) fitted.push(first);
        perSetting[n]?.add(split.protocol, scoreSplit(first, settings, ['rp3beta']).unseenItems.rp3beta);
      }
    } finally {
      await lake.close();
    }
  }
  let bestCf = { objective: -1, index: 0 };
  CF_GRID.forEach((change, n) => {
    const score = (perSetting[n] as ProtocolMetrics).score();
    trials.push({ stage: 'cf', values: change, ...score });
    log(`cf ${JSON.stringify(change)}: ${score.objective.toFixed(4)}`);
    if (score.objective > bestCf.objective) bestCf = { objective: score.objective, index: n };
  });
  settings = { ...settings, cf: { ...base.cf, ...CF_GRID[bestCf.index] } };
  // The blend and the rp3beta baseline use the chosen model: recompute it for every split.
  for (const [i, f] of fitted.entries()) {
    const lake = await BatchLake.open(f.split.batch, log);
    try {
      const neighbours = await lake.cf(settings.cf, f.split.batchAsOf);
      const rp3beta =
        settings.cf.model === 'rp3beta'
          ? neighbours
          : await lake.cf({ ...settings.cf, model: 'rp3beta' }, f.split.batchAsOf);
      fitted[i] = { ...f, batch: { ...f.batch, neighbours, rp3beta, pairs: pairsOf(neighbours) } };
    } finally {
      await lake.close();
    }
  }

  // 1b. The cf job's EASE head size and λ (with the RP3beta fallback just chosen), by the blend.
  if (settings.cf.model === 'ease') {
    const head = await tuneEaseHead(fitted, settings, trials, log);
    settings = head.settings;
    fitted.splice(0, fitted.length, ...head.fitted);
  }

  // 2. Baselines, each on its own scores (both scorings).
  let bestEase = { objective: -1, lambda: base.ease.lambda };
  for (const lambda of EASE_LAMBDAS) {
    const ease = { ...settings.ease, lambda };
    const refitted = fitted.map((f) => ({ ...f, ease: fitEase(f.matrix, ease) }));
    const score = objectiveBoth(refitted, { ...settings, ease }, 'ease');
    trials.push({ stage: 'ease', values: ease, ...score });
    log(`EASE λ ${lambda}: ${score.objective.toFixed(4)}`);
    if (score.objective > bestEase.objective) bestEase = { objective: score.objective, lambda };
  }
  settings = { ...settings, ease: { ...settings.ease, lambda: bestEase.lambda } };
  let bestKnn = { objective: -1, knn: settings.itemKnn };
  for (const knn of KNN_GRID) {
    const refitted = fitted.map((f) => ({ ...f, itemKnn: fitItemKnn(f.matrix, knn) }));
    const score = objectiveBoth(refitted, { ...settings, itemKnn: knn }, 'itemKnn');
    trials.push({ stage: 'itemKnn', values: knn, ...score });
    log(`item-kNN ${JSON.stringify(knn)}: ${score.objective.toFixed(4)}`);
    if (score.objective > bestKnn.objective) bestKnn = { objective: score.objective, knn };
  }
  settings = { ...settings, itemKnn: bestKnn.knn };
  const refitted = fitted.map((f) => ({
    ...f,
    ease: fitEase(f.matrix, settings.ease),
    itemKnn: fitItemKnn(f.matrix, settings.itemKnn),
  }));
  return { settings, fitted: refitted };
}
