/**
 * The object Lambda writes to an S3 on-failure destination when a Kinesis event source mapping gives up on
 * a batch: its invocation record (what failed, when, which records) plus the whole invocation payload.
 * One home for the shape: the local event source mapping (local/stream/esm-poller.ts) writes it, and
 * `recostream dlq replay` (local/tools/dlq-replay.ts) reads it, from the local bucket folder or from S3.
 *
 * Key: `aws/lambda/<mapping UUID>/<shardId>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<random UUID>`.
 * `payload` is the invocation event, `{"Records": [...]}`, as a JSON string; a reader also accepts it as
 * an object (LocalStack writes it that way).
 */
import type { KinesisStreamRecord } from 'aws-lambda';

export const FAILED_BATCH_KEY_PREFIX = 'aws/lambda/';

export type FailureCondition = 'RetryAttemptsExhausted' | 'RecordAgeExceeded';

export interface KinesisBatchInfo {
  readonly shardId: string;
  readonly startSequenceNumber: string;
  readonly endSequenceNumber: string;
  readonly approximateArrivalOfFirstRecord: string;
  readonly approximateArrivalOfLastRecord: string;
  readonly batchSize: number;
  readonly streamArn: string;
}

export interface FailedBatchRecord {
  readonly requestContext: {
    readonly requestId: string;
    readonly functionArn: string;
    readonly condition: FailureCondition;
    readonly approximateInvokeCount: number;
  };
  readonly responseContext: {
    readonly statusCode: number;
    readonly executedVersion: string;
    readonly functionError?: string;
  };
  readonly version: '1.0';
  readonly timestamp: string;
  readonly KinesisBatchInfo: KinesisBatchInfo;
  readonly payload: string | { readonly Records: readonly KinesisStreamRecord[] };
}

/** `aws/lambda/<mapping UUID>/<shardId>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<uuid>`, as Lambda names it. */
export function failedBatchKey(mappingUuid: string, shardId: string, at: Date, uuid: string): string {
  const iso = at.toISOString();
  const day = iso.slice(0, 10);
  const time = iso.slice(11, 19).replaceAll(':', '.');
  return `${FAILED_BATCH_KEY_PREFIX}${mappingUuid}/${shardId}/${day.replaceAll('-', '/')}/${day}T${time}-${uuid}`;
}

/** The records of a failed-batch object; throws with the reason when it is not one. */
export function failedBatchRecords(record: FailedBatchRecord): readonly KinesisStreamRecord[] {
  const payload =
    typeof record.payload === 'string' ? (JSON.parse(record.payload) as unknown) : record.payload;
  const records = (payload as { Records?: unknown } | undefined)?.Records;
  if (!Array.isArray(records)) throw new Error('payload has no Records array');
  for (const [i, r] of records.entries()) {
    const kinesis = (r as Partial<KinesisStreamRecord> | undefined)?.kinesis;
    if (typeof kinesis?.sequenceNumber !== 'string' || typeof kinesis.data !== 'string')
      throw new Error(`Records[${i}] is not a Kinesis record (kinesis.sequenceNumber and kinesis.data)`);
  }
  return records as KinesisStreamRecord[];
}

/** Parses an object's text; throws with the reason when it is not a failed-batch record. */
export function parseFailedBatch(text: string): FailedBatchRecord {
  const value = JSON.parse(text) as Partial<FailedBatchRecord>;
  if (typeof value !== 'object' || value === null || !value.KinesisBatchInfo || value.payload === undefined)
    throw new Error('not a Kinesis on-failure invocation record (no KinesisBatchInfo or payload)');
  return value as FailedBatchRecord;
}
