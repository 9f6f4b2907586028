/**
 * The fault injector's middlewares on their own, with a stand-in `next` that records what reaches the
 * emulator: which writes are throttled, which PutRecords entries fail and where their errors go in the
 * result list, that draws are reproducible from the seed, and that holds never answer.
 */
import {
  type AwsJsonCall,
  type AwsJsonResponse,
  jsonResponse,
  responseJson,
} from '../../../../local/faults/aws-json-proxy';
import { FaultInjector } from '../../../../local/faults/fault-plan';

const ok = jsonResponse('1.0', 200, {});

function recorder() {
  const seen: AwsJsonCall[] = [];
  const next = async (call: AwsJsonCall): Promise<AwsJsonResponse> => {
    seen.push(call);
    if (call.operation !== 'PutRecords') return ok;
    const records = (call.input?.Records as unknown[]) ?? [];
    return jsonResponse('1.1', 200, {
      FailedRecordCount: 0,
      Records: records.map((_, i) => ({ SequenceNumber: `seq-${seen.length}-${i}`, ShardId: 'shardId-0' })),
    });
  };
  return { seen, next };
}

const update = (table: string, key: string): AwsJsonCall => ({
  operation: 'UpdateItem',
  input: { TableName: table, Key: { pk: { S: key } } },
});

const record = (eventId: string) => ({
  PartitionKey: eventId,
  Data: Buffer.from(JSON.stringify({ eventId })).toString('base64'),
});

const putRecords = (...eventIds: string[]): AwsJsonCall => ({
  operation: 'PutRecords',
  input: { StreamName: 'events', Records: eventIds.map(record) },
});

describe('DynamoDB throttling', () => {
  it('answers about the planned share of writes with ProvisionedThroughputExceededException and keeps them from the table', async () => {
    const faults = new FaultInjector();
    faults.setPlan({ seed: 7, dynamoThrottleShare: 0.3 });
    const { seen, next } = recorder();
    const answers = await Promise.all(
      Array.from({ length: 400 }, (_, i) => faults.dynamo(update('Profiles', `u${i}`), next)),
    );
    const throttled = answers.filter((a) => a.status === 400);
    expect(throttled.length).toBe(faults.stats().dynamoThrottled);
    expect(throttled.length).toBeGreaterThan(80);
    expect(throttled.length).toBeLessThan(160);
    expect(seen).toHaveLength(400 - throttled.length);
    expect(responseJson(throttled[0] as AwsJsonResponse)?.__type).toBe(
      'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
    );
    expect(throttled[0]?.headers['x-amzn-ErrorType']).toBe('ProvisionedThroughputExceededException');
  });

  it('draws the same calls again under the same seed, and a retry of a throttled write gets a fresh draw', async () => {
    const outcomes = async (seed: number) => {
      const faults = new FaultInjector();
      faults.setPlan({ seed, dynamoThrottleShare: 0.5 });
      const { next } = recorder();
      const first = [];
      for (let i = 0; i < 50; i++) first.push((await faults.dynamo(update('T', `k${i}`), next)).status);
      const retries = [];
      for (let i = 0; i < 50; i++) retries.push((await faults.dynamo(update('T', `k${i}`), next)).status);
      return { first, retries };
    };
    const a = await outcomes(3);
    expect(await outcomes(3)).toEqual(a);
    expect((await outcomes(4)).first).not.toEqual(a.first);
    expect(a.retries).not.toEqual(a.first);
  });

  it('throttles only the tables the plan names, and never reads', async () => {
    const faults = new FaultInjector();
    faults.setPlan({ dynamoThrottleShare: 1, dynamoThrottleTables: ['ItemStats'] });
    const { seen, next } = recorder();
    expect((await faults.dynamo(update('RecoStream-ItemStats-1', 'a'), next)).status).toBe(400);
    expect((await faults.dynamo(update('RecoStream-Profiles-1', 'a'), next)).status).toBe(200);
    const batch: AwsJsonCall = {
      operation: 'BatchWriteItem',
      input: { RequestItems: { 'RecoStream-ItemStats-1': [] } },
    };
    expect((await faults.dynamo(batch, next)).status).toBe(400);
    const read: AwsJsonCall = { operation: 'GetItem', input: { TableName: 'RecoStream-ItemStats-1' } };
    expect((await faults.dynamo(read, next)).status).toBe(200);
    expect(seen.map((c) => c.operation)).toEqual(['UpdateItem', 'GetItem']);
    expect(faults.stats()).toMatchObject({ dynamoWrites: 3, dynamoThrottled: 2 });
  });
});

