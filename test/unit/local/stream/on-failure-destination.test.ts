/**
 * The on-failure destination of the local event source mapping (local/stream/on-failure-destination.ts):
 * what Lambda sends when it gives up on records. An SQS queue gets the invocation record (condition,
 * attempts, the batch's shard and sequence range); an S3 bucket gets the same record with the whole batch
 * as payload, under Lambda's key layout (the mapping's UUID, the shard, the date of the clock).
 */
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { KinesisStreamRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { failedBatchRecords, parseFailedBatch } from '../../../../lambdas/shared/failed-batch';
import { mappingUuid, OnFailureDestination } from '../../../../local/stream/on-failure-destination';

const record = (sequenceNumber: string, arrivalSeconds: number) =>
  ({
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: 'u1',
      sequenceNumber,
      data: Buffer.from('{}').toString('base64'),
      approximateArrivalTimestamp: arrivalSeconds,
    },
    eventSource: 'aws:kinesis',
    eventID: `shardId-000000000000:${sequenceNumber}`,
  }) as KinesisStreamRecord;

const records = [record('1001', 1_764_763_200), record('1002', 1_764_763_201.5)];
const at = new Date('2026-12-04T10:11:12.000Z');
const options = {
  mappingLogicalId: 'ConsumerMapping',
  functionId: 'ConsumerFunction',
  streamArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/events',
  now: () => at,
};
const giveUp = {
  shardId: 'shardId-000000000000',
  condition: 'RetryAttemptsExhausted',
  attempts: 3,
  message: 'boom',
} as const;

test('an SQS destination receives the invocation record with the batch metadata, not the records', async () => {
  const sqs = mockClient(SQSClient);
  sqs
    .on(SendMessageBatchCommand)
    .resolves({ Successful: [{ Id: '0', MessageId: 'm', MD5OfMessageBody: '' }] });
  const queue = {
    queue: { logicalId: 'Dlq', url: 'http://localhost/000000000000/dlq' },
    sqs: new SQSClient({}),
  };
  await new OnFailureDestination({ ...options, queue }).send(records, giveUp);

  const sent = sqs.commandCalls(SendMessageBatchCommand);
  expect(sent).toHaveLength(1);
  expect(sent[0]?.args[0].input.QueueUrl).toBe('http://localhost/000000000000/dlq');
  const body = JSON.parse(sent[0]?.args[0].input.Entries?.[0]?.MessageBody ?? '{}');
  expect(body).not.toHaveProperty('payload');
  expect(body.requestContext).toMatchObject({
    condition: 'RetryAttemptsExhausted',
    approximateInvokeCount: 3,
    functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:ConsumerFunction',
  });
  expect(body.responseContext.functionError).toBe('boom');
  expect(body.timestamp).toBe(at.toISOString());
  expect(body.KinesisBatchInfo).toEqual({
    shardId: 'shardId-000000000000',
    startSequenceNumber: '1001',
    endSequenceNumber: '1002',
    approximateArrivalOfFirstRecord: '2025-12-03T12:00:00.000Z',
    approximateArrivalOfLastRecord: '2025-12-03T12:00:01.500Z',
    batchSize: 2,
    streamArn: options.streamArn,
  });
  sqs.restore();
});

test("an S3 destination gets the record and the whole batch under Lambda's key layout", async () => {
  const s3 = mockClient(S3Client);
  s3.on(PutObjectCommand).resolves({});
  const bucket = { bucket: 'failed-batches', s3: new S3Client({}) };
  await new OnFailureDestination({ ...options, bucket }).send(records, giveUp);

  const puts = s3.commandCalls(PutObjectCommand);
  expect(puts).toHaveLength(1);
  const input = puts[0]?.args[0].input;
  expect(input?.Bucket).toBe('failed-batches');
  expect(input?.Key).toMatch(
    new RegExp(
      `^aws/lambda/${mappingUuid('ConsumerMapping')}/shardId-000000000000/2026/12/04/2026-12-04T10\\.11\\.12-[0-9a-f-]{36}$`,
    ),
  );
  const stored = parseFailedBatch(String(input?.Body));
  expect(stored.KinesisBatchInfo.batchSize).toBe(2);
  expect(failedBatchRecords(stored).map((r) => r.kinesis.sequenceNumber)).toEqual(['1001', '1002']);
  s3.restore();
});

test("the mapping's UUID is stable and shaped like Lambda's", () => {
  expect(mappingUuid('ConsumerMapping')).toMatch(
    /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
  );
  expect(mappingUuid('ConsumerMapping')).toBe(mappingUuid('ConsumerMapping'));
  expect(mappingUuid('OtherMapping')).not.toBe(mappingUuid('ConsumerMapping'));
});
