/**
 * What the catalogue step costs a recommendation request (issue 17): the recommend function reads the
 * catalogue rows of its ranked candidates with one strongly consistent BatchGetItem per request (never
 * cached). Measured on the local DynamoDB emulator, in the same run:
 *
 * 1. the catalogue read as the API does it (DynamoRecommendationReads.catalogue, 10 candidates of 5,000
 *    catalogued items, 10% of them out of stock);
 * 2. the design it was weighed against: one GetItem of a compact "unavailable ids" item (500 ids);
 * 3. the baseline: a BatchGetItem of 10 neighbour lists of 50 entries, a read every request already makes
 *    when its neighbour lists are not cached yet.
 *
 * Latency is the emulator's (not DynamoDB's); read units are what DynamoDB charges (each item of a batch
 * rounded up to 4 KB, a strongly consistent read 1 unit per 4 KB, eventually consistent half), computed
 * from the items' JSON sizes (close to DynamoDB's item size for these string-and-number rows).
 */
import { BatchGetCommand, BatchWriteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoRecommendationReads } from '../lambdas/recommend/dynamo-reads';
import { PRICES } from '../local/cost/prices';
import { table } from './markdown';
import { rng } from './recommend-data';
import { runConcurrently } from './runtime-util';
import { round, summarize } from './stats';
import type { Benchmark } from './types';

const ITEMS = 5_000;
const CANDIDATES = 10;
const SAMPLES = 2_000;
const WARM_UP = 100;
const UNAVAILABLE_SET = 500;
const itemId = (i: number) => `item-${String(i).padStart(5, '0')}`;