describe('Kinesis PutRecords partial failures', () => {
  it('fails the planned eventIds the planned number of times, in their places of the result list', async () => {
    const faults = new FaultInjector();
    faults.setPlan({ kinesisFailEventIds: { e2: 2 } });
    const { seen, next } = recorder();

    const first = responseJson(await faults.kinesis(putRecords('e1', 'e2', 'e3'), next));
    expect(first?.FailedRecordCount).toBe(1);
    const results = first?.Records as Array<Record<string, string>>;
    expect(results.map((r) => r.ErrorCode ?? r.SequenceNumber)).toEqual([
      'seq-1-0',
      'ProvisionedThroughputExceededException',
      'seq-1-1',
    ]);
    expect(results[1]?.ErrorMessage).toContain('stream events');
    // Only e1 and e3 reached the stream.
    expect(seen[0]?.input?.Records).toEqual([record('e1'), record('e3')]);

    expect(responseJson(await faults.kinesis(putRecords('e2'), next))?.FailedRecordCount).toBe(1);
    expect(responseJson(await faults.kinesis(putRecords('e2'), next))?.FailedRecordCount).toBe(0);
    expect(faults.stats()).toMatchObject({ putRecordsCalls: 3, recordsSent: 5, recordsFailed: 2 });
  });

  it('answers a call whose every entry fails without calling the stream', async () => {
    const faults = new FaultInjector();
    faults.setPlan({ kinesisRecordFailureShare: 1 });
    const { seen, next } = recorder();
    const answer = responseJson(await faults.kinesis(putRecords('a', 'b'), next));
    expect(answer?.FailedRecordCount).toBe(2);
    expect(seen).toHaveLength(0);
  });

  it('passes other Kinesis calls through untouched', async () => {
    const faults = new FaultInjector();
    faults.setPlan({ kinesisRecordFailureShare: 1 });
    const { seen, next } = recorder();
    const call: AwsJsonCall = { operation: 'GetRecords', input: { ShardIterator: 'x' } };
    await faults.kinesis(call, next);
    expect(seen).toEqual([call]);
  });
});

describe('holds', () => {
  /** Resolves to 'held' when the answer has not come once every pending callback has run. */
  const settled = async (answer: Promise<AwsJsonResponse>) =>
    Promise.race([answer.then(() => 'answered'), new Promise((r) => setImmediate(() => r('held')))]);

  it('holds the chosen DynamoDB write after the skipped ones, and every later match, reporting the first', async () => {
    const reported: string[] = [];
    const faults = new FaultInjector((d) => reported.push(d));
    faults.setPlan({ holdDynamoWrite: { operation: 'UpdateItem', table: 'Profiles', skip: 1 } });
    const { seen, next } = recorder();
    expect(await settled(faults.dynamo(update('Profiles', 'a'), next))).toBe('answered');
    expect(await settled(faults.dynamo(update('Profiles', 'b'), next))).toBe('held');
    expect(await settled(faults.dynamo(update('Profiles', 'c'), next))).toBe('held');
    expect(await settled(faults.dynamo(update('ItemStats', 'd'), next))).toBe('answered');
    expect(seen).toHaveLength(2);
    expect(reported).toEqual(['DynamoDB UpdateItem on Profiles']);
    expect(faults.stats()).toMatchObject({ callsHeld: 2, held: reported });
  });

  it('stores the records of the first held PutRecords but never answers, and neither stores nor answers later calls', async () => {
    const faults = new FaultInjector();
    faults.setPlan({ holdPutRecordsAnswer: true });
    const { seen, next } = recorder();
    expect(await settled(faults.kinesis(putRecords('a', 'b'), next))).toBe('held');
    expect(await settled(faults.kinesis(putRecords('a', 'b'), next))).toBe('held');
    expect(seen).toHaveLength(1);
    expect(faults.stats().held).toEqual(['answer to PutRecords (records stored: 2)']);
  });

  it('starts again from zero when a new plan is set', async () => {
    const faults = new FaultInjector();
    faults.setPlan({ dynamoThrottleShare: 1 });
    const { next } = recorder();
    await faults.dynamo(update('T', 'a'), next);
    faults.setPlan({});
    expect(faults.stats()).toMatchObject({ dynamoWrites: 0, dynamoThrottled: 0, held: [] });
    expect((await faults.dynamo(update('T', 'a'), next)).status).toBe(200);
  });
});
