/**
 * One evaluation of any event data, through the shipped code paths:
 *
 *   1. the protocol splits the events (protocols.ts): what the batch jobs see, the held-out orders;
 *   2. the batch jobs' SQL runs on the training events with DuckDB (batch-models.ts);
 *   3. each held-out user's profile is folded by the consumer's code (profiles.ts);
 *   4. the API's scoring (lambdas/recommend/scoring.ts) ranks `k` items at its defaults: placement
 *      for-you under allItems, discover under unseenItems; next to the baselines (baselines/), each a plain
 *      function of the same training data and the same history;
 *   5. HR, recall and NDCG at k per user, their means, and the blend's paired-bootstrap intervals.
 *
 * Scorings: `allItems` (every item of the held-out order is relevant, repurchases count) and `unseenItems`
 * (only the items the user never interacted with are relevant, and those interacted items are left out of
 * every method's list; users without such an item are not scored).
 */

import { DEFAULT_CF_SETTINGS } from '../lambdas/jobs/job-sql';
import { type Recommendation, recommend, type ScoringOptions } from '../lambdas/recommend/scoring';
import type { Profile } from '../lambdas/shared/profile-record';
import { DEFAULT_EASE, type EaseModel, type EaseSettings, easeList, fitEase } from './baselines/ease';
import {
  DEFAULT_ITEM_KNN,
  fitItemKnn,
  type ItemKnnModel,
  type ItemKnnSettings,
  itemKnnList,
} from './baselines/item-knn';
import { neighbourSumList } from './baselines/neighbour-sum';
import type { ListRequest } from './baselines/ranking';
import { buyAgainList, popularityList, recentlyViewedList } from './baselines/simple';
import { type BatchModels, type CfSettings, runBatchJobs } from './batch-models';
import type { Dataset } from './dataset';
import { historyOf, type InteractionMatrix, interactionMatrix } from './interactions';
import {
  type DifferenceInterval,
  meanMetrics,
  pairedBootstrap,
  type RankingMetrics,
  rankingMetrics,
} from './metrics';
import { profileBefore } from './profiles';
import {
  type HeldOutCase,
  leaveLastOrderOut,
  nextPurchase,
  type Protocol,
  type ProtocolSplit,
} from './protocols';

export const SCORINGS = ['allItems', 'unseenItems'] as const;
export type Scoring = (typeof SCORINGS)[number];
export const METHODS = [
  'blend',
  'popularity',
  'itemKnn',
  'ease',
  'rp3beta',
  'buyAgain',
  'recentlyViewed',
] as const;
export type Method = (typeof METHODS)[number];
export type Baseline = Exclude<Method, 'blend'>;
export const BASELINES = METHODS.filter((m): m is Baseline => m !== 'blend');

export interface EvaluationSettings {
  readonly k: number;
  /** Scoring options of the blend on top of the API defaults (empty: the API's defaults). */
  readonly blend: Partial<ScoringOptions>;
  readonly cf: CfSettings;
  readonly ease: EaseSettings;
  readonly itemKnn: ItemKnnSettings;
  /** nextPurchase cut-off (default: 2 days before the last event). */
  readonly cutoff?: string;
  readonly bootstrapIterations: number;
}

export const DEFAULT_SETTINGS: EvaluationSettings = {
  k: 10,
  blend: {},
  cf: DEFAULT_CF_SETTINGS,
  ease: DEFAULT_EASE,
  itemKnn: DEFAULT_ITEM_KNN,
  bootstrapIterations: 2000,
};

export type MethodMetrics = RankingMetrics & { readonly users: number };

export interface ProtocolSummary {
  readonly cases: number;
  readonly batchEvents: number;
  readonly batchAsOf: string;
  readonly cutoff?: string;
  readonly neighbourPairs: number;
  readonly itemsWithNeighbours: number;
  readonly trendingRuns: number;
}

