/**
 * The DynamoDB adapter on a real DynamoDB emulator (dynalite): the conditional expressions must be
 * accepted by DynamoDB (reserved words, nested watermark paths, per-shard gap attributes) and give the
 * same exactly-once results as the in-memory store the unit tests use, including a crash between
 * writes; a write DynamoDB refuses (ValidationException) must become a dead letter, not a stalled shard.
 */
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { dynamoProfileCheck } from '../../lambdas/canary/adapters';
import { DynamoFeatureStore } from '../../lambdas/consumer/dynamo-feature-store';
import { DynamoShardProgress } from '../../lambdas/consumer/dynamo-shard-progress';
import {
  type FeatureStorePort,
  InvalidWriteError,
  type ItemRowUpdate,
} from '../../lambdas/consumer/feature-store-port';
import { FeatureUpdater, type PoisonRecord, type StreamRecord } from '../../lambdas/consumer/feature-updater';
import { applyItemRowUpdate } from '../../lambdas/consumer/item-row-update';
import { DEFAULT_PROFILE_LIMITS, emptyProfile } from '../../lambdas/consumer/profile';
import { type RunningEmulator, startDynamoDb } from '../../local/emulators';
import { event, records } from '../support/events';
import { createFeatureTables, localDocumentClient } from '../support/feature-tables';
import { simulatedCanonicalEvents } from '../support/simulated-events';

let emulator: RunningEmulator;
let client: DynamoDBDocumentClient;
let tables = 0;

beforeAll(async () => {
  emulator = await startDynamoDb(); // dynalite, or moto with RECOSTREAM_EMULATORS=moto
  client = localDocumentClient(emulator.endpoint);
});

afterAll(async () => {
  await emulator?.stop();
});

async function freshStore(): Promise<
  DynamoFeatureStore & { names: { profiles: string; items: string; progress: string } }
