/**
 * Recommendation API latency, at realistic table sizes: a catalogue of 5,000 items in 20 categories, each
 * with 50 published neighbours; global and per-category trending lists of 100; 10,000 profiles with
 * 5-50 recent interactions, up to 20 purchases, a cart and category affinities.
 *
 * 1. In-process scoring: `sourceItemsFor` + `recommend` on 500 different profiles (their neighbour lists
 *    prepared in memory), 200 warm-up calls, then 5,000 timed calls per placement (for-you, the API's
 *    default and the heaviest, first); p50/p99 per call.
 * 2. HTTP: GET /v1/users/{userId}/recommendations through the local gateway (API key check, the Lambda
 *    in a worker thread, dynalite reads, the impression PutRecord to the Kinesis emulator) at client
 *    concurrency 16, after 200 warm-up requests; random users, some of them without a profile.
 */
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import {
  PLACEMENTS,
  type Placement,
  type ProfileView,
  recommend,
  sourceItemsFor,
  type TrendingEntry,
} from '../lambdas/recommend/scoring';
import type { LocalRuntime } from '../local/runtime/runtime';
import { publishedTablesOf, seedPublishedResults } from '../test/support/published-results';
import { table } from './markdown';
import { runConcurrently } from './runtime-util';
import { round, summarize } from './stats';
import type { Benchmark } from './types';

const ITEMS = 5_000;
const NEIGHBOURS = 50;
const CATEGORIES = 20;
const PROFILES = 10_000;
const TRENDING = 100;
const CONCURRENCY = 16;
const WARM_UP = 200;
const REQUESTS = 3_000;
const SCORING_PROFILES = 500;
const SCORING_CALLS = 5_000;
const SEED = 7;
const EVENT_TYPES = ['product_view', 'product_view', 'product_view', 'add_to_cart', 'purchase'] as const;

