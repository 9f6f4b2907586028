/**
 * Offline evaluation on real purchase data, through the shipped code paths:
 *
 *   1. the UCI importer cleans the CSVs (local/uci-retail.ts);
 *   2. every customer with two or more orders has their last order held out (holdout.ts);
 *   3. the training events go into a lake folder as Parquet in the delivery stream's layout, and the
 *      collaborative-filtering and trending SQL of the batch jobs (sql/jobs) runs on it with DuckDB —
 *      trending as of the start of the day of each held-out order, as the 15-minute schedule would have published it;
 *   4. the profiles are built by the stream consumer's own domain code (FeatureUpdater, via the backfill);
 *   5. the API's scoring function recommends 10 items per customer, just before the held-out order,
 *      next to two baselines (global popularity, pure item-kNN on the same neighbour lists);
 *   6. HR@10, Recall@10 and NDCG@10 under two protocols: all held-out items (re-purchases count), and only
 *      items the customer had not bought before (bought items are excluded from every list).
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { updaterOptionsFromEnv } from '../lambdas/consumer/consumer-config';
import type { Profile } from '../lambdas/consumer/profile';
import {
  cfQuerySteps,
  DEFAULT_CF_SETTINGS,
  DEFAULT_TRENDING_SETTINGS,
  type QueryStep,
  type SimilarityRow,
  type TrendingRow,
  trendingQuerySteps,
} from '../lambdas/jobs/job-sql';
import {
  DEFAULT_OPTIONS,
  type ExclusionKind,
  recommend,
  type ScoringOptions,
  type TrendingLists,
} from '../lambdas/recommend/scoring';
import { EVENT_PARTITION_KEYS } from '../lambdas/shared/events/lake-columns';
import { GLOBAL_TRENDING_SCOPE, type Neighbour } from '../lambdas/shared/published';
import { applyBackfill, MemoryFeatureStore, sequenceNumberFor } from '../local/backfill';
import { runQueryStepLocally } from '../local/job-engine';
import { writeEventsParquet } from '../local/lake-writer';
import { importUciRetail, UCI_ATTRIBUTION, type UciImportReport } from '../local/uci-retail';
import { itemKnn, popularity, topK } from './baselines';
import { type HeldOutUser, leaveLastOrderOut } from './holdout';
import {
  type DifferenceInterval,
  meanMetrics,
  pairedBootstrap,
  type RankingMetrics,
  rankingMetrics,
} from './metrics';

export const K = 10;
export const METHODS = ['blend', 'blendWide', 'popularity', 'itemKnn'] as const;
export const BLENDS = ['blend', 'blendWide'] as const;
/**
 * The shipped scoring with the API's defaults (`blend`: 20 source items per user, MAX_SOURCE_ITEMS) and with
 * 50 source items (`blendWide`: the same code with MAX_SOURCE_ITEMS=50, a configuration change). UCI customers
 * buy ~18 distinct items per order, so 20 sources leave part of their history unused.
 */
