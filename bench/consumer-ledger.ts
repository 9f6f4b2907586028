/**
 * What exactly-once costs in writes: the profile's event ledger and the shard progress (this design)
 * against the `seen` list it replaced, the user's last 100 [eventId, sequenceNumber] pairs (the baseline),
 * on the same events in the same run.
 *
 * - Default traffic: 10,000 simulator events (receivedAt = occurredAt, as the ingest API stamps them),
 *   batches of 500 on one shard, through the Lambda's own code on dynalite: FeatureUpdater,
 *   DynamoFeatureStore, DynamoShardProgress. Requests are counted by the adapters' hooks; every written
 *   profile is measured (bench/dynamo-item-size.ts).
 * - Baseline: computed from the same writes, not run: each written profile with the ledger, lastReceivedAt
 *   and the watermarks' arrival times taken out and the `seen` list the old fold would have written put
 *   in (the user's last 100 events up to that batch); the same profile and item-row requests, no progress
 *   writes. (The old fold also missed resends older than 100 events; that is not a cost, and not counted.)
 * - Producer retries: the same traffic with one batch in ten sent twice (a client resending after a
 *   503): events applied twice must be 0.
 * - A bot: one user sending an event every 14.4 s for 24 h (6,000 events, one per batch), where the ledger
 *   reaches its cap; in memory, profile sizes only.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { updaterOptionsFromEnv } from '../lambdas/consumer/consumer-config';
import { DynamoFeatureStore } from '../lambdas/consumer/dynamo-feature-store';
import { DynamoShardProgress } from '../lambdas/consumer/dynamo-shard-progress';
import { FeatureUpdater, type StreamRecord } from '../lambdas/consumer/feature-updater';
import { decodeWatermark } from '../lambdas/consumer/sequence';
import type { CanonicalEvent } from '../lambdas/shared/events';
import type { Profile } from '../lambdas/shared/profile-record';
import { startDynamo } from '../local/emulators';
import { records } from '../test/support/events';
import { createFeatureTables, localDocumentClient } from '../test/support/feature-tables';
import { InMemoryFeatureStore } from '../test/support/in-memory-feature-store';
import { itemSizeBytes, writeUnits } from './dynamo-item-size';
import { table } from './markdown';
import { round, summarize } from './stats';
import type { Benchmark } from './types';
import { canonicalEvents, countByType, SHARD_ID } from './workload';

const EVENTS = 10_000;
const BATCH_SIZE = 500;
const SEED = 42;
const SEEN_LIMIT = 100;
const BOT_EVENTS = 6_000;

/** The old stored form of a profile: `seen` instead of the ledger, bare watermarks, no lastReceivedAt. */
function baselineProfile(
  profile: Profile,
  seen: ReadonlyArray<readonly [string, string]>,
): Record<string, unknown> {
  const { ledger: _ledger, lastReceivedAt: _received, ...rest } = profile;
  const hwm = Object.fromEntries(
    Object.entries(profile.hwm).map(([shard, value]) => [shard, decodeWatermark(value)?.sequence]),
  );
  return { ...rest, hwm, seen: seen.slice(-SEEN_LIMIT) };
}

/** Per user, the [eventId, sequence] pairs the old fold would have remembered, in order. */
class SeenLists {
  private readonly lists = new Map<string, Array<readonly [string, string]>>();
  add(batch: readonly StreamRecord[]) {
    for (const r of batch) {
      const user = r.event.userId ?? `anon#${r.event.anonymousId}`;
      const list = this.lists.get(user) ?? [];
      list.push([r.event.eventId, r.sequenceNumber]);
      if (list.length > SEEN_LIMIT) list.shift();
      this.lists.set(user, list);
    }
  }
  of(user: string) {
    return this.lists.get(user) ?? [];
  }
}

interface WriteCosts {
  requests: { profile: number; item: number; progress: number; read: number };
  profileSizes: number[];
  baselineSizes: number[];
  ledgerBytes: number[];
  seenBytes: number[];
  applied: number;
  duplicates: number;
}

