/**
 * The DynamoDB adapter on a real DynamoDB emulator (dynalite): the conditional expressions must be
 * accepted by DynamoDB (reserved words, nested watermark paths) and give the same exactly-once
 * results as the in-memory store the unit tests use, including a crash between writes.
 */
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoFeatureStore } from '../../lambdas/consumer/dynamo-feature-store';
import type { FeatureStorePort } from '../../lambdas/consumer/feature-store-port';
import { FeatureUpdater, type StreamRecord } from '../../lambdas/consumer/feature-updater';
import { DEFAULT_PROFILE_LIMITS } from '../../lambdas/consumer/profile';
import { type RunningEmulator, startDynamo } from '../../local/emulators';
import { records } from '../support/events';
import { createFeatureTables, localDocumentClient } from '../support/feature-tables';
import { simulatedCanonicalEvents } from '../support/simulated-events';

let emulator: RunningEmulator;
let client: DynamoDBDocumentClient;
let tables = 0;

beforeAll(async () => {
  emulator = await startDynamo({});
  client = localDocumentClient(emulator.endpoint);
});

afterAll(async () => {
  await emulator?.stop();
});

async function freshStore(): Promise<DynamoFeatureStore & { names: { profiles: string; items: string } }> {
  tables++;
  const names = await createFeatureTables(client, `T${tables}`);
  return Object.assign(
    new DynamoFeatureStore(client, { profilesTable: names.profiles, itemStatsTable: names.items }),
    {
      names,
    },
  );
}

/** Lets `budget` writes through, then fails every write, like a function that dies mid-batch. */
function crashingAfter(store: FeatureStorePort, budget: number): FeatureStorePort {
  let writes = 0;
  const guard = () => {
    if (writes++ >= budget) throw new Error('simulated crash');
  };
  return {
    getProfiles: (ids) => store.getProfiles(ids),
    getItemRows: (keys) => store.getItemRows(keys),
    putProfile: async (p, v) => {
      guard();
      return store.putProfile(p, v);
    },
    applyItemDelta: async (u) => {
      guard();
      return store.applyItemDelta(u);
    },
  };
}

const options = {
  limits: DEFAULT_PROFILE_LIMITS,
  itemBucketTtlSeconds: 3600,
  concurrency: 8,
  retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
  conflictAttempts: 3,
};
const apply = (store: FeatureStorePort, batch: readonly StreamRecord[]) =>
  new FeatureUpdater(store, options).process(batch, async () => undefined);

async function itemViews(store: { names: { items: string } }, itemId: string) {
  const out = await client.send(
    new GetCommand({ TableName: store.names.items, Key: { itemId, bucket: 'TOTAL' } }),
  );
  return out.Item?.views as number | undefined;
}

describe('DynamoFeatureStore on dynalite', () => {
  const batch = records(simulatedCanonicalEvents(300, 11));
  const viewed = batch.find((r) => r.event.type === 'product_view')?.event as { itemId: string };
  const expectedViews = batch.filter(
    (r) => r.event.type === 'product_view' && r.event.itemId === viewed.itemId,
  ).length;

  it('applies a batch, then ignores its replay', async () => {
    const store = await freshStore();
    const first = await apply(store, batch);
    expect(first.failedFromIndex).toBeUndefined();
    expect(await itemViews(store, viewed.itemId)).toBe(expectedViews);
    const replay = await apply(store, batch);
    expect(replay.profileWrites + replay.itemWrites).toBe(0);
    expect(await itemViews(store, viewed.itemId)).toBe(expectedViews);
  });

  it('applies later batches from another shard to existing rows', async () => {
    const store = await freshStore();
    await apply(store, batch);
    const second = records(
      batch.map((r) => ({ ...r.event, eventId: `${r.event.eventId}-again` })),
      'shardId-000000000007',
    );
    const outcome = await apply(store, second);
    expect(outcome.failedFromIndex).toBeUndefined();
    expect(await itemViews(store, viewed.itemId)).toBe(2 * expectedViews);
  });

  it('rides out DynamoDB throttling injected into the client and ends with exact counters', async () => {
    const store = await freshStore();
    // Wrap the real client: the first 6 requests fail as DynamoDB fails them under throttling.
    let throttled = 0;
    const throttling = Object.create(client) as DynamoDBDocumentClient;
    throttling.send = (async (command: unknown) => {
      if (throttled < 6) {
        throttled++;
        throw Object.assign(
          new Error('The level of configured provisioned throughput for the table was exceeded.'),
          {
            name: 'ProvisionedThroughputExceededException',
          },
        );
      }
      return client.send(command as never);
    }) as DynamoDBDocumentClient['send'];
    const throttledStore = new DynamoFeatureStore(throttling, {
      profilesTable: store.names.profiles,
      itemStatsTable: store.names.items,
    });
    const outcome = await new FeatureUpdater(throttledStore, {
      ...options,
      retry: { attempts: 10, baseDelayMs: 1, maxDelayMs: 5 },
    }).process(batch, async () => undefined);
    expect(throttled).toBe(6);
    expect(outcome.retries).toBe(6);
    expect(outcome.failedFromIndex).toBeUndefined();
    expect(await itemViews(store, viewed.itemId)).toBe(expectedViews);
  });

  it('ends with exact counters after a crash between the profile and item writes', async () => {
    const store = await freshStore();
    const crashed = await apply(crashingAfter(store, 20), batch);
    expect(crashed.failedFromIndex).toBeDefined();
    await apply(store, batch);
    expect(await itemViews(store, viewed.itemId)).toBe(expectedViews);
    const profile = await client.send(
      new GetCommand({ TableName: store.names.profiles, Key: { userId: batch[0]?.event.userId as string } }),
    );
    const count = batch.filter((r) => r.event.userId === batch[0]?.event.userId).length;
    const counts = profile.Item?.counts as Record<string, number>;
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(count);
  });
});