export interface EvaluationResult {
  readonly dataset: string;
  readonly attribution?: string;
  readonly k: number;
  readonly data: Dataset['report'];
  readonly protocols: Partial<Record<Protocol, ProtocolSummary>>;
  readonly settings: EvaluationSettings;
  readonly results: Partial<Record<Protocol, Record<Scoring, Record<Method, MethodMetrics>>>>;
  /** Blend minus each baseline, mean per user with the 95% paired-bootstrap interval. */
  readonly blendVersus: Partial<
    Record<
      Protocol,
      Record<Scoring, Record<Baseline, { hitRate: DifferenceInterval; ndcg: DifferenceInterval }>>
    >
  >;
  readonly seconds: number;
}

/** What a split needs fitted once, whatever blend weights are scored on it. */
export interface FittedSplit {
  readonly split: ProtocolSplit;
  readonly batch: BatchModels;
  readonly matrix: InteractionMatrix;
  /** Absent when the split was fitted for methods without it (tuning the blend alone). */
  readonly itemKnn?: ItemKnnModel;
  readonly ease?: EaseModel;
  /** Per case: profile and item history, built once. */
  readonly users: ReadonlyArray<{
    readonly profile: Profile;
    readonly history: ReturnType<typeof historyOf>;
  }>;
}

/** Fits what `methods` need (default: every method): the batch jobs, the baselines' models, the profiles. */
export async function fitSplit(
  split: ProtocolSplit,
  settings: EvaluationSettings,
  log: (message: string) => void,
  methods: readonly Method[] = METHODS,
): Promise<FittedSplit> {
  const batch = await batchJobsFor(split, settings, log, methods);
  return fitBaselines(split, batch, settings, log, methods);
}

/** The batch jobs (cf, trending) of a split on DuckDB, with RP3beta's lists when `methods` has the baseline. */
export function batchJobsFor(
  split: ProtocolSplit,
  settings: EvaluationSettings,
  log: (message: string) => void,
  methods: readonly Method[] = METHODS,
): Promise<BatchModels> {
  return runBatchJobs(split.batch, {
    asOf: split.batchAsOf,
    trendingAsOf: split.cases.map((c) => split.trendingAsOf(c)),
    cf: settings.cf,
    rp3beta: methods.includes('rp3beta'),
    log,
  });
}

/** The baselines' models `methods` need and the held-out users' profiles, next to batch models already computed. */
export function fitBaselines(
  split: ProtocolSplit,
  batch: BatchModels,
  settings: EvaluationSettings,
  log: (message: string) => void,
  methods: readonly Method[] = METHODS,
): FittedSplit {
  let started = Date.now();
  const matrix = interactionMatrix(split.batch);
  let itemKnn: ItemKnnModel | undefined;
  if (methods.includes('itemKnn')) {
    itemKnn = fitItemKnn(matrix, settings.itemKnn);
    log(`item-kNN: ${matrix.popular.length} items in ${since(started)}`);
  }
  let ease: EaseModel | undefined;
  if (methods.includes('ease')) {
    started = Date.now();
    ease = fitEase(matrix, settings.ease);
    log(`EASE: ${ease.index.items.length} items, λ ${settings.ease.lambda} in ${since(started)}`);
  }
  const users = split.cases.map((c) => ({ profile: profileBefore(c), history: historyOf(c.history) }));
  return { split, batch, matrix, users, ...(itemKnn ? { itemKnn } : {}), ...(ease ? { ease } : {}) };
}

/** Per scoring and method, each scored user's metrics (same user order for every method). */
export type PerUser = Record<Scoring, Record<Method, RankingMetrics[]>>;

export function scoreSplit(
  fitted: FittedSplit,
  settings: EvaluationSettings,
  methods: readonly Method[] = METHODS,
  log: (message: string) => void = () => undefined,
): PerUser {
  const perUser = emptyPerUser(METHODS);
  const { split } = fitted;
  const every = Math.max(1, Math.ceil(split.cases.length / 5));
  split.cases.forEach((c, n) => {
    const { profile, history } = fitted.users[n] as FittedSplit['users'][number];
    for (const scoring of SCORINGS) {
      const relevant =
        scoring === 'allItems' ? c.items : new Set([...c.items].filter((i) => !c.interacted.has(i)));
      if (relevant.size === 0) continue;
      const request: ListRequest = {
        k: settings.k,
        exclude: scoring === 'allItems' ? new Set() : c.interacted,
        popular: fitted.matrix.popular,
      };
      for (const method of methods) {
        const list = listFor(method, fitted, c, profile, history, scoring, request, settings);
        perUser[scoring][method].push(rankingMetrics(list, relevant, settings.k));
      }
    }
    if ((n + 1) % every === 0) log(`scored ${n + 1} of ${split.cases.length} held-out orders`);
  });
  return perUser;
}