export const catalogueReadBenchmark: Benchmark = {
  name: 'catalogue-read',
  title: 'Catalogue read per recommendation request',
  async run({ log, runtime: getRuntime }) {
    const runtime = await getRuntime();
    const random = rng(17);
    const items = runtime.tableName('Items');
    const similarities = runtime.tableName('Similarities');
    log(`catalogue-read: seeding ${ITEMS} catalogue rows and neighbour lists`);
    const rows = Array.from({ length: ITEMS }, (_, i) => ({
      itemId: itemId(i),
      title: `Item number ${i} with a title of ordinary length`,
      category: `cat-${i % 20}`,
      price: round(1 + random() * 99, 2),
      currency: 'EUR',
      availability: random() < 0.1 ? 'out_of_stock' : 'in_stock',
      updatedAt: new Date(0).toISOString(),
      attributes: { brand: `brand-${i % 50}`, colour: 'blue' },
    }));
    const lists = Array.from({ length: ITEMS }, (_, i) => ({
      itemId: itemId(i),
      version: 'bench-catalogue',
      neighbours: Array.from({ length: 50 }, (_, n) => ({
        itemId: itemId((i + n + 1) % ITEMS),
        score: round(1 - n / 50, 6),
        support: 3,
        category: `cat-${(i + n + 1) % 20}`,
      })),
    }));
    for (const [name, all] of [
      [items, rows],
      [similarities, lists],
    ] as const) {
      const batches: Array<Array<Record<string, unknown>>> = [];
      for (let i = 0; i < all.length; i += 25) batches.push(all.slice(i, i + 25));
      await runConcurrently(batches.length, 4, async (b) => {
        let pending = (batches[b] ?? []).map((Item) => ({ PutRequest: { Item } }));
        while (pending.length > 0) {
          const out = await runtime.dynamo.send(new BatchWriteCommand({ RequestItems: { [name]: pending } }));
          pending = (out.UnprocessedItems?.[name] ?? []) as typeof pending;
        }
      });
    }
    const unavailableIds = rows.filter((r) => r.availability !== 'in_stock').slice(0, UNAVAILABLE_SET);
    await runtime.dynamo.send(
      new PutCommand({
        TableName: items,
        Item: { itemId: '#unavailable', ids: new Set(unavailableIds.map((r) => r.itemId)) },
      }),
    );

    const reads = new DynamoRecommendationReads({
      client: runtime.dynamo,
      profilesTable: runtime.tableName('Profiles'),
      similaritiesTable: similarities,
      trendingTable: runtime.tableName('Trending'),
      jobRunsTable: runtime.tableName('JobRuns'),
      itemStatsTable: runtime.tableName('ItemStats'),
      itemsTable: items,
    });
    /** Distinct random candidates (a ranking never repeats an item). */
    const candidates = () => {
      const ids = new Set<string>();
      while (ids.size < CANDIDATES) ids.add(itemId(Math.floor(random() * ITEMS)));
      return [...ids];
    };

    const time = async (label: string, once: () => Promise<unknown>) => {
      log(`catalogue-read: ${label}`);
      for (let i = 0; i < WARM_UP; i++) await once();
      const samples: number[] = [];
      for (let i = 0; i < SAMPLES; i++) {
        const started = performance.now();
        await once();
        samples.push(performance.now() - started);
      }
      return summarize(samples, 3);
    };
    const catalogue = await time('catalogue BatchGetItem', () => reads.catalogue(candidates()));
    const set = await time('unavailable-set GetItem', () =>
      runtime.dynamo.send(
        new GetCommand({ TableName: items, Key: { itemId: '#unavailable' }, ConsistentRead: true }),
      ),
    );
    const neighbours = await time('neighbour-list BatchGetItem (baseline)', () =>
      runtime.dynamo.send(
        new BatchGetCommand({
          RequestItems: {
            [similarities]: { Keys: candidates().map((id) => ({ itemId: id, version: 'bench-catalogue' })) },
          },
        }),
      ),
    );

    // Read units as DynamoDB charges them, from the stored item sizes (the request's projection does not
    // reduce them: DynamoDB charges the whole item).
    const sizeOf = (item: unknown) => Buffer.byteLength(JSON.stringify(item));
    const units = (bytes: number, consistent: boolean) => Math.ceil(bytes / 4096) * (consistent ? 1 : 0.5);
    const meanRowBytes = rows.reduce((s, r) => s + sizeOf(r), 0) / rows.length;
    const perRequest = {
      catalogue: CANDIDATES * units(meanRowBytes, true),
      unavailableSet: units(sizeOf(unavailableIds.map((r) => r.itemId)), true),
      neighbours: CANDIDATES * units(sizeOf(lists[0]), false),
    };
    const dollarsPerMillion = (u: number) => round(u * PRICES.dynamodb.readRequestUnitsPerMillion, 2);

    const markdown = [
      table(
        ['read per request', 'p50 ms', 'p99 ms', 'read units', '$ per million requests (on-demand)'],
        [
          [
            `catalogue: BatchGetItem of ${CANDIDATES} candidates, consistent (shipped)`,
            catalogue.p50,
            catalogue.p99,
            perRequest.catalogue,
            dollarsPerMillion(perRequest.catalogue),
          ],
          [
            `compact set: GetItem of ${UNAVAILABLE_SET} unavailable ids, consistent`,
            set.p50,
            set.p99,
            perRequest.unavailableSet,
            dollarsPerMillion(perRequest.unavailableSet),
          ],
          [
            `baseline: BatchGetItem of ${CANDIDATES} neighbour lists (uncached)`,
            neighbours.p50,
            neighbours.p99,
            perRequest.neighbours,
            dollarsPerMillion(perRequest.neighbours),
          ],
        ],
      ),
      '',
      `${SAMPLES} sequential samples each after ${WARM_UP} warm-up calls, on the local DynamoDB emulator; ` +
        `catalogue rows of ${Math.round(meanRowBytes)} bytes. Ratio of the catalogue read to the baseline read ` +
        `(p50): ${round(catalogue.p50 / neighbours.p50, 2)}x.`,
    ].join('\n');
    return {
      markdown,
      data: {
        items: ITEMS,
        candidates: CANDIDATES,
        samples: SAMPLES,
        catalogue,
        set,
        neighbours,
        perRequest,
        meanRowBytes,
      },
    };
  },
};
