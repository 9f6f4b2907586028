/**
 * Recommendation API latency, at realistic table sizes (recommend-data.ts: 5,000 items × 50 neighbours,
 * trending lists of 100, 10,000 profiles), each figure against the baseline of the same run:
 *
 * 1. In-process scoring: `sourceItemsFor` + `recommend` on 500 different profiles (their neighbour lists
 *    prepared in memory), 200 warm-up calls, then 5,000 timed calls per placement; p50/p99 per call.
 * 2. Serving reads in process (serving-reads.ts): item size and decode time of the published lists, list of
 *    maps (the baseline) against the packed string; scoring + reads with 20 source items through the real
 *    reader and SDK client against in-memory tables, baseline (list of maps, no row cache) against packed
 *    rows without and with the per-environment row cache.
 * 3. HTTP (recommend-http.ts): GET /v1/users/{userId}/recommendations through the local gateway (API key
 *    check, the Lambda in a worker thread, dynalite reads, the impression PutRecord to the Kinesis
 *    emulator) at client concurrency 16; the baseline phase serves list-of-maps rows with the row cache
 *    off (PUBLISHED_CACHE_ENTRIES=0), the new phase packed rows with the cache on; the same users in both,
 *    and a profile of where each phase's time goes, and how many of each phase's impressions reached the stream.
 */
import { availableParallelism } from 'node:os';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { PLACEMENTS, type Placement, recommend, sourceItemsFor } from '../lambdas/recommend/scoring';
import type { LocalRuntime } from '../local/runtime/runtime';
import { publishedTablesOf, seedPublishedResults } from '../test/support/published-results';
import { table } from './markdown';
import { buildCatalogue, buildProfile, type Catalogue, ITEMS, NEIGHBOURS, rng } from './recommend-data';
import { type HttpPhaseResult, httpPhase } from './recommend-http';
import { runConcurrently } from './runtime-util';
import { IN_PROCESS_CASES, SOURCE_ITEMS, servingReadsBenchmark } from './serving-reads';
import { round, summarize } from './stats';
import type { Benchmark } from './types';

const PROFILES = 10_000;
const CONCURRENCY = 16;
const WARM_UP = 300;
const REQUESTS = 1_500;
const SCORING_PROFILES = 500;
const SCORING_CALLS = 5_000;
const SEED = 7;
const VERSIONS = {
  baseline: { cf: 'bench-cf-maps', trending: 'bench-trending-maps' },
  packed: { cf: 'bench-cf-packed', trending: 'bench-trending-packed' },
};

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

