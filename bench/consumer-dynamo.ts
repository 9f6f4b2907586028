/**
 * The consumer through the DynamoDB emulator (dynalite, in this process), and its write
 * amplification against a naive one-write-per-event consumer on the same events:
 *
 * - ours: FeatureUpdater + DynamoFeatureStore (the Lambda's code and default options), batches of 500
 *   (the event source mapping's default), requests counted with the store's `onRequest` hook;
 * - naive: bench/naive-consumer.ts, every UpdateItem counted.
 *
 * Both start from empty tables; afterwards the all-time `views` counters of both are summed from a
 * scan and checked against the number of product views, so both really did the work they are
 * credited with.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { updaterOptionsFromEnv } from '../lambdas/consumer/consumer-config';
import { DynamoFeatureStore } from '../lambdas/consumer/dynamo-feature-store';
import { FeatureUpdater } from '../lambdas/consumer/feature-updater';
import type { CanonicalEvent } from '../lambdas/shared/events';
import { startDynamo } from '../local/emulators';
import { createFeatureTables, localDocumentClient } from '../test/support/feature-tables';
import { table } from './markdown';
import { NaiveConsumer } from './naive-consumer';
import { perSecond, round } from './stats';
import type { Benchmark } from './types';
import { canonicalEvents, countByType, streamBatches } from './workload';

const EVENTS = 10_000;
const BATCH_SIZE = 500;
const SEED = 42;
const WARM_UP_EVENTS = 2_000;
const TARGET_RATIO = 5;

interface Tables {
  readonly profiles: string;
  readonly items: string;
}

export const consumerDynamoBenchmark: Benchmark = {
  name: 'consumer-dynamo',
  title: 'Consumer on the DynamoDB emulator, and writes per 1,000 events against a naive consumer',
  async run({ log }) {
    const events = canonicalEvents(EVENTS, SEED);
    const warmUp = canonicalEvents(WARM_UP_EVENTS, SEED + 1);
    const productViews = countByType(events).product_view ?? 0;

    const emulator = await startDynamo({});
    const client = localDocumentClient(emulator.endpoint);
    try {
      const createTables = (prefix: string): Promise<Tables> => createFeatureTables(client, prefix);

      const runOurs = async (tables: Tables, input: readonly CanonicalEvent[]) => {
        const requests = { read: 0, write: 0 };
        const store = new DynamoFeatureStore(client, {
          profilesTable: tables.profiles,
          itemStatsTable: tables.items,
          onRequest: (kind) => {
            requests[kind]++;
          },
        });
        const updater = new FeatureUpdater(store, updaterOptionsFromEnv());
        const batches = streamBatches(input, BATCH_SIZE);
        let applied = 0;
        let conflicts = 0;
        let retries = 0;
        let profileWrites = 0;
        let itemWrites = 0;
        const started = performance.now();
        for (const batch of batches) {
          const outcome = await updater.process(batch, async () => undefined);
          if (outcome.failedFromIndex !== undefined)
            throw new Error(`batch failed: ${outcome.failureReason}`);
          applied += outcome.applied;
          conflicts += outcome.conflicts;
          retries += outcome.retries;
          profileWrites += outcome.profileWrites;
          itemWrites += outcome.itemWrites;
        }
        const ms = performance.now() - started;
        if (applied !== input.length) throw new Error(`applied ${applied} of ${input.length} events`);
        if (retries === 0 && profileWrites + itemWrites !== requests.write)
          throw new Error(
            `write requests ${requests.write} ≠ profile ${profileWrites} + item ${itemWrites} writes`,
          );
        return { ms, requests, profileWrites, itemWrites, conflicts, retries, batches: batches.length };
      };

      const runNaive = async (tables: Tables, input: readonly CanonicalEvent[]) => {
        const requests = { read: 0, write: 0 };
        const rows = { profile: 0, item: 0 };
        const naive = new NaiveConsumer(client, {
          profilesTable: tables.profiles,
          itemStatsTable: tables.items,
          onRequest: (kind, row) => {
            requests[kind]++;
            rows[row]++;
          },
        });
        const started = performance.now();
        await naive.process(input);
        return {
          ms: performance.now() - started,
          requests,
          profileWrites: rows.profile,
          itemWrites: rows.item,
        };
      };

      const totalViews = async (tables: Tables) => {
        let views = 0;
        let rows = 0;
        let start: Record<string, unknown> | undefined;
        do {
          const page = await client.send(
            new ScanCommand({ TableName: tables.items, ExclusiveStartKey: start }),
          );
          for (const item of page.Items ?? []) {
            rows++;
            if (item.bucket === 'TOTAL' && typeof item.views === 'number') views += item.views;
          }
          start = page.LastEvaluatedKey;
        } while (start);
        return { views, rows };
      };

      log(`consumer-dynamo: warm-up (${WARM_UP_EVENTS} events through each consumer)`);
      await runOurs(await createTables('WarmOurs'), warmUp);
      await runNaive(await createTables('WarmNaive'), warmUp);

      log(`consumer-dynamo: FeatureUpdater + DynamoFeatureStore over ${EVENTS} events`);
      const oursTables = await createTables('Ours');
      const ours = await runOurs(oursTables, events);
      log(`consumer-dynamo: naive consumer over the same ${EVENTS} events`);
      const naiveTables = await createTables('Naive');
      const naive = await runNaive(naiveTables, events);

      const oursCheck = await totalViews(oursTables);
      const naiveCheck = await totalViews(naiveTables);
      if (oursCheck.views !== productViews || naiveCheck.views !== productViews) {
        throw new Error(
          `view counters disagree: ${productViews} product views, ours ${oursCheck.views}, naive ${naiveCheck.views}`,
        );
      }

      const per1k = (n: number) => round((n * 1000) / EVENTS, 1);
      const oursWrites = per1k(ours.requests.write);
      const naiveWrites = per1k(naive.requests.write);
      const ratio = round(naive.requests.write / ours.requests.write, 1);
      const profileRatio = round(naive.profileWrites / ours.profileWrites, 1);
      const itemRatio = round(naive.itemWrites / ours.itemWrites, 1);
      const oursRate = round(perSecond(EVENTS, ours.ms), 0);
      const naiveRate = round(perSecond(EVENTS, naive.ms), 0);

      const markdown = [
        table(
          ['consumer', 'events', 'events/s', 'write requests', 'read requests', 'writes / 1,000 events'],
          [
            [
              'ours (FeatureUpdater + DynamoFeatureStore)',
              EVENTS,
              oursRate,
              ours.requests.write,
              ours.requests.read,
              oursWrites,
            ],
            [
              'naive (one write per event and item row)',
              EVENTS,
              naiveRate,
              naive.requests.write,
              0,
              naiveWrites,
            ],
          ],
        ),
        '',
        `Write reduction: **${ratio}x fewer** write requests per 1,000 events (target ≥ ${TARGET_RATIO}x: ` +
          `${ratio >= TARGET_RATIO ? 'met' : 'NOT met'}); profile writes ${profileRatio}x fewer, item-row ` +
          `writes ${itemRatio}x fewer.`,
        '',
        `dynalite on its own worker thread, same ${EVENTS.toLocaleString('en-US')} events (default simulator shape, seed ${SEED}) ` +
          `for both, each from empty tables after a ${WARM_UP_EVENTS.toLocaleString('en-US')}-event warm-up; ` +
          `ours in ${ours.batches} batches of ${BATCH_SIZE} with the Lambda's default options ` +
          `(${ours.conflicts} conflicts, ${ours.retries} retries). Check: both tables sum to ` +
          `${productViews.toLocaleString('en-US')} all-time views = product views sent.`,
      ].join('\n');

      return {
        markdown,
        data: {
          events: EVENTS,
          batchSize: BATCH_SIZE,
          seed: SEED,
          trafficShape: 'TrafficSimulator defaults (1000 users, 2000 items, 20 categories)',
          eventTypes: countByType(events),
          ours: {
            ms: round(ours.ms, 1),
            eventsPerSecond: oursRate,
            writeRequests: ours.requests.write,
            readRequests: ours.requests.read,
            profileWrites: ours.profileWrites,
            itemRowWrites: ours.itemWrites,
            writesPer1000Events: oursWrites,
            readsPer1000Events: per1k(ours.requests.read),
            conflicts: ours.conflicts,
            retries: ours.retries,
            itemRows: oursCheck.rows,
          },
          naive: {
            ms: round(naive.ms, 1),
            eventsPerSecond: naiveRate,
            writeRequests: naive.requests.write,
            readRequests: naive.requests.read,
            profileWrites: naive.profileWrites,
            itemRowWrites: naive.itemWrites,
            writesPer1000Events: naiveWrites,
            itemRows: naiveCheck.rows,
          },
          writeReduction: ratio,
          profileWriteReduction: profileRatio,
          itemRowWriteReduction: itemRatio,
          targetRatio: TARGET_RATIO,
          targetMet: ratio >= TARGET_RATIO,
          check: { productViews, oursTotalViews: oursCheck.views, naiveTotalViews: naiveCheck.views },
        },
      };
    } finally {
      client.destroy();
      await emulator.stop();
    }
  },
};
