/**
 * DynamoDB adapter of `RecommendationReads`.
 *
 * - Profiles: one GetItem per request (never cached: recommendations must follow what the user just did).
 * - JobRuns ACTIVE pointers: one BatchGetItem, cached for `pointerTtlMs` (default 60 s) per container;
 *   an answer without a version for 2 s only (`missingPointerTtlMs`: a first publish shows at once).
 * - Similarities / Trending: BatchGetItem of just the missing source items / scopes (at most 100 keys per
 *   call, projected to keys and the list), UnprocessedKeys retried with exponential backoff and full
 *   jitter. Each list is one packed string (lambdas/shared/published-encoding.ts), decoded once. Rows of a
 *   version never change once published, so they are cached per (key, version) in a bounded LRU
 *   (`cacheEntries`); the pointer read decides which version is active, and a flip simply reads new keys.
 * - Items (the catalogue): one strongly consistent BatchGetItem of the ranked candidates per request, never
 *   cached, so an item marked out of stock is left out from the next request on.
 * - New arrivals: one BatchGetItem of the categories' rows of the Items table (lambdas/shared/new-arrivals.ts)
 *   per request, strongly consistent and uncached like the catalogue read (a new item counts from the next
 *   request on; a row is a few KB, so one or two read units).
 * - Popular (only until the first trending run is published): a bounded Scan of ItemStats `TOTAL` rows,
 *   cached for `popularTtlMs`.
 */

import type { KeysAndAttributes } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  type DynamoDBDocumentClient,
  GetCommand,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';
import { LRUCache } from 'lru-cache';
import {
  CATALOGUE_READ_ATTRIBUTES,
  type CatalogueEntry,
  catalogueEntryOf,
  NEW_ARRIVALS_KEY_PREFIX,
  newArrivalsKey,
  PROMOTED_ITEMS_KEY,
} from '../shared/catalogue';
import { decodeArrivals, NEW_ARRIVALS_ATTRIBUTE } from '../shared/new-arrivals';
import { parseProfileView } from '../shared/profile-record';
import { PROMOTED_ITEMS_ATTRIBUTE } from '../shared/promoted-items';
import { ACTIVE_POINTER_ID, type JobName } from '../shared/published';
import {
  decodeNeighbours,
  decodeTrendingEntries,
  SIMILARITY_READ_PROJECTION,
  TRENDING_READ_PROJECTION,
} from '../shared/published-encoding';
import type { ActiveVersions, RecommendationReads } from './recommendation-service';
import type { NeighbourView, NewArrivalView, ProfileView, TrendingEntry } from './scoring';

export interface DynamoReadsOptions {
  readonly client: DynamoDBDocumentClient;
  readonly profilesTable: string;
  readonly similaritiesTable: string;
  readonly trendingTable: string;
  readonly jobRunsTable: string;
  readonly itemStatsTable: string;
  /** The item catalogue (lambdas/shared/catalogue.ts). */
  readonly itemsTable: string;
  /** @default 60000 */
  readonly pointerTtlMs?: number;
  /**
   * How long an answer without a cf or trending version is cached: a job's first publish is then served
   * within seconds, not after pointerTtlMs (before it, a request reads the two pointers again). @default 2000
   */
  readonly missingPointerTtlMs?: number;
  /** @default 300000 */
  readonly popularTtlMs?: number;
  /** ItemStats rows a popular-list scan reads at most. @default 2000 */
  readonly popularScanLimit?: number;
  /** Cached published rows (neighbour and trending lists); 0 turns the cache off. @default 20000 */
  readonly cacheEntries?: number;
  /**
   * Told per read of published rows how many came from the row cache and how many from the table (the
   * `PublishedRowCacheHits`/`Misses` metrics: whether `cacheEntries` holds the working set).
   */
  readonly onRowCache?: (hits: number, misses: number) => void;
  /** BatchGetItem calls per chunk, the first included. @default 5 */
  readonly maxAttempts?: number;
  /** @default 25 */
  readonly baseDelayMs?: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

const BATCH_GET_LIMIT = 100;
const CATALOGUE_READ = {
  ConsistentRead: true,
  ProjectionExpression: CATALOGUE_READ_ATTRIBUTES.map((a) => `#${a}`).join(', '),
  ExpressionAttributeNames: Object.fromEntries(CATALOGUE_READ_ATTRIBUTES.map((a) => [`#${a}`, a])),
};
const NEW_ARRIVALS_READ = {
  ConsistentRead: true,
  ProjectionExpression: '#itemId, #arrivals',
  ExpressionAttributeNames: { '#itemId': 'itemId', '#arrivals': NEW_ARRIVALS_ATTRIBUTE },
};
const PROMOTED_READ = {
  ConsistentRead: true,
  ProjectionExpression: '#itemId, #promoted',
  ExpressionAttributeNames: { '#itemId': 'itemId', '#promoted': PROMOTED_ITEMS_ATTRIBUTE },
};
const PROFILE_ATTRIBUTE_NAMES = {
  '#userId': 'userId',
  '#recent': 'recent',
  '#purchased': 'purchased',
  '#orders': 'orders',
  '#browsed': 'browsed',
  '#cart': 'cart',
  '#affinities': 'affinities',
  '#session': 'session',
  // An anonymous visitor's link to a user (lambdas/shared/identity.ts): the service then reads the user.
  '#linkedTo': 'linkedTo',
};
const PROFILE_PROJECTION = Object.keys(PROFILE_ATTRIBUTE_NAMES).join(', ');

export class DynamoRecommendationReads implements RecommendationReads {
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private pointers?: { value: Promise<ActiveVersions>; expiresAt: number };
  private popularCache?: { value: Promise<readonly TrendingEntry[]>; expiresAt: number };
  private readonly rows: RowCache<object>;