export const WIDE_SOURCES = 50;
export type Method = (typeof METHODS)[number];
export const PROTOCOLS = ['allItems', 'newItems'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

export interface EvaluationResult {
  readonly dataset: string;
  readonly attribution: string;
  readonly k: number;
  readonly importReport: UciImportReport;
  readonly split: { readonly trainEvents: number; readonly heldOutUsers: number };
  readonly cf: { readonly pairs: number; readonly itemsWithNeighbours: number; readonly settings: object };
  readonly results: Record<Protocol, Record<Method, RankingMetrics & { users: number }>>;
  /** Blend minus each baseline, per user, with a 95% paired-bootstrap interval. */
  readonly blendVersus: Record<
    Protocol,
    Record<string, { hitRate: DifferenceInterval; ndcg: DifferenceInterval }>
  >;
  readonly seconds: number;
}

const EVENTS_PREFIX = `events/${EVENT_PARTITION_KEYS.map((k) => `${k.name}=!{partitionKeyFromQuery:${k.name}}/`).join('')}`;

export async function evaluateUciRetail(
  dataDir: string,
  log: (message: string) => void = () => undefined,
  blendOptions: Partial<ScoringOptions> = {},
): Promise<EvaluationResult> {
  const started = Date.now();
  const { events, report } = importUciRetail(dataDir);
  const { train, users } = leaveLastOrderOut(events);
  log(
    `${events.length} purchase events, ${users.length} customers with a held-out order, ${train.length} training events`,
  );

  const lakeDir = await mkdtemp(join(tmpdir(), 'recostream-eval-'));
  try {
    await writeEventsParquet(train, { lakeDir, prefixTemplate: EVENTS_PREFIX });
    const windowTo = new Date(
      Date.parse(train.at(-1)?.receivedAt ?? events[0]!.receivedAt) + 1000,
    ).toISOString();

    const cfSteps = cfQuerySteps({ ...DEFAULT_CF_SETTINGS, runId: 'eval-cf', windowTo });
    for (const step of cfSteps) await runQueryStepLocally(step, lakeDir);
    const similarityStep = cfSteps.find(
      (s) => s.format === 'JSON' && s.targetPrefix.includes('results'),
    ) as QueryStep;
    const neighbours = neighbourLists(
      (await readJsonRows(join(lakeDir, similarityStep.targetPrefix))) as unknown as SimilarityRow[],
    );
    const pairs = [...neighbours.values()].reduce((n, l) => n + l.length, 0);
    log(`CF: ${pairs} neighbour pairs for ${neighbours.size} items`);

    const trendingAt = trendingCache(lakeDir);
    const profiles = await buildProfiles(train);
    const popular = popularity(train);

    const perUser: Record<Protocol, Record<Method, RankingMetrics[]>> = {
      allItems: { blend: [], blendWide: [], popularity: [], itemKnn: [] },
      newItems: { blend: [], blendWide: [], popularity: [], itemKnn: [] },
    };
    for (const user of users) {
      const trending = await trendingAt(user.at);
      for (const protocol of PROTOCOLS) {
        const relevant = relevantItems(user, protocol);
        if (relevant.size === 0) continue;
        const exclude = protocol === 'newItems' ? user.previouslyBought : new Set<string>();
        const lists: Record<Method, string[]> = {
          blend: blendFor(user, profiles.get(user.userId), neighbours, trending, protocol, blendOptions),
          blendWide: blendFor(user, profiles.get(user.userId), neighbours, trending, protocol, {
            ...blendOptions,
            maxSources: WIDE_SOURCES,
          }),
          popularity: topK(popular, K, exclude),
          itemKnn: itemKnn(user.previouslyBought, neighbours, K, exclude),
        };
        for (const method of METHODS)
          perUser[protocol][method].push(rankingMetrics(lists[method], relevant, K));
      }
    }
    const results = Object.fromEntries(
      PROTOCOLS.map((p) => [p, Object.fromEntries(METHODS.map((m) => [m, meanMetrics(perUser[p][m])]))]),
    ) as EvaluationResult['results'];
    const versus = (p: Protocol, blend: Method, baseline: Method, metric: 'hitRate' | 'ndcg') =>
      pairedBootstrap(
        perUser[p][blend].map((m) => m[metric]),
        perUser[p][baseline].map((m) => m[metric]),
      );
    // Keys like `blendWide-itemKnn`: each blend against each baseline.
    const blendVersus = Object.fromEntries(
      PROTOCOLS.map((p) => [
        p,
        Object.fromEntries(
          BLENDS.flatMap((blend) =>
            (['popularity', 'itemKnn'] as const).map((b) => [
              `${blend}-${b}`,
              { hitRate: versus(p, blend, b, 'hitRate'), ndcg: versus(p, blend, b, 'ndcg') },
            ]),
          ),
        ),
      ]),
    ) as EvaluationResult['blendVersus'];

    return {
      dataset: dataDir,
      attribution: UCI_ATTRIBUTION,
      k: K,
      importReport: report,
      split: { trainEvents: train.length, heldOutUsers: users.length },
      cf: { pairs, itemsWithNeighbours: neighbours.size, settings: DEFAULT_CF_SETTINGS },
      results,
      blendVersus,
      seconds: Math.round((Date.now() - started) / 100) / 10,
    };
  } finally {
    await rm(lakeDir, { recursive: true, force: true });
  }
}

function relevantItems(user: HeldOutUser, protocol: Protocol): Set<string> {
  return protocol === 'allItems'
    ? new Set(user.items)
    : new Set([...user.items].filter((i) => !user.previouslyBought.has(i)));
}

function blendFor(
  user: HeldOutUser,
  profile: Profile | undefined,
  neighbours: ReadonlyMap<string, readonly Neighbour[]>,
  trending: TrendingLists,
  protocol: Protocol,
  blendOptions: Partial<ScoringOptions>,
): string[] {
  const exclude = new Set<ExclusionKind>(protocol === 'newItems' ? ['purchased'] : []);
  return recommend({
    profile,
    neighbours,
    trending,
    // Just before the held-out order: nothing of it is in the profile, and decay is measured from then.
    now: Date.parse(user.at) - 1000,
    options: { ...DEFAULT_OPTIONS, ...blendOptions, limit: K, exclude, purchasedWindowDays: 3650 },
  }).map((r) => r.itemId);
}

/** The profiles the stream consumer would hold after the training events (its domain code, in memory). */
async function buildProfiles(train: readonly import('../lambdas/shared/events').CanonicalEvent[]) {
  const store = new MemoryFeatureStore();
  const sorted = [...train].sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
  await applyBackfill(
    {
      source: 'uci-train',
      shardId: 'uci-train',
      read: sorted.length,
      rejections: [],
      records: sorted.map((event, i) => ({ line: i + 1, sequenceNumber: sequenceNumberFor(i + 1), event })),
    },
    store,
    { updater: updaterOptionsFromEnv(), batchSize: 500 },
  );
  return store.profiles;
}

function neighbourLists(rows: readonly SimilarityRow[]): Map<string, Neighbour[]> {
  const lists = new Map<string, Array<Neighbour & { rank: number }>>();
  for (const row of rows) {
    const list = lists.get(row.item_id) ?? [];
    list.push({
      itemId: row.neighbour_id,
      score: Number(row.score),
      support: Number(row.support),
      rank: Number(row.rank),
    });
    lists.set(row.item_id, list);
  }
  return new Map(
    [...lists].map(([item, list]) => [
      item,
      list.sort((a, b) => a.rank - b.rank).map(({ itemId, score, support }) => ({ itemId, score, support })),
    ]),
  );
}

/**
 * Trending as the 15-minute job would have published it at the start of the day of `at` (cached per day:
 * one DuckDB run per day keeps the evaluation fast; the list changes little within a day at this volume).
 */
function trendingCache(lakeDir: string): (at: string) => Promise<TrendingLists> {
  const cache = new Map<string, TrendingLists>();
  let runs = 0;
  return async (at) => {
    const hour = `${at.slice(0, 10)}T00:00:00.000Z`;
    const cached = cache.get(hour);
    if (cached) return cached;
    const steps = trendingQuerySteps({
      ...DEFAULT_TRENDING_SETTINGS,
      runId: `eval-trending-${++runs}`,
      windowTo: hour,
    });
    for (const step of steps) await runQueryStepLocally(step, lakeDir);
    const rows = (await readJsonRows(
      join(lakeDir, (steps[0] as QueryStep).targetPrefix),
    )) as unknown as TrendingRow[];
    const byScope = new Map<
      string,
      Array<{ itemId: string; score: number; category?: string; rank: number }>
    >();
    for (const row of rows) {
      const list = byScope.get(row.scope) ?? [];
      list.push({
        itemId: row.item_id,
        score: Number(row.score),
        rank: Number(row.rank),
        ...(row.category ? { category: row.category } : {}),
      });
      byScope.set(row.scope, list);
    }
    const sorted = (scope: string) =>
      (byScope.get(scope) ?? []).sort((a, b) => a.rank - b.rank).map(({ rank: _, ...e }) => e);
    const lists: TrendingLists = {
      global: sorted(GLOBAL_TRENDING_SCOPE),
      byCategory: new Map(
        [...byScope.keys()]
          .filter((s) => s.startsWith('category#'))
          .map((s) => [s.slice('category#'.length), sorted(s)]),
      ),
    };
    cache.set(hour, lists);
    return lists;
  };
}

async function readJsonRows(dir: string): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  for (const name of (await readdir(dir)).sort()) {
    const text = await readFile(join(dir, name), 'utf8');
    for (const line of text.split('\n'))
      if (line.trim() !== '') rows.push(JSON.parse(line) as Record<string, unknown>);
  }
  return rows;
}
