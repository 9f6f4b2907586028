/**
 * Where a local event source mapping sends the records it gives up on, in Lambda's own format: the
 * invocation record with the batch metadata (condition, attempts, sequence range). An SQS destination
 * receives the record; an S3 destination the record and the whole batch payload, under Lambda's key layout.
 */
import { createHash, randomUUID } from 'node:crypto';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { KinesisStreamRecord } from 'aws-lambda';
import {
  type FailedBatchRecord,
  type FailureCondition,
  failedBatchKey,
} from '../../lambdas/shared/failed-batch';
import { SqsQueueSink } from '../../lambdas/shared/queue-sink';
import type { LocalQueue } from '../topology';
import { LOCAL_ACCOUNT, LOCAL_REGION } from '../topology';

export interface OnFailureOptions {
  /** The mapping's logical id in the template: its UUID (and so the S3 keys) derive from it. */
  readonly mappingLogicalId: string;
  readonly functionId: string;
  readonly streamArn: string;
  /** An SQS on-failure destination, and the client that sends to it (the local SQS endpoint or moto). */
  readonly queue?: { readonly queue: LocalQueue; readonly sqs: SQSClient };
  /** An S3 on-failure destination, and the client that writes to it (the local S3 endpoint or moto). */
  readonly bucket?: { readonly bucket: string; readonly s3: S3Client };
  /** Clock of the records (their timestamp and key). @default () => new Date() */
  readonly now?: () => Date;
  readonly log?: (message: string) => void;
}

/** What a failed batch is sent with: which shard, why, after how many attempts, and the function's error. */
export interface GiveUp {
  readonly shardId: string;
  readonly condition: FailureCondition;
  readonly attempts: number;
  readonly message: string;
}

export class OnFailureDestination {
  constructor(private readonly options: OnFailureOptions) {}

  /** Sends the records to every configured destination; resolves once all of them have them. */
  async send(records: readonly KinesisStreamRecord[], giveUp: GiveUp): Promise<void> {
    const { shardId, condition, attempts, message } = giveUp;
    const { streamArn, queue, bucket } = this.options;
    const first = records[0] as KinesisStreamRecord;
    const last = records[records.length - 1] as KinesisStreamRecord;
    this.options.log?.(
      `${records.length} records of ${shardId} sent to the on-failure destination (${condition}): ${message}`,
    );
    const at = this.options.now?.() ?? new Date();
    const invocation: Omit<FailedBatchRecord, 'payload'> = {
      requestContext: {
        requestId: createHash('sha1').update(`${shardId}${first.kinesis.sequenceNumber}`).digest('hex'),
        functionArn: `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${this.options.functionId}`,
        condition,
        approximateInvokeCount: attempts,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: message },
      version: '1.0',
      timestamp: at.toISOString(),
      KinesisBatchInfo: {
        shardId,
        startSequenceNumber: first.kinesis.sequenceNumber,
        endSequenceNumber: last.kinesis.sequenceNumber,
        approximateArrivalOfFirstRecord: arrivalOf(first),
        approximateArrivalOfLastRecord: arrivalOf(last),
        batchSize: records.length,
        streamArn,
      },
    };
    if (queue) await new SqsQueueSink(queue.queue.url, () => queue.sqs).sendAll([invocation]);
    if (bucket) {
      // An S3 destination also gets the whole invocation payload, so the records themselves survive.
      const record: FailedBatchRecord = { ...invocation, payload: JSON.stringify({ Records: records }) };
      const key = failedBatchKey(mappingUuid(this.options.mappingLogicalId), shardId, at, randomUUID());
      // Through PutObject, as Lambda writes it (the local S3 endpoint or moto's).
      await bucket.s3.send(
        new PutObjectCommand({ Bucket: bucket.bucket, Key: key, Body: JSON.stringify(record) }),
      );
    }
  }
}

function arrivalOf(record: KinesisStreamRecord): string {
  return new Date(record.kinesis.approximateArrivalTimestamp * 1000).toISOString();
}

/** A stable UUID-shaped id for the mapping (Lambda's is random; ours derives from the logical id). */
export function mappingUuid(logicalId: string): string {
  const hex = createHash('sha1').update(logicalId).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
