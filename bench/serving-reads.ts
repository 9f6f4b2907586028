/**
 * The serving path's reads in process, old against new in the same run:
 *
 * - item size of a Similarities row (50 neighbours) and a Trending row (100 entries), list of maps (the
 *   legacy format) against the packed string (lambdas/shared/published-encoding.ts), by DynamoDB's sizing
 *   rules (dynamo-item-size.ts), and the read units of one request's neighbour lists;
 * - decode time of one BatchGetItem answer of 20 neighbour rows, from the wire JSON to neighbour lists:
 *   JSON.parse + unmarshall + decode, as the SDK and the reader do it;
 * - "scoring + reads": `userRecommendations` with 20 source items, its published lists (pointers, neighbour
 *   and trending rows) read through the real DynamoRecommendationReads and AWS SDK client, answered by an
 *   in-memory DynamoDB request handler (no network, no emulator): baseline (legacy rows, no row cache)
 *   against packed rows without and with the per-environment row cache. The profile GetItem and the
 *   catalogue BatchGetItem are per-request I/O that no list format changes: they come from memory here,
 *   and their cost is in the HTTP profile. Wall time and the process's CPU time per call are both kept
 *   (the CPU time excludes what a loaded machine gives to other processes).
 */
import { Readable } from 'node:stream';
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { DynamoRecommendationReads } from '../lambdas/recommend/dynamo-reads';
import { type RecommendationReads, userRecommendations } from '../lambdas/recommend/recommendation-service';
import { DEFAULT_OPTIONS, sourceItemsFor } from '../lambdas/recommend/scoring';
import {
  ACTIVE_POINTER_ID,
  type SimilarityItem,
  type TrendingItem,
  trendingScope,
} from '../lambdas/shared/published';
import {
  decodeNeighbours,
  storedSimilarityRow,
  storedTrendingRow,
} from '../lambdas/shared/published-encoding';
import { itemSizeBytes } from './dynamo-item-size';
import { type GcReport, gcReport, type TimedCall, trackCollections } from './gc-tracker';
import { buildProfile, type Catalogue } from './recommend-data';
import { round, type Summary, summarize } from './stats';

export const SOURCE_ITEMS = 20;
const PROFILES = 200;
const CALLS = 1_000;
const DECODE_CALLS = 1_000;
const TABLES = {
  similarities: 'Similarities',
  trending: 'Trending',
  jobRuns: 'JobRuns',
};

export type Encoding = 'legacy' | 'packed';
export type InProcessCase = 'baseline' | 'packedNoCache' | 'packedCached';

/** The in-process cases in report order, with the name the tables print. */
export const IN_PROCESS_CASES: ReadonlyArray<readonly [InProcessCase, string]> = [
  ['baseline', 'baseline: list of maps, no row cache'],
  ['packedNoCache', 'packed lists, no row cache'],
  ['packedCached', 'packed lists, row cache (warm)'],
];

export interface ServingReadsResult {
  readonly itemBytes: Record<Encoding, { readonly neighbourRow: number; readonly trendingRow: number }>;
  /** Eventually consistent read units of one request's 20 neighbour rows (0.5 per 4 KB, per item). */
  readonly readUnitsPer20Rows: Record<Encoding, number>;
  /** The same for one trending row. */
  readonly readUnitsTrendingRow: Record<Encoding, number>;
  /** Microseconds to decode one 20-row BatchGetItem answer. */
  readonly decodeMicros: Record<Encoding, Summary>;
  /** Milliseconds per `userRecommendations` call in process: wall time, and the process's CPU time. */
  readonly inProcessMs: Record<InProcessCase, Summary>;
  readonly inProcessCpuMs: Record<InProcessCase, Summary>;
  /** The garbage collections during those calls, and the calls none overlapped. */
  readonly inProcessGc: Record<InProcessCase, GcReport>;
}

/** The published rows of the catalogue, stored in either format (what the publisher would write). */
export function publishedRows(catalogue: Catalogue, version: string, encoding: Encoding) {
  const similarities: SimilarityItem[] = [...catalogue.neighbours].map(([itemId, neighbours]) => ({
    itemId,
    version,
    neighbours: neighbours.map(({ itemId: id, score, support }) => ({ itemId: id, score, support })),
  }));
  const trending: TrendingItem[] = [
    { scope: trendingScope(), version, items: catalogue.global },
    ...[...catalogue.byCategory].map(([category, items]) => ({
      scope: trendingScope(category),
      version,
      items,
    })),
  ];
  return encoding === 'legacy'
    ? { similarities: similarities as object[], trending: trending as object[] }
    : { similarities: similarities.map(storedSimilarityRow), trending: trending.map(storedTrendingRow) };
}