  constructor(private readonly options: DynamoReadsOptions) {
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
    this.rows = new RowCache(options.cacheEntries ?? 20_000);
  }

  async profile(userId: string): Promise<ProfileView | undefined> {
    const out = await this.options.client.send(
      new GetCommand({
        TableName: this.options.profilesTable,
        Key: { userId },
        // Only what scoring reads: the dedupe state (`seen`, `hwm`) is most of a busy profile's bytes.
        ProjectionExpression: PROFILE_PROJECTION,
        ExpressionAttributeNames: PROFILE_ATTRIBUTE_NAMES,
      }),
    );
    return out.Item ? parseProfileView(out.Item) : undefined;
  }

  activeVersions(): Promise<ActiveVersions> {
    const now = this.now();
    if (this.pointers && this.pointers.expiresAt > now) return this.pointers.value;
    const value = this.readPointers();
    const entry = { value, expiresAt: now + (this.options.pointerTtlMs ?? 60_000) };
    this.pointers = entry;
    value.then(
      (versions) => {
        if (versions.cf === undefined || versions.trending === undefined)
          entry.expiresAt = Math.min(entry.expiresAt, now + (this.options.missingPointerTtlMs ?? 2000));
      },
      // A failed read is not cached: the next request tries again.
      () => {
        if (this.pointers?.value === value) this.pointers = undefined;
      },
    );
    return value;
  }

  async neighbours(
    itemIds: readonly string[],
    version: string,
  ): Promise<Map<string, readonly NeighbourView[]>> {
    const rows = await this.cachedRows(
      this.options.similaritiesTable,
      itemIds.map((itemId) => ({ itemId, version })),
      (key) => `s\u0000${version}\u0000${key.itemId}`,
      (item) => decodeNeighbours(item.neighbours),
      SIMILARITY_READ_PROJECTION,
    );
    const result = new Map<string, readonly NeighbourView[]>();
    itemIds.forEach((itemId, i) => {
      const list = rows[i];
      if (list) result.set(itemId, list);
    });
    return result;
  }

  async trending(scopes: readonly string[], version: string): Promise<Map<string, readonly TrendingEntry[]>> {
    const rows = await this.cachedRows(
      this.options.trendingTable,
      scopes.map((scope) => ({ scope, version })),
      (key) => `t\u0000${version}\u0000${key.scope}`,
      (item) => decodeTrendingEntries(item.items),
      TRENDING_READ_PROJECTION,
    );
    const result = new Map<string, readonly TrendingEntry[]>();
    scopes.forEach((scope, i) => {
      const list = rows[i];
      if (list) result.set(scope, list);
    });
    return result;
  }