export const consumerLedgerBenchmark: Benchmark = {
  name: 'consumer-ledger',
  title: 'Exactly-once state: the event ledger against the last-100 `seen` list, per 1,000 events',
  async run({ log }) {
    const events = canonicalEvents(EVENTS, SEED).map((e) => ({ ...e, receivedAt: e.occurredAt }));
    const productViews = countByType(events).product_view ?? 0;
    const emulator = await startDynamo({});
    const client = localDocumentClient(emulator.endpoint);
    try {
      const run = async (prefix: string, batches: readonly StreamRecord[][]): Promise<WriteCosts> => {
        const tables = await createFeatureTables(client, prefix);
        const seen = new SeenLists();
        const costs: WriteCosts = {
          requests: { profile: 0, item: 0, progress: 0, read: 0 },
          profileSizes: [],
          baselineSizes: [],
          ledgerBytes: [],
          seenBytes: [],
          applied: 0,
          duplicates: 0,
        };
        const store = new DynamoFeatureStore(client, {
          profilesTable: tables.profiles,
          itemStatsTable: tables.items,
          onRequest: (kind) => {
            if (kind === 'read') costs.requests.read++;
          },
          onProfileWrite: (profile) => {
            costs.requests.profile++;
            const list = seen.of(profile.userId);
            costs.profileSizes.push(itemSizeBytes(profile));
            costs.baselineSizes.push(itemSizeBytes(baselineProfile(profile, list)));
            costs.ledgerBytes.push(profile.ledger?.byteLength ?? 0);
            costs.seenBytes.push(itemSizeBytes({ seen: list }));
          },
        });
        const progress = new DynamoShardProgress(client, tables.progress, (kind) => {
          if (kind === 'write') costs.requests.progress++;
          else costs.requests.read++;
        });
        const updater = new FeatureUpdater(store, updaterOptionsFromEnv(), progress);
        for (const batch of batches) {
          seen.add(batch);
          const outcome = await updater.process(batch, async () => undefined);
          if (outcome.failedFromIndex !== undefined)
            throw new Error(`batch failed: ${outcome.failureReason}`);
          costs.requests.item += outcome.itemWrites;
          costs.applied += outcome.applied;
          costs.duplicates += outcome.duplicates;
        }
        const views = await totalViews(client, tables.items);
        if (views !== productViews)
          throw new Error(`${views} views counted for ${productViews} product views`);
        return costs;
      };

      log(`consumer-ledger: ${EVENTS} events, batches of ${BATCH_SIZE}, on dynalite`);
      const plain = await run('Ledger', batchesOf(events));
      if (plain.applied !== EVENTS) throw new Error(`applied ${plain.applied} of ${EVENTS}`);
      log('consumer-ledger: the same events with one batch in ten sent twice');
      const withResends = await run('Resends', batchesOf(events, 10));
      const resent = Math.ceil(EVENTS / BATCH_SIZE / 10) * BATCH_SIZE;
      if (withResends.applied !== EVENTS || withResends.duplicates !== resent)
        throw new Error(
          `resends: applied ${withResends.applied}, duplicates ${withResends.duplicates} of ${resent}`,
        );
      log(`consumer-ledger: a bot, ${BOT_EVENTS} events in 24 h, at the default cap and at 1,024 entries`);
      const bot = await botSizes(updaterOptionsFromEnv().limits.ledgerMaxEntries);
      const botSmallCap = await botSizes(1024);

      const per1k = (n: number) => round((n * 1000) / EVENTS, 1);
      const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
      const ours = plain.requests;
      const oursWrites = ours.profile + ours.item + ours.progress;
      const baselineWrites = ours.profile + ours.item;
      const oursUnits = sum(plain.profileSizes.map(writeUnits)) + ours.item + ours.progress;
      const baselineUnits = sum(plain.baselineSizes.map(writeUnits)) + ours.item;
      const sizes = summarize(plain.profileSizes, 0);
      const baseSizes = summarize(plain.baselineSizes, 0);
      const ledger = summarize(plain.ledgerBytes, 0);
      const seenSizes = summarize(plain.seenBytes, 0);

      const markdown = [
        table(
          [
            'design',
            'write requests / 1,000 events',
            'write units / 1,000 events',
            'profile p50 B',
            'profile p99 B',
            'dedupe state p50 B',
            'dedupe state p99 B',
          ],
          [
            [
              '`seen`: last 100 pairs (baseline, same writes)',
              per1k(baselineWrites),
              per1k(baselineUnits),
              baseSizes.p50,
              baseSizes.p99,
              seenSizes.p50,
              seenSizes.p99,
            ],
            [
              'event ledger + shard progress (this design)',
              per1k(oursWrites),
              per1k(oursUnits),
              sizes.p50,
              sizes.p99,
              ledger.p50,
              ledger.p99,
            ],
          ],
        ),
        '',
        `Write requests: ${per1k(ours.profile)} profile + ${per1k(ours.item)} item-row + ${per1k(ours.progress)} shard-progress ` +
          `writes per 1,000 events (the progress costs 2 writes per invocation); write units ${round(oursUnits / baselineUnits, 2)}x the baseline's. ` +
          `With one batch in ten sent twice: ${withResends.duplicates} resent events skipped, 0 applied twice ` +
          `(views counted = ${productViews.toLocaleString('en-US')} product views).`,
        '',
        `A bot (one user, ${BOT_EVENTS.toLocaleString('en-US')} events in 24 h, each in its own batch, so one profile write per event):`,
        '',
        table(
          ['design', 'profile p50 B', 'profile max B', 'write units for its writes', 'vs baseline'],
          [
            ['`seen`: last 100 pairs (baseline)', bot.baseline.p50, bot.baseline.max, bot.baselineUnits, 1],
            [
              `event ledger, cap ${bot.maxEntries} (default)`,
              bot.ours.p50,
              bot.ours.max,
              bot.oursUnits,
              round(bot.oursUnits / bot.baselineUnits, 2),
            ],
            [
              `event ledger, cap ${botSmallCap.maxEntries}`,
              botSmallCap.ours.p50,
              botSmallCap.ours.max,
              botSmallCap.oursUnits,
              round(botSmallCap.oursUnits / bot.baselineUnits, 2),
            ],
          ],
        ),
        '',
        `Profile sizes estimated with DynamoDB's documented item-size rules; a profile write costs ⌈size / 1 KB⌉ ` +
          `units, an item-row or progress write 1 (they stay under 1 KB). ${EVENTS.toLocaleString('en-US')} events (seed ${SEED}), ` +
          `${Math.ceil(EVENTS / BATCH_SIZE)} batches of ${BATCH_SIZE}, one shard, ${plain.profileSizes.length} profile writes.`,
      ].join('\n');

      return {
        markdown,
        data: {
          events: EVENTS,
          batchSize: BATCH_SIZE,
          seed: SEED,
          requests: plain.requests,
          writesPer1000Events: { ours: per1k(oursWrites), baseline: per1k(baselineWrites) },
          writeUnitsPer1000Events: { ours: per1k(oursUnits), baseline: per1k(baselineUnits) },
          profileBytes: { ours: sizes, baseline: baseSizes },
          dedupeStateBytes: { ledger, seen: seenSizes },
          resends: {
            resentEvents: withResends.duplicates,
            appliedTwice: 0,
            writesPer1000Events: per1k(
              withResends.requests.profile + withResends.requests.item + withResends.requests.progress,
            ),
          },
          bot,
          botSmallCap,
        },
      };
    } finally {
      client.destroy();
      await emulator.stop();
    }
  },
};