function listFor(
  method: Method,
  fitted: FittedSplit,
  c: HeldOutCase,
  profile: Profile,
  history: ReturnType<typeof historyOf>,
  scoring: Scoring,
  request: ListRequest,
  settings: EvaluationSettings,
): string[] {
  switch (method) {
    case 'blend':
      return blendList(fitted, c, profile, scoring, request, settings).map((r) => r.itemId);
    case 'popularity':
      return popularityList(request);
    case 'itemKnn':
      return itemKnnList(fittedFor(method, fitted.itemKnn), history, request);
    case 'ease':
      return easeList(fittedFor(method, fitted.ease), history, request);
    case 'rp3beta':
      return neighbourSumList(fittedFor(method, fitted.batch.rp3beta), history, request);
    case 'buyAgain':
      return buyAgainList(history, request);
    case 'recentlyViewed':
      return recentlyViewedList(history, request);
  }
}

function fittedFor<T>(method: Method, model: T | undefined): T {
  if (model === undefined)
    throw new Error(`${method}: its model was not fitted for this split (fitSplit's methods)`);
  return model;
}

/** The API's scoring at its defaults (plus `settings.blend`), as of one second before the held-out order. */
export function blendList(
  fitted: FittedSplit,
  c: HeldOutCase,
  profile: Profile,
  scoring: Scoring,
  request: ListRequest,
  settings: EvaluationSettings,
): Recommendation[] {
  const trending = fitted.batch.trending.get(fitted.split.trendingAsOf(c)) ?? {
    global: [],
    byCategory: new Map(),
  };
  return recommend({
    profile,
    neighbours: fitted.batch.neighbours,
    trending,
    now: Date.parse(c.at) - 1000,
    options: {
      ...settings.blend,
      placement: scoring === 'allItems' ? 'for-you' : 'discover',
      limit: request.k,
      // The scoring's own rule, applied to every method alike.
      excludeItems: request.exclude,
    },
  });
}

export async function evaluateDataset(
  dataset: Dataset,
  protocols: readonly Protocol[],
  settings: EvaluationSettings = DEFAULT_SETTINGS,
  log: (message: string) => void = () => undefined,
): Promise<EvaluationResult> {
  const started = Date.now();
  const summaries: EvaluationResult['protocols'] = {};
  const results: EvaluationResult['results'] = {};
  const blendVersus: EvaluationResult['blendVersus'] = {};
  const splits = protocols.map((protocol) => {
    const split = splitFor(protocol, dataset, settings.cutoff);
    log(
      `${protocol}: ${split.cases.length} held-out orders, ${split.batch.length} training events${split.cutoff ? `, cut-off ${split.cutoff}` : ''}`,
    );
    if (split.cases.length === 0) throw new Error(`${protocol}: no held-out order: nothing to evaluate`);
    return split;
  });
  // Every protocol's batch jobs first: DuckDB runs in this process and its memory peaks in the cf SQL, so
  // it runs while the JavaScript heap holds little more than the events (the baselines' models and the
  // scoring come after, with DuckDB closed).
  const batches: Array<BatchModels | undefined> = [];
  for (const split of splits)
    batches.push(await batchJobsFor(split, settings, (m) => log(`${split.protocol}: ${m}`)));
  for (const [n, split] of splits.entries()) {
    const batch = batches[n] as BatchModels;
    batches[n] = undefined; // garbage once its protocol is scored
    const one = evaluateProtocol(split, batch, settings, (m) => log(`${split.protocol}: ${m}`));
    results[split.protocol] = one.results;
    blendVersus[split.protocol] = one.blendVersus;
    summaries[split.protocol] = one.summary;
    log(`${split.protocol}: done (${since(started)} since the start)`);
  }
  return {
    dataset: dataset.source,
    ...(dataset.attribution ? { attribution: dataset.attribution } : {}),
    k: settings.k,
    data: dataset.report,
    protocols: summaries,
    settings,
    results,
    blendVersus,
    seconds: Math.round((Date.now() - started) / 100) / 10,
  };
}