  popular(limit: number): Promise<readonly TrendingEntry[]> {
    const now = this.now();
    if (!this.popularCache || this.popularCache.expiresAt <= now) {
      const value = this.scanPopular();
      this.popularCache = { value, expiresAt: now + (this.options.popularTtlMs ?? 300_000) };
      value.catch(() => {
        if (this.popularCache?.value === value) this.popularCache = undefined;
      });
    }
    return this.popularCache.value.then((list) => list.slice(0, limit));
  }

  /**
   * Catalogue rows of the candidates (Items table), read per request with strong consistency and never
   * cached: an availability change counts from the next request.
   */
  async catalogue(itemIds: readonly string[]): Promise<Map<string, CatalogueEntry>> {
    const result = new Map<string, CatalogueEntry>();
    if (itemIds.length === 0) return result;
    const keys = [...new Set(itemIds)].map((itemId) => ({ itemId }));
    const rows = await this.batchGet(this.options.itemsTable, keys, CATALOGUE_READ);
    for (const row of rows) {
      const entry = catalogueEntryOf(row);
      if (entry) result.set(entry.itemId, entry);
    }
    return result;
  }

  /** The new-arrivals rows of these categories (Items table), newest first; categories without one are absent. */
  async newArrivals(categories: readonly string[]): Promise<Map<string, readonly NewArrivalView[]>> {
    const result = new Map<string, readonly NewArrivalView[]>();
    if (categories.length === 0) return result;
    const keys = [...new Set(categories)].map((c) => ({ itemId: newArrivalsKey(c) }));
    for (const row of await this.batchGet(this.options.itemsTable, keys, NEW_ARRIVALS_READ)) {
      if (typeof row.itemId !== 'string' || !row.itemId.startsWith(NEW_ARRIVALS_KEY_PREFIX)) continue;
      const arrivals = decodeArrivals(row[NEW_ARRIVALS_ATTRIBUTE]);
      if (arrivals.length > 0) result.set(row.itemId.slice(NEW_ARRIVALS_KEY_PREFIX.length), arrivals);
    }
    return result;
  }

  /** The promoted-items row (Items table), newest first; empty when the catalogue has none. */
  async promotedItems(): Promise<readonly NewArrivalView[]> {
    const keys = [{ itemId: PROMOTED_ITEMS_KEY }];
    const [row] = await this.batchGet(this.options.itemsTable, keys, PROMOTED_READ);
    return row?.itemId === PROMOTED_ITEMS_KEY ? decodeArrivals(row[PROMOTED_ITEMS_ATTRIBUTE]) : [];
  }

  private async readPointers(): Promise<ActiveVersions> {
    const jobs: JobName[] = ['cf', 'trending'];
    const items = await this.batchGet(
      this.options.jobRunsTable,
      jobs.map((job) => ({ job, runId: ACTIVE_POINTER_ID })),
    );
    const versions: { cf?: string; trending?: string } = {};
    for (const item of items) {
      const job = item.job;
      const version = item.activeVersion;
      if ((job === 'cf' || job === 'trending') && typeof version === 'string' && version !== '') {
        versions[job] = version;
      }
    }
    return versions;
  }

  /**
   * Rows for `keys` in order (undefined where the table has none), through the version-keyed cache.
   * Absent rows are cached too: a version is immutable, so "no neighbours" stays true for it.
   */
  private async cachedRows<K extends Record<string, string>, V extends object>(
    table: string,
    keys: readonly K[],
    cacheKey: (key: K) => string,
    convert: (item: Record<string, unknown>) => V,
    read: Omit<KeysAndAttributes, 'Keys'>,
  ): Promise<Array<V | undefined>> {
    const result: Array<V | undefined> = new Array(keys.length);
    const missing: number[] = [];
    keys.forEach((key, i) => {
      const hit = this.rows.get(cacheKey(key));
      if (hit === undefined) missing.push(i);
      else result[i] = (hit === ABSENT ? undefined : hit) as V | undefined;
    });
    this.options.onRowCache?.(keys.length - missing.length, missing.length);
    if (missing.length === 0) return result;
    const unique = [...new Map(missing.map((i) => [cacheKey(keys[i] as K), keys[i] as K])).values()];
    const items = await this.batchGet(table, unique, read);
    const found = new Map<string, V>();
    for (const item of items) found.set(cacheKey(item as K), convert(item));
    for (const key of unique) {
      const k = cacheKey(key);
      this.rows.set(k, found.has(k) ? found.get(k) : ABSENT);
    }
    for (const i of missing) result[i] = found.get(cacheKey(keys[i] as K));
    return result;
  }