/** Records as Kinesis delivers them to the Lambda: with their arrival time (about the event's receivedAt). */
function onStream(events: readonly CanonicalEvent[], firstSeq: number): StreamRecord[] {
  return records(events, SHARD_ID, firstSeq).map((r) => ({
    ...r,
    arrivedAt: Math.floor(Date.parse(r.event.receivedAt) / 1000),
  }));
}

/** Batches of one shard; with `resendEvery`, every n-th batch is followed by the same events on new records. */
function batchesOf(events: readonly CanonicalEvent[], resendEvery?: number): StreamRecord[][] {
  const out: StreamRecord[][] = [];
  let next = 1;
  for (let start = 0, n = 0; start < events.length; start += BATCH_SIZE, n++) {
    const slice = events.slice(start, start + BATCH_SIZE);
    out.push(onStream(slice, next));
    next += slice.length;
    if (resendEvery && n % resendEvery === 0) {
      out.push(onStream(slice, next));
      next += slice.length;
    }
  }
  return out;
}

async function totalViews(client: ReturnType<typeof localDocumentClient>, table: string): Promise<number> {
  let views = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
    for (const item of page.Items ?? [])
      if (item.bucket === 'TOTAL' && typeof item.views === 'number') views += item.views;
    start = page.LastEvaluatedKey;
  } while (start);
  return views;
}

/** Profile sizes of a bot, written once per event, against the baseline's. */
async function botSizes(maxEntries: number) {
  const store = new InMemoryFeatureStore();
  const defaults = updaterOptionsFromEnv();
  const options = { ...defaults, limits: { ...defaults.limits, ledgerMaxEntries: maxEntries } };
  const updater = new FeatureUpdater(store, options);
  const seen = new SeenLists();
  const ours: number[] = [];
  const baseline: number[] = [];
  const start = Date.UTC(2026, 10, 26);
  for (let i = 0; i < BOT_EVENTS; i++) {
    const at = new Date(start + i * 14_400).toISOString();
    const event: CanonicalEvent = {
      schemaVersion: 1,
      eventId: `bot-${i}`,
      type: 'product_view',
      userId: 'bot',
      itemId: `item-${i % 500}`,
      category: `c${i % 20}`,
      occurredAt: at,
      receivedAt: at,
    };
    const batch = onStream([event], i + 1);
    seen.add(batch);
    await updater.process(batch, async () => undefined);
    const profile = store.profiles.get('bot') as Profile;
    ours.push(itemSizeBytes(profile));
    baseline.push(itemSizeBytes(baselineProfile(profile, seen.of('bot'))));
  }
  const sum = (xs: number[]) => xs.reduce((a, b) => a + writeUnits(b), 0);
  return {
    maxEntries: options.limits.ledgerMaxEntries,
    ours: summarize(ours, 0),
    baseline: summarize(baseline, 0),
    oursUnits: sum(ours),
    baselineUnits: sum(baseline),
  };
}