export function servingReadsBenchmark(catalogue: Catalogue, now: number): Promise<ServingReadsResult> {
  const rows = {
    legacy: publishedRows(catalogue, 'v', 'legacy'),
    packed: publishedRows(catalogue, 'v', 'packed'),
  };
  const meanSize = (list: readonly object[]) =>
    round(list.reduce((sum, row) => sum + itemSizeBytes(row), 0) / list.length, 0);
  const itemBytes = {
    legacy: { neighbourRow: meanSize(rows.legacy.similarities), trendingRow: meanSize(rows.legacy.trending) },
    packed: { neighbourRow: meanSize(rows.packed.similarities), trendingRow: meanSize(rows.packed.trending) },
  };
  const readUnits = (bytes: number) => 0.5 * Math.ceil(bytes / 4096);
  return runInProcess(rows, now).then(({ wall, cpu, gc }) => ({
    itemBytes,
    readUnitsPer20Rows: {
      legacy: SOURCE_ITEMS * readUnits(itemBytes.legacy.neighbourRow),
      packed: SOURCE_ITEMS * readUnits(itemBytes.packed.neighbourRow),
    },
    readUnitsTrendingRow: {
      legacy: readUnits(itemBytes.legacy.trendingRow),
      packed: readUnits(itemBytes.packed.trendingRow),
    },
    decodeMicros: {
      legacy: decodeTime(rows.legacy.similarities),
      packed: decodeTime(rows.packed.similarities),
    },
    inProcessMs: wall,
    inProcessCpuMs: cpu,
    inProcessGc: gc,
  }));
}

/** JSON.parse + unmarshall + decode of a 20-row BatchGetItem answer, as the SDK and the reader do it. */
function decodeTime(similarities: readonly object[]): Summary {
  const answers = Array.from({ length: 50 }, (_, k) => {
    const items = Array.from(
      { length: SOURCE_ITEMS },
      (_, i) => similarities[(k * SOURCE_ITEMS + i * 37) % similarities.length] as object,
    );
    return JSON.stringify({ Responses: { [TABLES.similarities]: items.map((item) => marshall(item)) } });
  });
  const run = (k: number) => {
    const body = JSON.parse(answers[k % answers.length] as string);
    let entries = 0;
    for (const raw of body.Responses[TABLES.similarities])
      entries += decodeNeighbours(unmarshall(raw).neighbours).length;
    return entries;
  };
  for (let k = 0; k < 200; k++) run(k);
  const samples: number[] = [];
  for (let k = 0; k < DECODE_CALLS; k++) {
    const started = performance.now();
    run(k);
    samples.push((performance.now() - started) * 1000);
  }
  return summarize(samples, 1);
}