  /** BatchGetItem in chunks of 100, retrying UnprocessedKeys with backoff; throws when keys stay unprocessed. */
  private async batchGet(
    table: string,
    keys: readonly Record<string, string>[],
    read: Omit<KeysAndAttributes, 'Keys'> = {},
  ): Promise<Record<string, unknown>[]> {
    const maxAttempts = this.options.maxAttempts ?? 5;
    const baseDelayMs = this.options.baseDelayMs ?? 25;
    const chunks: Record<string, string>[][] = [];
    for (let i = 0; i < keys.length; i += BATCH_GET_LIMIT) chunks.push(keys.slice(i, i + BATCH_GET_LIMIT));
    const results = await Promise.all(
      chunks.map(async (chunk) => {
        const items: Record<string, unknown>[] = [];
        let pending: Record<string, unknown>[] = chunk;
        for (let attempt = 1; pending.length > 0; attempt++) {
          const out: BatchGetCommandOutput = await this.options.client.send(
            new BatchGetCommand({ RequestItems: { [table]: { ...read, Keys: pending } } }),
          );
          items.push(...((out.Responses?.[table] ?? []) as Record<string, unknown>[]));
          pending = (out.UnprocessedKeys?.[table]?.Keys ?? []) as Record<string, unknown>[];
          if (pending.length === 0) break;
          if (attempt >= maxAttempts) {
            throw new Error(
              `BatchGetItem on ${table}: ${pending.length} keys still unprocessed after ${attempt} attempts`,
            );
          }
          await this.sleep(Math.floor(this.random() * baseDelayMs * 2 ** (attempt - 1)));
        }
        return items;
      }),
    );
    return results.flat();
  }

  private async scanPopular(): Promise<readonly TrendingEntry[]> {
    const limit = this.options.popularScanLimit ?? 2000;
    const scored: TrendingEntry[] = [];
    let startKey: Record<string, unknown> | undefined;
    let read = 0;
    do {
      const out = await this.options.client.send(
        new ScanCommand({
          TableName: this.options.itemStatsTable,
          FilterExpression: '#bucket = :total',
          ExpressionAttributeNames: { '#bucket': 'bucket' },
          ExpressionAttributeValues: { ':total': 'TOTAL' },
          Limit: Math.min(1000, limit - read),
          ExclusiveStartKey: startKey,
        }),
      );
      read += out.ScannedCount ?? 0;
      for (const item of out.Items ?? []) {
        const score = num(item.purchases) * 5 + num(item.carts) * 3 + num(item.views);
        if (score > 0 && typeof item.itemId === 'string') {
          scored.push({
            itemId: item.itemId,
            score,
            ...(typeof item.category === 'string' ? { category: item.category } : {}),
          });
        }
      }
      startKey = out.LastEvaluatedKey;
    } while (startKey && read < limit);
    return scored.sort((a, b) => b.score - a.score || (a.itemId < b.itemId ? -1 : 1)).slice(0, 200);
  }
}

const ABSENT = Symbol('absent');

/**
 * The row cache: lru-cache keeps recency in preallocated index arrays, so a hit moves nothing in a Map (an LRU
 * on a Map's insertion order deletes and re-adds on every hit, and V8 then rebuilds the table every few
 * thousand hits: a millisecond-long copy and the collections its garbage brings). Capacity 0: off.
 */
class RowCache<V extends {}> {
  private readonly cache?: LRUCache<string, V | typeof ABSENT>;
  constructor(capacity: number) {
    // lru-cache takes whole numbers only; a configured 2.5 means 2 rows, below 1 none.
    const max = Math.floor(capacity);
    if (max >= 1) this.cache = new LRUCache({ max });
  }

  get(key: string): V | typeof ABSENT | undefined {
    return this.cache?.get(key, NO_OPTIONS);
  }

  set(key: string, value: V | typeof ABSENT | undefined): void {
    if (value !== undefined) this.cache?.set(key, value, NO_OPTIONS);
  }
}

/** One options object for every call: lru-cache's default parameter would allocate one per call. */
const NO_OPTIONS = {};

function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}