/**
 * One protocol's baselines and scoring, in a function of its own so that its models are garbage once it
 * returns: the next protocol's models do not share the memory with them.
 */
function evaluateProtocol(
  split: ProtocolSplit,
  batch: BatchModels,
  settings: EvaluationSettings,
  log: (message: string) => void,
): {
  summary: ProtocolSummary;
  results: Record<Scoring, Record<Method, MethodMetrics>>;
  blendVersus: ReturnType<typeof compare>;
} {
  const fitted = fitBaselines(split, batch, settings, log);
  const perUser = scoreSplit(fitted, settings, METHODS, log);
  return {
    results: summarise(perUser, METHODS),
    blendVersus: compare(perUser, settings.bootstrapIterations),
    summary: {
      cases: split.cases.length,
      batchEvents: split.batch.length,
      batchAsOf: split.batchAsOf,
      ...(split.cutoff ? { cutoff: split.cutoff } : {}),
      neighbourPairs: batch.pairs,
      itemsWithNeighbours: batch.neighbours.size,
      trendingRuns: batch.trending.size,
    },
  };
}

export function splitFor(protocol: Protocol, dataset: Dataset, cutoff?: string): ProtocolSplit {
  return protocol === 'leaveLastOrderOut'
    ? leaveLastOrderOut(dataset.events)
    : nextPurchase(dataset.events, cutoff);
}

/** Each scoring's and method's mean over its users (`methods`: those `perUser` holds). */
export function summarise<M extends Method>(
  perUser: Record<Scoring, Record<M, readonly RankingMetrics[]>>,
  methods: readonly M[],
): Record<Scoring, Record<M, MethodMetrics>> {
  const out = {} as Record<Scoring, Record<M, MethodMetrics>>;
  for (const scoring of SCORINGS) {
    out[scoring] = {} as Record<M, MethodMetrics>;
    for (const method of methods) out[scoring][method] = meanMetrics(perUser[scoring][method]);
  }
  return out;
}

function compare(
  perUser: PerUser,
  iterations: number,
): Record<Scoring, Record<Baseline, { hitRate: DifferenceInterval; ndcg: DifferenceInterval }>> {
  const out = {} as Record<
    Scoring,
    Record<Baseline, { hitRate: DifferenceInterval; ndcg: DifferenceInterval }>
  >;
  for (const scoring of SCORINGS) {
    out[scoring] = {} as Record<Baseline, { hitRate: DifferenceInterval; ndcg: DifferenceInterval }>;
    const blend = perUser[scoring].blend;
    if (blend.length === 0) continue;
    for (const baseline of BASELINES) {
      const other = perUser[scoring][baseline];
      const versus = (metric: 'hitRate' | 'ndcg') =>
        pairedBootstrap(
          blend.map((m) => m[metric]),
          other.map((m) => m[metric]),
          iterations,
        );
      out[scoring][baseline] = { hitRate: versus('hitRate'), ndcg: versus('ndcg') };
    }
  }
  return out;
}

/** An empty list per scoring and method. */
export function emptyPerUser<M extends Method>(
  methods: readonly M[],
): Record<Scoring, Record<M, RankingMetrics[]>> {
  const perUser = {} as Record<Scoring, Record<M, RankingMetrics[]>>;
  for (const scoring of SCORINGS) {
    perUser[scoring] = {} as Record<M, RankingMetrics[]>;
    for (const method of methods) perUser[scoring][method] = [];
  }
  return perUser;
}

function since(started: number): string {
  return `${((Date.now() - started) / 1000).toFixed(1)} s`;
}