async function runInProcess(
  rows: Record<Encoding, ReturnType<typeof publishedRows>>,
  now: number,
): Promise<{
  wall: Record<InProcessCase, Summary>;
  cpu: Record<InProcessCase, Summary>;
  gc: Record<InProcessCase, GcReport>;
}> {
  const random = (() => {
    let x = 11;
    return () => {
      x = (x * 16807) % 2147483647;
      return x / 2147483647;
    };
  })();
  const scoring = { ...DEFAULT_OPTIONS, maxSources: SOURCE_ITEMS };
  // Profiles with exactly 20 source items (the heaviest requests the default settings allow here).
  const profiles: Array<ReturnType<typeof buildProfile>> = [];
  for (let k = 0; profiles.length < PROFILES; k++) {
    const profile = buildProfile(`in-process-${k}`, random, now);
    if (
      sourceItemsFor(profile, now, { placement: 'for-you', maxSources: SOURCE_ITEMS }).length === SOURCE_ITEMS
    )
      profiles.push(profile);
  }
  const measure = async (encoding: Encoding, cacheEntries: number) => {
    const table = new InMemoryTables();
    for (const row of rows[encoding].similarities) table.put(TABLES.similarities, keyOf(row, 'itemId'), row);
    for (const row of rows[encoding].trending) table.put(TABLES.trending, keyOf(row, 'scope'), row);
    for (const job of ['cf', 'trending'])
      table.put(
        TABLES.jobRuns,
        { job, runId: ACTIVE_POINTER_ID },
        { job, runId: ACTIVE_POINTER_ID, activeVersion: 'v' },
      );
    const reads = new DynamoRecommendationReads({
      client: table.client(),
      profilesTable: 'Profiles',
      similaritiesTable: TABLES.similarities,
      trendingTable: TABLES.trending,
      jobRunsTable: TABLES.jobRuns,
      itemStatsTable: 'ItemStats',
      itemsTable: 'Items',
      cacheEntries,
    });
    const byUser = new Map(profiles.map((p) => [p.userId, p]));
    const lists: RecommendationReads = {
      profile: async (userId) => byUser.get(userId),
      activeVersions: () => reads.activeVersions(),
      neighbours: (ids, version) => reads.neighbours(ids, version),
      trending: (scopes, version) => reads.trending(scopes, version),
      popular: async () => [],
      catalogue: async () => new Map(),
      promotedItems: async () => [],
      newArrivals: async () => new Map(),
    };
    const call = (k: number) =>
      userRecommendations(lists, {
        userId: (profiles[k % profiles.length] as (typeof profiles)[number]).userId,
        placement: 'for-you',
        limit: 10,
        now,
        scoring,
      });
    // A warm environment: every profile's rows seen once (the cache, when on, holds them all).
    for (let k = 0; k < profiles.length; k++) await call(k);
    const wall: number[] = [];
    const cpu: number[] = [];
    const calls: TimedCall[] = [];
    const collections = trackCollections();
    for (let k = 0; k < CALLS; k++) {
      const cpuStart = process.cpuUsage();
      const started = performance.now();
      await call(k);
      const ended = performance.now();
      wall.push(ended - started);
      calls.push({ start: started, end: ended });
      const used = process.cpuUsage(cpuStart);
      cpu.push((used.user + used.system) / 1000);
    }
    const gc = gcReport(calls, await collections.stop());
    return { wall: summarize(wall, 3), cpu: summarize(cpu, 3), gc };
  };
  const baseline = await measure('legacy', 0);
  const packedNoCache = await measure('packed', 0);
  const packedCached = await measure('packed', 20_000);
  return {
    wall: { baseline: baseline.wall, packedNoCache: packedNoCache.wall, packedCached: packedCached.wall },
    cpu: { baseline: baseline.cpu, packedNoCache: packedNoCache.cpu, packedCached: packedCached.cpu },
    gc: { baseline: baseline.gc, packedNoCache: packedNoCache.gc, packedCached: packedCached.gc },
  };
}

function keyOf(row: object, hashKey: 'itemId' | 'scope'): Record<string, string> {
  const r = row as Record<string, string>;
  return { [hashKey]: r[hashKey] as string, version: r.version as string };
}

/**
 * Tables in memory behind a real AWS SDK client: a request handler answers GetItem and BatchGetItem from
 * rows kept as wire JSON, so the SDK's serialisation and parsing run as against DynamoDB, without a socket.
 */
class InMemoryTables {
  private readonly rows = new Map<string, string>();

  put(table: string, key: Record<string, unknown>, item: object): void {
    this.rows.set(
      rowKey(table, marshall(key)),
      JSON.stringify(marshall(item, { removeUndefinedValues: true })),
    );
  }

  client(): DynamoDBDocumentClient {
    const requestHandler: NonNullable<DynamoDBClientConfig['requestHandler']> = {
      handle: async (request: { headers: Record<string, string>; body?: unknown }) => {
        const operation = String(request.headers['x-amz-target']).split('.')[1];
        const input = JSON.parse(
          typeof request.body === 'string'
            ? request.body
            : Buffer.from(request.body as Uint8Array).toString('utf8'),
        );
        let body: string;
        if (operation === 'GetItem') {
          const row = this.rows.get(rowKey(input.TableName, input.Key));
          body = row === undefined ? '{}' : `{"Item":${row}}`;
        } else if (operation === 'BatchGetItem') {
          const parts = Object.entries(input.RequestItems as Record<string, { Keys: object[] }>).map(
            ([table, { Keys }]) =>
              `${JSON.stringify(table)}:[${Keys.map((k) => this.rows.get(rowKey(table, k)))
                .filter((r) => r !== undefined)
                .join(',')}]`,
          );
          body = `{"Responses":{${parts.join(',')}},"UnprocessedKeys":{}}`;
        } else throw new Error(`in-memory DynamoDB: no ${operation}`);
        return {
          response: {
            statusCode: 200,
            headers: { 'content-type': 'application/x-amz-json-1.0' },
            body: Readable.from([Buffer.from(body)]),
          },
        };
      },
    };
    return DynamoDBDocumentClient.from(
      new DynamoDBClient({
        region: 'us-east-1',
        endpoint: 'http://in-memory',
        credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
        requestHandler,
      }),
    );
  }
}

function rowKey(table: string, key: object): string {
  const k = key as Record<string, unknown>;
  return `${table}\u0000${Object.keys(k)
    .sort()
    .map((name) => JSON.stringify(k[name]))
    .join('\u0000')}`;
}