> {
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

describe('DynamoFeatureStore: what DynamoDB refuses', () => {
  it('dead-letters the records of a profile over 400 KB instead of retrying the shard', async () => {
    const store = await freshStore();
    const longId = (i: number) => `${'x'.repeat(250)}-${i}`;
    // 2,000 recent interactions of 256-character item ids: far over DynamoDB's 400 KB item limit.
    const huge = Array.from({ length: 2000 }, (_, i) =>
      event({ type: 'product_view', userId: 'huge', itemId: longId(i) }),
    );
    const small = event({ type: 'product_view', userId: 'small', itemId: 'a' });
    const dead: PoisonRecord[] = [];
    const outcome = await new FeatureUpdater(store, {
      ...options,
      limits: { ...DEFAULT_PROFILE_LIMITS, recentInteractions: 5000 },
    }).process(records([...huge, small]), async (p) => {
      dead.push(...p);
    });
    expect(outcome.failedFromIndex).toBeUndefined();
    expect(dead).toHaveLength(2000);
    expect(dead[0]?.reason).toMatch(/profile huge refused by the feature store: .*size/i);
    const stored = await client.send(
      new GetCommand({ TableName: store.names.profiles, Key: { userId: 'small' } }),
    );
    expect(stored.Item?.counts).toEqual({ product_view: 1 });
  });

  it('turns a ValidationException into InvalidWriteError, and leaves other errors as they are', async () => {
    const store = await freshStore();
    const profile = { ...emptyProfile('u1'), version: 1, padding: 'x'.repeat(410 * 1024) };
    await expect(store.putProfile(profile, 0)).rejects.toBeInstanceOf(InvalidWriteError);
    const missing = new DynamoFeatureStore(client, {
      profilesTable: 'NoSuchTable',
      itemStatsTable: 'NoSuch',
    });
    await expect(missing.putProfile(emptyProfile('u1'), 0)).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });
});

describe('DynamoFeatureStore: stored shapes', () => {
  it('stores the event ledger as a binary attribute the freshness canary reads', async () => {
    const store = await freshStore();
    const view = event({ type: 'product_view', userId: 'u1', itemId: 'a' });
    await apply(store, records([view]));
    const stored = await client.send(
      new GetCommand({ TableName: store.names.profiles, Key: { userId: 'u1' } }),
    );
    expect(stored.Item?.ledger).toBeInstanceOf(Uint8Array);
    expect(stored.Item?.seen).toBeUndefined();
    const check = dynamoProfileCheck(client, store.names.profiles);
    expect([await check('u1', view.eventId), await check('u1', 'other')]).toEqual([true, false]);
  });

  it('reads the seen list of a profile written before the ledger, and drops it at the next write', async () => {
    const store = await freshStore();
    const old = event({ type: 'product_view', userId: 'u1', itemId: 'a' });
    const oldSequence = '49680571260839298515948819256549033104522770763200000001';
    await client.send(
      new PutCommand({
        TableName: store.names.profiles,
        Item: {
          ...emptyProfile('u1'),
          version: 1,
          counts: { product_view: 1 },
          lastEventAt: old.occurredAt,
          seen: [[old.eventId, oldSequence]],
        },
      }),
    );
    // The client resends the old event on a new record: recognised through the converted list.
    const resend = await apply(store, records([structuredClone(old)], 'shardId-000000000000', 5));
    expect(resend.duplicates).toBe(1);
    const stored = await client.send(
      new GetCommand({ TableName: store.names.profiles, Key: { userId: 'u1' } }),
    );
    expect(stored.Item?.seen).toBeUndefined();
    expect(stored.Item?.counts).toEqual({ product_view: 1 });
  });

  it('writes gap windows and drops expired shards the way the in-memory stores do', async () => {
    const store = await freshStore();
    const key = { itemId: 'a', bucket: 'TOTAL' };
    const first: ItemRowUpdate = {
      key,
      shardId: 'shardId-000000000000',
      expectedHwm: undefined,
      rowHasHwm: false,
      newHwm: '100@1000',
      delta: { views: 2 },
      lastEventAt: '2026-11-26T10:00:00.000Z',
    };
    const second: ItemRowUpdate = {
      key,
      shardId: 'shardId-000000000001',
      expectedHwm: undefined,
      rowHasHwm: true,
      newHwm: '7@900000',
      delta: { views: 1 },
      lastEventAt: '2026-11-26T11:00:00.000Z',
      gaps: [['', '5', 900000]],
      dropShards: [{ shardId: 'shardId-000000000000', expected: '100@1000' }],
    };
    expect(await store.applyItemDelta(first)).toBe(true);
    expect(
      await store.applyItemDelta({
        ...second,
        dropShards: [{ shardId: 'shardId-000000000000', expected: 'stale' }],
      }),
    ).toBe(false);
    expect(await store.applyItemDelta(second)).toBe(true);
    const [row] = (await store.getItemRows([key])).values();
    const inMemory = applyItemRowUpdate(applyItemRowUpdate(undefined, first), second);
    expect(row).toEqual({
      itemId: 'a',
      bucket: 'TOTAL',
      hwm: inMemory?.hwm,
      gaps: inMemory?.gaps,
      counts: inMemory?.counts,
      category: undefined,
      lastEventAt: inMemory?.lastEventAt,
    });
    expect(row?.hwm).toEqual({ 'shardId-000000000001': '7@900000' });
  });

  it('keeps the shard progress (consistent reads)', async () => {
    const store = await freshStore();
    const progress = new DynamoShardProgress(client, store.names.progress);
    expect(await progress.get('shardId-000000000000')).toBeUndefined();
    const written = {
      shardId: 'shardId-000000000000',
      from: '10',
      to: '20',
      done: false,
      gaps: [{ before: '10', at: 1234 }],
    };
    await progress.put(written);
    expect(await progress.get('shardId-000000000000')).toEqual(written);
  });
});
