/**
 * What Firehose does to each record of a delivery before writing it: the `Lambda` processor (data
 * transformation) in batches of about 1 MB, then the conversion of the record (a canonical event, as JSON) to a
 * Parquet row, or a failed record for the error prefix with Firehose's error codes.
 */
import { randomUUID } from 'node:crypto';
import { type CanonicalEvent, CanonicalEventSchema } from '../../lambdas/shared/events';
import {
  type Invoke,
  LOCAL_ACCOUNT,
  LOCAL_REGION,
  type LocalDeliveryStream,
  type LocalStream,
} from '../topology';
import type { FailedRecord } from './writer';

/** A record read from the stream and not yet in the lake. */
export interface BufferedRecord {
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly data: Uint8Array;
  /** ApproximateArrivalTimestamp, epoch ms. */
  readonly arrivedAt: number;
  readonly bufferedAt: number;
}

/** Firehose's Lambda processor batches (BufferSizeInMBs default 1 MB): invocations stay below 6 MB. */
const TRANSFORM_BATCH_BYTES = 1024 * 1024;

export interface TransformOptions {
  readonly delivery: LocalDeliveryStream;
  readonly stream: LocalStream;
  /** Invokes the processor function; required when the delivery stream has one. */
  readonly invoke?: Invoke;
  readonly log?: (message: string) => void;
}

/**
 * Runs the `Lambda` processor as Firehose does, before partitioning and conversion: batches of about 1 MB,
 * `Ok` records continue with the returned data, `Dropped` ones end here, `ProcessingFailed` ones (and ids
 * the function did not answer for) go to the error prefix with their original data. A failing invocation
 * rejects the delivery, which is retried with the records kept (Firehose retries, then writes the whole
 * batch to `processing-failed`; locally it keeps retrying so the developer sees the error).
 */
export async function transformRecords(
  batch: readonly BufferedRecord[],
  options: TransformOptions,
): Promise<{ records: BufferedRecord[]; failed: FailedRecord[] }> {
  const { delivery, invoke } = options;
  if (!delivery.transformFunctionId) return { records: [...batch], failed: [] };
  if (!invoke) throw new Error(`delivery stream ${delivery.name} has a Lambda processor but no invoke`);
  const records: BufferedRecord[] = [];
  const failed: FailedRecord[] = [];
  let dropped = 0;
  for (const chunk of chunksOf(batch, TRANSFORM_BATCH_BYTES)) {
    const response = (await invoke(delivery.transformFunctionId, transformEvent(chunk, options))) as {
      records?: { recordId?: string; result?: string; data?: string }[];
    };
    const byId = new Map((response?.records ?? []).map((r) => [r.recordId, r]));
    chunk.forEach((record, index) => {
      const out = byId.get(String(index));
      const failure = (errorCode: string, errorMessage: string) =>
        failed.push({
          rawData: record.data,
          errorOutputType: 'processing-failed',
          errorCode,
          errorMessage,
          arrivalTimestamp: record.arrivedAt,
          sequenceNumber: record.sequenceNumber,
        });
      if (!out) failure('Lambda.MissingRecordId', `The function returned no result for record ${index}`);
      else if (out.result === 'Ok' && typeof out.data === 'string')
        records.push({ ...record, data: Buffer.from(out.data, 'base64') });
      else if (out.result === 'Dropped') dropped++;
      else if (out.result === 'ProcessingFailed')
        failure('Lambda.ProcessingFailed', 'The function marked the record as ProcessingFailed');
      else failure('Lambda.InvalidResult', `Invalid result '${String(out.result)}' for record ${index}`);
    });
  }
  if (dropped > 0)
    options.log?.(`lake delivery ${delivery.name}: ${dropped} records dropped by the processor`);
  return { records, failed };
}

/** The Firehose data-transformation event; record ids are the positions in the chunk. */
function transformEvent(chunk: readonly BufferedRecord[], options: TransformOptions): unknown {
  const arn = (service: string, resource: string) =>
    `arn:aws:${service}:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${resource}`;
  return {
    invocationId: randomUUID(),
    deliveryStreamArn: arn('firehose', `deliverystream/${options.delivery.name}`),
    sourceKinesisStreamArn: arn('kinesis', `stream/${options.stream.name}`),
    region: LOCAL_REGION,
    records: chunk.map((record, index) => ({
      recordId: String(index),
      approximateArrivalTimestamp: record.arrivedAt,
      data: Buffer.from(record.data).toString('base64'),
      kinesisRecordMetadata: {
        shardId: record.shardId,
        partitionKey: '',
        approximateArrivalTimestamp: record.arrivedAt,
        sequenceNumber: record.sequenceNumber,
        subsequenceNumber: 0,
      },
    })),
  };
}

/** Parses a record as Firehose's conversion would see it: JSON, then the canonical event schema. */
export function convertRecord(
  record: BufferedRecord,
  dynamicPartitioning: boolean,
): { event: CanonicalEvent } | { failure: FailedRecord } {
  const fail = (
    errorOutputType: FailedRecord['errorOutputType'],
    errorCode: string,
    errorMessage: string,
  ) => ({
    failure: {
      rawData: record.data,
      errorOutputType,
      errorCode,
      errorMessage,
      arrivalTimestamp: record.arrivedAt,
      sequenceNumber: record.sequenceNumber,
    },
  });
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(record.data).toString('utf8'));
  } catch (error) {
    // With dynamic partitioning the JQ partition-key query is what fails first on non-JSON data.
    return dynamicPartitioning
      ? fail(
          'processing-failed',
          'DynamicPartitioning.MetadataExtractionFailed',
          `Record is not valid JSON: ${message(error)}`,
        )
      : fail(
          'format-conversion-failed',
          'DataFormatConversion.MalformedData',
          `Record is not valid JSON: ${message(error)}`,
        );
  }
  const parsed = CanonicalEventSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join('.') || '(record)'}: ${i.message}`)
      .join('; ');
    return fail(
      'format-conversion-failed',
      'DataFormatConversion.MalformedData',
      `Not a canonical event: ${issues}`,
    );
  }
  return { event: parsed.data };
}

function chunksOf(records: readonly BufferedRecord[], maxBytes: number): BufferedRecord[][] {
  const chunks: BufferedRecord[][] = [];
  let current: BufferedRecord[] = [];
  let bytes = 0;
  for (const record of records) {
    if (current.length > 0 && bytes + record.data.length > maxBytes) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(record);
    bytes += record.data.length;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