/** mulberry32: a small seeded PRNG, so every run builds the same data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const itemId = (i: number) => `item-${String(i).padStart(5, '0')}`;
const categoryOf = (i: number) => `cat-${String(i % CATEGORIES).padStart(2, '0')}`;

interface Catalogue {
  readonly neighbours: Map<
    string,
    Array<{ itemId: string; score: number; support: number; category: string }>
  >;
  readonly global: TrendingEntry[];
  readonly byCategory: Map<string, TrendingEntry[]>;
}

export function buildCatalogue(random: () => number): Catalogue {
  const neighbours = new Map<
    string,
    Array<{ itemId: string; score: number; support: number; category: string }>
  >();
  for (let i = 0; i < ITEMS; i++) {
    const list = new Map<number, number>();
    while (list.size < NEIGHBOURS) {
      // Half the neighbours in the same category, as co-purchases tend to be.
      const j =
        random() < 0.5
          ? (i + CATEGORIES * (1 + Math.floor(random() * 200))) % ITEMS
          : Math.floor(random() * ITEMS);
      if (j !== i && !list.has(j)) list.set(j, round(0.05 + 0.95 * random() ** 2, 4));
    }
    neighbours.set(
      itemId(i),
      [...list]
        .sort((a, b) => b[1] - a[1])
        .map(([j, score]) => ({
          itemId: itemId(j),
          score,
          support: 2 + Math.floor(random() * 40),
          category: categoryOf(j),
        })),
    );
  }
  const popular = (filter: (i: number) => boolean) => {
    const ids: number[] = [];
    while (ids.length < TRENDING) {
      const i = Math.floor(ITEMS * random() ** 3);
      if (filter(i) && !ids.includes(i)) ids.push(i);
    }
    return ids.map((i, rank) => ({
      itemId: itemId(i),
      score: round(1000 / (rank + 1), 3),
      category: categoryOf(i),
    }));
  };
  const byCategory = new Map<string, TrendingEntry[]>();
  for (let c = 0; c < CATEGORIES; c++)
    byCategory.set(
      categoryOf(c),
      popular((i) => i % CATEGORIES === c),
    );
  return { neighbours, global: popular(() => true), byCategory };
}

function buildProfile(
  userId: string,
  random: () => number,
  now: number,
): ProfileView & Record<string, unknown> {
  const recent = Array.from({ length: 5 + Math.floor(random() * 46) }, (_, k) => {
    const i = Math.floor(ITEMS * random() ** 2);
    return {
      type: EVENT_TYPES[Math.floor(random() * EVENT_TYPES.length)] as (typeof EVENT_TYPES)[number],
      itemId: itemId(i),
      category: categoryOf(i),
      at: new Date(now - k * 600_000 - Math.floor(random() * 600_000)).toISOString(),
    };
  });
  const purchased = Array.from({ length: Math.floor(random() * 21) }, (_, k) => {
    const count = 1 + Math.floor(random() * 5);
    return {
      itemId: itemId(Math.floor(random() * ITEMS)),
      at: new Date(now - (k + 1) * 3 * 86_400_000).toISOString(),
      count,
      firstAt: new Date(now - (k + 1 + count * 10) * 3 * 86_400_000).toISOString(),
    };
  });
  const orders = purchased.length
    ? {
        count: purchased.reduce((n, p) => Math.max(n, p.count), 0) + 2,
        firstAt: [...purchased].sort((a, b) => a.firstAt.localeCompare(b.firstAt))[0]?.firstAt as string,
        lastAt: purchased[0]?.at as string,
      }
    : undefined;
  const browsed: Record<string, { views: number; carts: number; viewedAt?: string; cartedAt?: string }> = {};
  for (const r of recent) {
    const b = browsed[r.itemId] ?? { views: 0, carts: 0 };
    if (r.type === 'product_view')
      browsed[r.itemId] = { ...b, views: b.views + 1, viewedAt: b.viewedAt ?? r.at };
    if (r.type === 'add_to_cart')
      browsed[r.itemId] = { ...b, carts: b.carts + 1, cartedAt: b.cartedAt ?? r.at };
  }
  const affinities: Record<string, { score: number; at: number }> = {};
  for (const r of recent) {
    const a = affinities[r.category as string] ?? { score: 0, at: now };
    affinities[r.category as string] = { score: a.score + 1, at: now };
  }
  const cart: Record<string, { quantity: number; at: string }> = {};
  for (let k = 0; k < Math.floor(random() * 4); k++) {
    cart[itemId(Math.floor(random() * ITEMS))] = { quantity: 1, at: new Date(now).toISOString() };
  }
  return {
    userId,
    version: 1,
    hwm: {},
    seen: [],
    counts: {},
    recent,
    purchased,
    ...(orders ? { orders } : {}),
    browsed,
    cart,
    affinities,
  };
}

export function scoringBenchmark(
  catalogue: Catalogue,
  random: () => number,
  now: number,
  placement: Placement = 'for-you',
) {
  const inputs = Array.from({ length: SCORING_PROFILES }, (_, k) => {
    const profile = buildProfile(`score-${k}`, random, now);
    const neighbours = new Map(
      sourceItemsFor(profile, now, { placement }).map(
        (s) => [s.itemId, catalogue.neighbours.get(s.itemId) ?? []] as const,
      ),
    );
    return { profile, neighbours };
  });
  const trending = { global: catalogue.global, byCategory: catalogue.byCategory };
  const run = (k: number) => {
    const { profile, neighbours } = inputs[k % inputs.length] as (typeof inputs)[number];
    return recommend({ profile, neighbours, trending, now, options: { placement } });
  };
  for (let k = 0; k < 200; k++) run(k);
  const samples: number[] = [];
  const cpuSamples: number[] = [];
  let candidates = 0;
  for (let k = 0; k < SCORING_CALLS; k++) {
    const cpu = process.cpuUsage();
    const started = performance.now();
    const result = run(k);
    samples.push(performance.now() - started);
    const used = process.cpuUsage(cpu);
    // CPU time of the process during the call: unlike wall time, it excludes time the OS gave to others.
    cpuSamples.push((used.user + used.system) / 1000);
    candidates += result.length;
  }
  return {
    latencyMs: summarize(samples, 4),
    cpuMs: summarize(cpuSamples, 4),
    meanItemsReturned: round(candidates / SCORING_CALLS, 2),
  };
}

async function seedTables(runtime: LocalRuntime, catalogue: Catalogue, random: () => number, now: number) {
  await seedPublishedResults(runtime.dynamo, publishedTablesOf(runtime.topology), {
    cf: { version: 'bench-cf', neighbours: catalogue.neighbours },
    trending: { version: 'bench-trending', global: catalogue.global, byCategory: catalogue.byCategory },
  });
  const profiles = runtime.tableName('Profiles');
  const batches: Array<Array<Record<string, unknown>>> = [];
  for (let u = 0; u < PROFILES; u += 25) {
    batches.push(
      Array.from({ length: Math.min(25, PROFILES - u) }, (_, k) =>
        buildProfile(`bench-user-${u + k}`, random, now),
      ),
    );
  }
  await runConcurrently(batches.length, 4, async (b) => {
    let pending = (batches[b] as Array<Record<string, unknown>>).map((Item) => ({ PutRequest: { Item } }));
    while (pending.length > 0) {
      const out = await runtime.dynamo.send(new BatchWriteCommand({ RequestItems: { [profiles]: pending } }));
      pending = (out.UnprocessedItems?.[profiles] ?? []) as typeof pending;
    }
  });
}

export const recommendApiBenchmark: Benchmark = {
  name: 'recommend-api',
  title: 'Recommendation API: scoring time and HTTP latency',
  async run({ log, runtime: getRuntime }) {
    const random = rng(SEED);
    const now = Date.now();
    log('recommend-api: building the catalogue');
    const catalogue = buildCatalogue(random);
    log('recommend-api: in-process scoring');
    const byPlacement = Object.fromEntries(
      PLACEMENTS.map((placement) => [placement, scoringBenchmark(catalogue, rng(SEED + 1), now, placement)]),
    ) as Record<Placement, ReturnType<typeof scoringBenchmark>>;
    const scoring = byPlacement['for-you'];

    const runtime = await getRuntime();
    log(`recommend-api: seeding ${ITEMS} neighbour lists and ${PROFILES} profiles into dynalite`);
    const seedStarted = performance.now();
    await seedTables(runtime, catalogue, random, now);
    const seedMs = performance.now() - seedStarted;

    // 10% of the requests are for users without a profile (cold start).
    const users = Array.from({ length: WARM_UP + REQUESTS }, () =>
      random() < 0.1
        ? `bench-new-${Math.floor(random() * 1e9)}`
        : `bench-user-${Math.floor(random() * PROFILES)}`,
    );
    const call = async (userId: string) => {
      const started = performance.now();
      const response = await fetch(`${runtime.apiUrl}/v1/users/${userId}/recommendations?limit=10`, {
        headers: { 'x-api-key': runtime.apiKey },
      });
      const body = (await response.json()) as { items?: unknown[] };
      return { status: response.status, ms: performance.now() - started, items: body.items?.length ?? 0 };
    };
    log(`recommend-api: ${WARM_UP} warm-up requests`);
    await runConcurrently(WARM_UP, CONCURRENCY, (i) => call(users[i] as string));
    log(`recommend-api: ${REQUESTS} requests at concurrency ${CONCURRENCY}`);
    const started = performance.now();
    const results = await runConcurrently(REQUESTS, CONCURRENCY, (i) => call(users[WARM_UP + i] as string));
    const wallMs = performance.now() - started;
    const statuses: Record<string, number> = {};
    for (const r of results) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    const http = summarize(
      results.map((r) => r.ms),
      2,
    );
    const requestsPerSecond = round((results.length * 1000) / wallMs, 0);

    const markdown = [
      table(
        ['measurement', 'samples', 'p50 ms', 'p95 ms', 'p99 ms', 'target'],
        [
          ...PLACEMENTS.map((placement) => [
            `scoring, in process: ${placement}`,
            SCORING_CALLS,
            byPlacement[placement].latencyMs.p50,
            byPlacement[placement].latencyMs.p95,
            byPlacement[placement].latencyMs.p99,
            'p99 < 1 ms',
          ]),
          [
            `HTTP GET recommendations, concurrency ${CONCURRENCY}`,
            results.length,
            http.p50,
            http.p95,
            http.p99,
            'p99 < 20 ms',
          ],
        ],
      ),
      '',
      `${ITEMS.toLocaleString('en-US')} items × ${NEIGHBOURS} neighbours, ${CATEGORIES} categories, trending lists of ` +
        `${TRENDING}, ${PROFILES.toLocaleString('en-US')} profiles (5-50 recent interactions, up to 20 purchases ` +
        'of 1-5 orders each, browsing reminders); ' +
        `seeded into dynalite in ${round(seedMs / 1000, 1)} s. HTTP: ${requestsPerSecond} requests/s, statuses ` +
        `${JSON.stringify(statuses)}, 10% of users without a profile, ${WARM_UP} warm-up requests not counted; ` +
        'each request reads the profile, the cached pointers and neighbour lists (LRU per worker), and puts one ' +
        'impression on the Kinesis emulator, which the consumer applies meanwhile. Scoring: ' +
        `${SCORING_PROFILES} profiles, neighbour lists in memory, mean ${scoring.meanItemsReturned} items returned.`,
    ].join('\n');
    return {
      markdown,
      data: {
        items: ITEMS,
        neighbours: NEIGHBOURS,
        profiles: PROFILES,
        concurrency: CONCURRENCY,
        seedMs: round(seedMs, 0),
        scoring,
        scoringByPlacement: byPlacement,
        http: {
          latencyMs: http,
          requests: results.length,
          requestsPerSecond,
          statuses,
          wallMs: round(wallMs, 0),
        },
      },
    };
  },
};
