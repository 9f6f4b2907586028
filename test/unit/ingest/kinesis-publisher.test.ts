/**
 * Kinesis publisher against a mocked KinesisClient: PutRecords batches stay within 500 records and 5 MiB
 * (data + partition key), ONLY failed records are resent (per-record ErrorCode or a failed call), backoff
 * is exponential with full jitter and bounded by attempts and a time budget, non-retryable errors are not
 * retried, and whatever still fails comes back record by record so the API can name what to resend.
 */
import {
  KinesisClient,
  KinesisServiceException,
  ProvisionedThroughputExceededException,
  PutRecordsCommand,
  type PutRecordsCommandInput,
  ResourceNotFoundException,
} from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import {
  backoffDelay,
  chunkRecords,
  isRetryableError,
  KinesisPublisher,
  type KinesisPublisherOptions,
  MAX_BYTES_PER_CALL,
  type PublishRecord,
  recordBytes,
} from '../../../lambdas/ingest/kinesis-publisher';

const kinesis = mockClient(KinesisClient);
const client = new KinesisClient({ region: 'eu-west-1' });

function record(id: string, partitionKey = 'user-1', size = 20): PublishRecord {
  return { id, partitionKey, data: Buffer.alloc(size, id) };
}

function records(n: number, size = 20): PublishRecord[] {
  return Array.from({ length: n }, (_, i) => record(`r${i}`, `user-${i % 7}`, size));
}

const sleeps: number[] = [];
function publisher(options: Partial<KinesisPublisherOptions> = {}) {
  return new KinesisPublisher({
    streamName: 'events',
    client,
    random: () => 0.5,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...options,
  });
}

function sentIds(callIndex: number): string[] {
  const input = kinesis.commandCalls(PutRecordsCommand)[callIndex]!.args[0].input as PutRecordsCommandInput;
  return (input.Records ?? []).map((r) => Buffer.from(r.Data!).toString('utf8').slice(0, 2));
}

const ok = (n: number) => ({
  FailedRecordCount: 0,
  Records: Array.from({ length: n }, () => ({ SequenceNumber: '1', ShardId: 's' })),
});
const throttled = { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded' };

beforeEach(() => {
  kinesis.reset();
  sleeps.length = 0;
});

describe('chunkRecords', () => {
  it('splits by 500 records', () => {
    expect(chunkRecords(records(1201)).map((c) => c.length)).toEqual([500, 500, 201]);
  });

  it('splits by 5 MiB counting data and partition key bytes', () => {
    const big = Array.from({ length: 12 }, (_, i) => record(`b${i}`, 'pk', 1_048_000));
    const chunks = chunkRecords(big);
    expect(chunks.map((c) => c.length)).toEqual([5, 5, 2]);
    for (const chunk of chunks) {
      expect(chunk.reduce((sum, r) => sum + recordBytes(r), 0)).toBeLessThanOrEqual(MAX_BYTES_PER_CALL);
    }
  });

  it('fills a batch to exactly 5 MiB and no further', () => {
    const half = MAX_BYTES_PER_CALL / 2;
    const exact = [record('a', 'k', half - 1), record('b', 'k', half - 1), record('c', 'k', 1)];
    expect(chunkRecords(exact).map((c) => c.map((r) => r.id))).toEqual([['a', 'b'], ['c']]);
    // Multi-byte partition keys count in bytes.
    expect(recordBytes(record('x', 'é', 10))).toBe(12);
  });
});

describe('backoffDelay', () => {
  it('doubles up to the cap, scaled by the jitter draw', () => {
    const top = () => 0.999999;
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, 50, 1000, top))).toEqual([49, 99, 199, 399, 799]);
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, 400, 1000, top))).toEqual([399, 799, 999, 999]);
    expect(backoffDelay(3, 50, 1000, () => 0)).toBe(0);
  });
});

