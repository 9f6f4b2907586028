/**
 * The fault-injecting proxies of local/faults (used by `npm run test:faults`), in front of the real emulators:
 * the SDK clients must see exactly what AWS sends when it throttles (a DynamoDB write answered
 * ProvisionedThroughputExceededException, PutRecords entries failed in place with FailedRecordCount), the
 * faulted work must not happen, and the rest must pass through untouched.
 */
import { CreateTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { KinesisPublisher } from '../../lambdas/ingest/kinesis-publisher';
import { type LocalEmulators, startEmulators } from '../../local/emulators';
import { FaultInjector, type FaultProxies, startFaultProxies } from '../../local/faults';

const config = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  requestHandler: new NodeHttpHandler(),
};

// The emulators RECOSTREAM_EMULATORS / RECOSTREAM_KINESIS name (kinesalite and dynalite by default).
let emulators: LocalEmulators;
let proxies: FaultProxies;
const injector = new FaultInjector();
let viaProxy: { dynamo: DynamoDBClient; kinesis: KinesisClient };
let direct: { dynamo: DynamoDBClient; kinesis: KinesisClient };

beforeAll(async () => {
  emulators = await startEmulators({});
  proxies = await startFaultProxies({ kinesis: emulators.kinesis, dynamodb: emulators.dynamodb }, injector);
  // One attempt: the test sees each answer of the proxy, not the SDK's retries.
  viaProxy = {
    dynamo: new DynamoDBClient({ ...config, endpoint: proxies.dynamodb, maxAttempts: 1 }),
    kinesis: new KinesisClient({ ...config, endpoint: proxies.kinesis, maxAttempts: 1 }),
  };
  direct = {
    dynamo: new DynamoDBClient({ ...config, endpoint: emulators.dynamodb }),
    kinesis: new KinesisClient({ ...config, endpoint: emulators.kinesis }),
  };
  for (const table of ['TestProfiles', 'TestJobRuns']) {
    await direct.dynamo.send(
      new CreateTableCommand({
        TableName: table,
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  }
});

afterAll(async () => {
  await proxies?.close();
  await emulators?.stop();
});

beforeEach(() => injector.setPlan({}));

const item = (id: string) => ({ id: { S: id } });

describe('DynamoDB throttling', () => {
  it('answers a throttled write as DynamoDB does, and the write does not happen', async () => {
    injector.setPlan({ dynamoThrottleShare: 1, dynamoThrottleTables: ['Profiles'] });
    const error = await viaProxy.dynamo
      .send(new PutItemCommand({ TableName: 'TestProfiles', Item: item('throttled') }))
      .then(
        () => undefined,
        (e: unknown) => e as Error & { $metadata: { httpStatusCode?: number } },
      );
    expect(error?.name).toBe('ProvisionedThroughputExceededException');
    expect(error?.message).toMatch(/provisioned throughput for the table was exceeded/);
    expect(error?.$metadata.httpStatusCode).toBe(400);
    const stored = await direct.dynamo.send(
      new GetItemCommand({ TableName: 'TestProfiles', Key: item('throttled') }),
    );
    expect(stored.Item).toBeUndefined();
    expect(injector.stats()).toMatchObject({ dynamoWrites: 1, dynamoThrottled: 1 });
  });

  it('lets reads and writes to other tables through', async () => {
    injector.setPlan({ dynamoThrottleShare: 1, dynamoThrottleTables: ['Profiles'] });
    await viaProxy.dynamo.send(new PutItemCommand({ TableName: 'TestJobRuns', Item: item('run-1') }));
    const read = await viaProxy.dynamo.send(
      new GetItemCommand({ TableName: 'TestJobRuns', Key: item('run-1') }),
    );
    expect(read.Item).toEqual(item('run-1'));
    expect(injector.stats().dynamoThrottled).toBe(0);
  });

  it('throttles about the planned share of writes, the same ones for the same seed', async () => {
    const throttledIds = async () => {
      injector.setPlan({ seed: 7, dynamoThrottleShare: 0.3 });
      const outcomes = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          viaProxy.dynamo.send(new PutItemCommand({ TableName: 'TestProfiles', Item: item(`u-${i}`) })).then(
            () => undefined,
            () => i,
          ),
        ),
      );
      return outcomes.filter((i) => i !== undefined);
    };
    const first = await throttledIds();
    expect(first.length).toBeGreaterThan(30);
    expect(first.length).toBeLessThan(90);
    expect(await throttledIds()).toEqual(first);
  });
});

describe('Kinesis PutRecords partial failures', () => {
  let shardIds: string[];

  beforeAll(async () => {
    await direct.kinesis.send(new CreateStreamCommand({ StreamName: 'fault-test', ShardCount: 2 }));
    const shards = await direct.kinesis.send(new ListShardsCommand({ StreamName: 'fault-test' }));
    shardIds = (shards.Shards ?? []).map((s) => s.ShardId as string);
  });

  /** eventIds on the stream, all shards, from the start. */
  async function streamEventIds(): Promise<string[]> {
    const ids: string[] = [];
    for (const shardId of shardIds) {
      const { ShardIterator } = await direct.kinesis.send(
        new GetShardIteratorCommand({
          StreamName: 'fault-test',
          ShardId: shardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      );
      const page = await direct.kinesis.send(new GetRecordsCommand({ ShardIterator, Limit: 10_000 }));
      for (const record of page.Records ?? [])
        ids.push((JSON.parse(Buffer.from(record.Data ?? []).toString()) as { eventId: string }).eventId);
    }
    return ids.sort();
  }

  const entry = (eventId: string) => ({
    PartitionKey: `user-${eventId}`,
    Data: Buffer.from(JSON.stringify({ eventId })),
  });

  it('fails the chosen entries in their places, stores the others, and counts the failures', async () => {
    injector.setPlan({ kinesisFailEventIds: { 'e-2': 1 } });
    const out = await viaProxy.kinesis.send(
      new PutRecordsCommand({ StreamName: 'fault-test', Records: ['e-1', 'e-2', 'e-3'].map(entry) }),
    );
    expect(out.FailedRecordCount).toBe(1);
    expect(out.Records).toEqual([
      expect.objectContaining({ SequenceNumber: expect.any(String), ShardId: expect.any(String) }),
      {
        ErrorCode: 'ProvisionedThroughputExceededException',
        ErrorMessage: expect.stringMatching(/^Rate exceeded for shard/),
      },
      expect.objectContaining({ SequenceNumber: expect.any(String), ShardId: expect.any(String) }),
    ]);
    expect(await streamEventIds()).toEqual(['e-1', 'e-3']);

    // 'e-2' fails only once: sent again, it is stored.
    const again = await viaProxy.kinesis.send(
      new PutRecordsCommand({ StreamName: 'fault-test', Records: [entry('e-2')] }),
    );
    expect(again.FailedRecordCount).toBe(0);
    expect(await streamEventIds()).toEqual(['e-1', 'e-2', 'e-3']);
  });

  it("lets the ingest API's publisher store every record exactly once through a share of failures", async () => {
    injector.setPlan({ seed: 3, kinesisRecordFailureShare: 0.3 });
    const publisher = new KinesisPublisher({
      streamName: 'fault-test',
      client: viaProxy.kinesis,
      maxAttempts: 12,
      baseDelayMs: 1,
      maxDelayMs: 4,
    });
    const ids = Array.from({ length: 60 }, (_, i) => `p-${String(i).padStart(2, '0')}`);
    const result = await publisher.publish(
      ids.map((id) => ({
        id,
        partitionKey: `user-${id}`,
        data: Buffer.from(JSON.stringify({ eventId: id })),
      })),
    );
    expect(result.failed).toEqual([]);
    expect(result.retriedRecords).toBe(injector.stats().recordsFailed);
    expect(injector.stats().recordsFailed).toBeGreaterThan(0);
    expect((await streamEventIds()).filter((id) => id.startsWith('p-'))).toEqual(ids);
  });
});

describe('holding a call', () => {
  it('lets `skip` matching calls through, then never answers one again, and reports the first', async () => {
    const held: string[] = [];
    const holding = new FaultInjector((description) => held.push(description));
    holding.setPlan({ holdDynamoWrite: { operation: 'PutItem', table: 'JobRuns', skip: 1 } });
    const own = await startFaultProxies(
      { kinesis: emulators.kinesis, dynamodb: emulators.dynamodb },
      holding,
    );
    const client = new DynamoDBClient({ ...config, endpoint: own.dynamodb, maxAttempts: 1 });
    try {
      await client.send(new PutItemCommand({ TableName: 'TestJobRuns', Item: item('first') }));
      const second = client.send(new PutItemCommand({ TableName: 'TestJobRuns', Item: item('second') }));
      const third = client.send(new PutItemCommand({ TableName: 'TestJobRuns', Item: item('third') }));
      second.catch(() => undefined);
      third.catch(() => undefined);
      await until(() => holding.stats().callsHeld === 2);
      expect(held).toEqual(['DynamoDB PutItem on TestJobRuns']);
      // Other calls go on while one is held, and the held write did not happen.
      const read = await client.send(new GetItemCommand({ TableName: 'TestJobRuns', Key: item('second') }));
      expect(read.Item).toBeUndefined();
      // Closing the proxy drops the held connection: the caller sees a network error, as when the process dies.
      await own.close();
      await expect(second).rejects.toThrow();
      await expect(third).rejects.toThrow();
    } finally {
      await own.close();
      client.destroy();
    }
  });
});

describe('holding PutRecords answers', () => {
  it('stores the first held call and holds later ones unstored, so a retry adds no copy', async () => {
    const held: string[] = [];
    const holding = new FaultInjector((description) => held.push(description));
    holding.setPlan({ holdPutRecordsAnswer: true });
    const own = await startFaultProxies(
      { kinesis: emulators.kinesis, dynamodb: emulators.dynamodb },
      holding,
    );
    const client = new KinesisClient({ ...config, endpoint: own.kinesis, maxAttempts: 1 });
    await direct.kinesis.send(new CreateStreamCommand({ StreamName: 'hold-test', ShardCount: 1 }));
    const put = (eventId: string) =>
      client.send(
        new PutRecordsCommand({
          StreamName: 'hold-test',
          Records: [{ PartitionKey: 'k', Data: Buffer.from(JSON.stringify({ eventId })) }],
        }),
      );
    try {
      const calls = [put('h-1'), put('h-2')];
      for (const call of calls) call.catch(() => undefined);
      await until(() => holding.stats().callsHeld === 2);
      expect(held).toEqual(['answer to PutRecords (records stored: 1)']);
      const shards = await direct.kinesis.send(new ListShardsCommand({ StreamName: 'hold-test' }));
      const { ShardIterator } = await direct.kinesis.send(
        new GetShardIteratorCommand({
          StreamName: 'hold-test',
          ShardId: shards.Shards?.[0]?.ShardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      );
      const page = await direct.kinesis.send(new GetRecordsCommand({ ShardIterator }));
      expect(page.Records).toHaveLength(1);
    } finally {
      await own.close();
      client.destroy();
    }
  });
});

/** Polls a condition (an upper bound, not a pace: it returns as soon as the condition holds). */
async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