/** The published rows in both formats (each under versions of its own), and the profiles. */
async function seedTables(runtime: LocalRuntime, catalogue: Catalogue, random: () => number, now: number) {
  // Neighbour rows as the publisher writes them: item, score, support.
  const neighbours = new Map(
    [...catalogue.neighbours].map(([id, list]) => [
      id,
      list.map(({ itemId, score, support }) => ({ itemId, score, support })),
    ]),
  );
  const tables = publishedTablesOf(runtime.topology);
  for (const [format, versions] of Object.entries(VERSIONS))
    await seedPublishedResults(runtime.dynamo, tables, {
      legacyLists: format === 'baseline',
      cf: { version: versions.cf, neighbours },
      trending: { version: versions.trending, global: catalogue.global, byCategory: catalogue.byCategory },
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
  title: 'Recommendation API: scoring, serving reads and HTTP latency',
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
    log('recommend-api: serving reads in process (list of maps vs packed, row cache off/on)');
    const reads = await servingReadsBenchmark(catalogue, now);

    const runtime = await getRuntime();
    log(
      `recommend-api: seeding ${ITEMS} neighbour lists in both formats and ${PROFILES} profiles into dynalite`,
    );
    const seedStarted = performance.now();
    await seedTables(runtime, catalogue, random, now);
    const seedMs = performance.now() - seedStarted;

    // 10% of the requests are for users without a profile (cold start).
    const users = Array.from({ length: WARM_UP + REQUESTS }, () =>
      random() < 0.1
        ? `bench-new-${Math.floor(random() * 1e9)}`
        : `bench-user-${Math.floor(random() * PROFILES)}`,
    );
    const phase = (
      name: string,
      versions: { cf: string; trending: string },
      environment: Record<string, string>,
    ) => {
      log(
        `recommend-api: HTTP ${name}: ${WARM_UP} warm-up and ${REQUESTS} requests at concurrency ${CONCURRENCY}`,
      );
      return httpPhase(runtime, {
        name,
        versions,
        environment,
        users,
        warmUp: WARM_UP,
        concurrency: CONCURRENCY,
      });
    };
    const baseline = await phase('baseline: list of maps, no row cache', VERSIONS.baseline, {
      PUBLISHED_CACHE_ENTRIES: '0',
    });
    const packed = await phase('packed lists, row cache', VERSIONS.packed, {});
    const http = packed;
    const ratio = (a: number, b: number) => round(a / b, 1);

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
          ...IN_PROCESS_CASES.map(([key, name]) => [
            `scoring + list reads in process, ${SOURCE_ITEMS} sources: ${name}`,
            reads.inProcessMs[key].count,
            reads.inProcessMs[key].p50,
            reads.inProcessMs[key].p95,
            reads.inProcessMs[key].p99,
            'p99 < 1 ms',
          ]),
          ...(
            [
              ['baseline', reads.inProcessCpuMs.baseline],
              ['packed, row cache (warm)', reads.inProcessCpuMs.packedCached],
            ] as const
          ).map(([name, s]) => [
            `the same, CPU time of the process: ${name}`,
            s.count,
            s.p50,
            s.p95,
            s.p99,
            '',
          ]),
          ...[baseline, packed].map((p) => [
            `HTTP GET recommendations, concurrency ${CONCURRENCY}: ${p.name}`,
            p.requests,
            p.latencyMs.p50,
            p.latencyMs.p95,
            p.latencyMs.p99,
            p === packed ? 'p99 ≥ 3x lower than baseline' : '',
          ]),
        ],
      ),
      '',
      `**Same-run ratios** (baseline / new): HTTP p50 ${ratio(baseline.latencyMs.p50, packed.latencyMs.p50)}x, ` +
        `p99 ${ratio(baseline.latencyMs.p99, packed.latencyMs.p99)}x, throughput ` +
        `${packed.requestsPerSecond} vs ${baseline.requestsPerSecond} requests/s; scoring + reads in process p99 ` +
        `${ratio(reads.inProcessMs.baseline.p99, reads.inProcessMs.packedCached.p99)}x ` +
        `(${ratio(reads.inProcessMs.baseline.p99, reads.inProcessMs.packedNoCache.p99)}x without the row cache).`,
      '',
      `**Garbage collection during the in-process calls** (${'`'}gc${'`'} performance entries; a call "with a collection" ` +
        'overlapped one; the p99 of the others is what the scoring and reads cost by themselves):',
      '',
      table(
        [
          `scoring + list reads, ${SOURCE_ITEMS} sources`,
          'young collections (ms)',
          'other collections (ms)',
          'calls with a collection',
          'p99 ms of the others',
        ],
        IN_PROCESS_CASES.map(([key, name]) => [
          name,
          `${reads.inProcessGc[key].young} (${reads.inProcessGc[key].youngMs})`,
          `${reads.inProcessGc[key].other} (${reads.inProcessGc[key].otherMs})`,
          reads.inProcessGc[key].callsWithCollection,
          reads.inProcessGc[key].withoutCollection.p99,
        ]),
      ),
      '',
      '**Impressions** (timed responses with items; environments retired after each phase, as Lambda reclaims ' +
        'idle ones, then the stream read to its tip):',
      '',
      table(
        ['phase', 'impressions requested', 'reached the stream', 'lost', 'records on the stream'],
        [baseline, packed].map((p) => [
          p.name,
          p.impressions.requested,
          p.impressions.reached,
          p.impressions.requested - p.impressions.reached,
          p.impressions.records,
        ]),
      ),
      '',
      table(
        ['published row', 'list of maps (baseline)', 'packed string', 'ratio'],
        [
          [
            `Similarities row (${NEIGHBOURS} neighbours), bytes`,
            reads.itemBytes.legacy.neighbourRow,
            reads.itemBytes.packed.neighbourRow,
            `${ratio(reads.itemBytes.legacy.neighbourRow, reads.itemBytes.packed.neighbourRow)}x`,
          ],
          [
            'Trending row (100 entries), bytes',
            reads.itemBytes.legacy.trendingRow,
            reads.itemBytes.packed.trendingRow,
            `${ratio(reads.itemBytes.legacy.trendingRow, reads.itemBytes.packed.trendingRow)}x`,
          ],
          [
            `read units of ${SOURCE_ITEMS} neighbour rows (eventually consistent)`,
            reads.readUnitsPer20Rows.legacy,
            reads.readUnitsPer20Rows.packed,
            `${ratio(reads.readUnitsPer20Rows.legacy, reads.readUnitsPer20Rows.packed)}x`,
          ],
          [
            'read units of one trending row (eventually consistent)',
            reads.readUnitsTrendingRow.legacy,
            reads.readUnitsTrendingRow.packed,
            `${ratio(reads.readUnitsTrendingRow.legacy, reads.readUnitsTrendingRow.packed)}x`,
          ],
          [
            `decode ${SOURCE_ITEMS} rows (JSON.parse + unmarshall + decode), p50 / p99 µs`,
            `${reads.decodeMicros.legacy.p50} / ${reads.decodeMicros.legacy.p99}`,
            `${reads.decodeMicros.packed.p50} / ${reads.decodeMicros.packed.p99}`,
            `${ratio(reads.decodeMicros.legacy.p50, reads.decodeMicros.packed.p50)}x`,
          ],
        ],
      ),
      '',
      "**Where the HTTP time goes** (mean ms per request, from the function host's profile of every timed " +
        'invocation; DynamoDB and Kinesis are the time a request to that emulator was in flight; the last column is ' +
        `the CPU time of the whole process, every thread, per request: with ${CONCURRENCY} requests in flight on ` +
        `${availableParallelism()} cores the latency follows it):`,
      '',
      table(
        [
          'phase',
          'gateway + client',
          'function host',
          'DynamoDB reads',
          'Kinesis put',
          'handler: scoring, SDK, CPU wait',
          'total',
          'CPU ms per request, whole process',
        ],
        [baseline, packed].map((p) => [
          p.name,
          p.profile.gatewayAndClientMs,
          p.profile.functionHostMs,
          p.profile.dynamoDbMs,
          p.profile.kinesisMs,
          p.profile.handlerOtherMs,
          p.profile.totalMs,
          p.profile.cpuMsPerRequest,
        ]),
      ),
      '',
      `${ITEMS.toLocaleString('en-US')} items × ${NEIGHBOURS} neighbours, trending lists of 100, ` +
        `${PROFILES.toLocaleString('en-US')} profiles; both formats seeded into dynalite in ${round(seedMs / 1000, 1)} s. ` +
        `HTTP: statuses ${JSON.stringify(baseline.statuses)} / ${JSON.stringify(packed.statuses)}, 10% of users ` +
        `without a profile, ${WARM_UP} warm-up requests per phase not counted (each phase starts fresh execution ` +
        'environments: its configuration is applied as an update); each request reads the profile, the cached ' +
        'pointers, the neighbour and trending lists (per-environment row cache in the new phase) and the catalogue ' +
        'rows, and puts one impression on the Kinesis emulator, which the consumer applies meanwhile. Scoring: ' +
        `${SCORING_PROFILES} profiles, neighbour lists in memory, mean ${scoring.meanItemsReturned} items returned. ` +
        "Each phase's timed requests started after the consumer had flushed its item-statistics windows (waited " +
        `${baseline.consumer.settleMs} / ${packed.consumer.settleMs} ms); windows it closed during them: ` +
        `${baseline.consumer.windowsClosed} / ${packed.consumer.windowsClosed}.`,
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
        servingReads: reads,
        http: httpData(http),
        httpBaseline: httpData(baseline),
        httpRatios: {
          p50: ratio(baseline.latencyMs.p50, packed.latencyMs.p50),
          p99: ratio(baseline.latencyMs.p99, packed.latencyMs.p99),
        },
      },
    };
  },
};

function httpData(p: HttpPhaseResult) {
  return {
    phase: p.name,
    latencyMs: p.latencyMs,
    requests: p.requests,
    requestsPerSecond: p.requestsPerSecond,
    statuses: p.statuses,
    impressions: p.impressions,
    profile: p.profile,
  };
}