describe('KinesisPublisher', () => {
  it('sends 1201 records in three calls of at most 500', async () => {
    kinesis.on(PutRecordsCommand).callsFake((input: PutRecordsCommandInput) => ok(input.Records!.length));
    const result = await publisher().publish(records(1201));
    expect(result).toEqual({ failed: [], retriedRecords: 0, calls: 3 });
    expect(kinesis.commandCalls(PutRecordsCommand).map((c) => c.args[0].input.Records?.length)).toEqual([
      500, 500, 201,
    ]);
    expect(kinesis).toHaveReceivedCommandWith(PutRecordsCommand, { StreamName: 'events' });
  });

  it('sends 6 MiB of records in two calls within 5 MiB', async () => {
    kinesis.on(PutRecordsCommand).callsFake((input: PutRecordsCommandInput) => ok(input.Records!.length));
    await publisher().publish(Array.from({ length: 6 }, (_, i) => record(`m${i}`, 'pk', 1024 * 1024)));
    const sizes = kinesis
      .commandCalls(PutRecordsCommand)
      .map((c) =>
        (c.args[0].input.Records ?? []).reduce((s, r) => s + r.Data!.byteLength + r.PartitionKey!.length, 0),
      );
    expect(sizes).toHaveLength(2);
    for (const size of sizes) expect(size).toBeLessThanOrEqual(MAX_BYTES_PER_CALL);
  });

  it('resends only the records that failed, in their original order', async () => {
    kinesis
      .on(PutRecordsCommand)
      .resolvesOnce({
        FailedRecordCount: 2,
        Records: [{ SequenceNumber: '1' }, throttled, { SequenceNumber: '2' }, throttled],
      })
      .resolvesOnce(ok(2));
    const batch = [record('r0'), record('r1'), record('r2'), record('r3')];
    const result = await publisher().publish(batch);
    expect(result).toEqual({ failed: [], retriedRecords: 2, calls: 2 });
    expect(sentIds(0)).toEqual(['r0', 'r1', 'r2', 'r3']);
    expect(sentIds(1)).toEqual(['r1', 'r3']);
    expect(sleeps).toEqual([25]); // 0.5 × min(1000, 50)
  });

  it('retries a throttled call as a whole', async () => {
    kinesis
      .on(PutRecordsCommand)
      .rejectsOnce(
        new ProvisionedThroughputExceededException({
          message: 'slow down',
          $metadata: { httpStatusCode: 400 },
        }),
      )
      .resolvesOnce(ok(3));
    const result = await publisher().publish(records(3));
    expect(result).toMatchObject({ failed: [], retriedRecords: 3, calls: 2 });
  });

  it('retries transport errors (no HTTP status)', async () => {
    const reset = Object.assign(new Error('socket hang up'), { name: 'Error', code: 'ECONNRESET' });
    kinesis.on(PutRecordsCommand).rejectsOnce(reset).resolvesOnce(ok(1));
    expect((await publisher().publish(records(1))).failed).toEqual([]);
  });

  it('does not retry a client fault such as a missing stream', async () => {
    kinesis.on(PutRecordsCommand).rejects(
      new ResourceNotFoundException({
        message: 'Stream events not found',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const result = await publisher().publish(records(2));
    expect(result.calls).toBe(1);
    expect(result.failed.map((f) => [f.record.id, f.errorCode])).toEqual([
      ['r0', 'ResourceNotFoundException'],
      ['r1', 'ResourceNotFoundException'],
    ]);
  });

  it('gives up after maxAttempts with exponential, jittered sleeps and returns exactly what failed', async () => {
    kinesis.on(PutRecordsCommand).callsFake((input: PutRecordsCommandInput) => ({
      FailedRecordCount: 1,
      Records: input.Records!.map((r) =>
        Buffer.from(r.Data!).toString().startsWith('r1') ? throttled : { SequenceNumber: '1' },
      ),
    }));
    const retries: number[] = [];
    const result = await publisher({ onRetry: (info) => retries.push(info.attempt) }).publish(records(3));
    expect(result.calls).toBe(5);
    expect(result.retriedRecords).toBe(4);
    expect(result.failed).toEqual([
      {
        record: expect.objectContaining({ id: 'r1' }),
        errorCode: 'ProvisionedThroughputExceededException',
        errorMessage: 'Rate exceeded',
      },
    ]);
    expect(sleeps).toEqual([25, 50, 100, 200]);
    expect(retries).toEqual([1, 2, 3, 4]);
  });

  it('stops retrying when the time budget would be exceeded', async () => {
    let clock = 0;
    kinesis.on(PutRecordsCommand).callsFake(() => {
      clock += 400; // each call takes 400 ms
      return { FailedRecordCount: 1, Records: [throttled] };
    });
    const result = await publisher({ budgetMs: 1000, now: () => clock }).publish(records(1));
    // After two 400 ms calls, 800 + 50 ms backoff + a 400 ms call would end past the 1000 ms budget.
    expect(result.calls).toBe(2);
    expect(result.failed).toHaveLength(1);
  });

  it('finishes a batch, retries included, before sending the next one', async () => {
    kinesis
      .on(PutRecordsCommand)
      .resolvesOnce({ FailedRecordCount: 1, Records: [throttled, { SequenceNumber: '1' }] })
      .resolves(ok(2));
    await publisher({ maxRecordsPerCall: 2 }).publish([
      record('a1'),
      record('a2'),
      record('b1'),
      record('b2'),
    ]);
    expect([0, 1, 2].map(sentIds)).toEqual([['a1', 'a2'], ['a1'], ['b1', 'b2']]);
  });

  it('does not call Kinesis for an empty list', async () => {
    expect(await publisher().publish([])).toEqual({ failed: [], retriedRecords: 0, calls: 0 });
    expect(kinesis).not.toHaveReceivedCommand(PutRecordsCommand);
  });
});

describe('isRetryableError', () => {
  it.each([
    [
      'throttling by name',
      Object.assign(new Error('x'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } }),
      true,
    ],
    [
      '5xx',
      new KinesisServiceException({ name: 'Boom', $fault: 'server', $metadata: { httpStatusCode: 500 } }),
      true,
    ],
    ['no status', new Error('timeout'), true],
    [
      '403',
      Object.assign(new Error('no'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 403 } }),
      false,
    ],
  ])('%s -> %s', (_label, error, expected) => expect(isRetryableError(error)).toBe(expected));
});
