/**
 * Publishes records to Kinesis with PutRecords: batches of at most 500 records and 5 MiB (data plus
 * partition key bytes, as Kinesis counts them), retrying ONLY what failed, with exponential backoff and
 * full jitter, inside a time budget well under the Lambda timeout. What still fails is returned, record
 * by record, for the caller to report (the ingest API answers 503 with the exact list to resend).
 *
 * Per-user order. Batches go out one after another and a batch's retries finish before the next batch
 * starts, so a retry never overtakes a later batch. Inside one PutRecords call, however, Kinesis may reject
 * one record of a user and accept a later one of the same user; the resend then lands after it. We accept
 * that rather than fall back to one PutRecord per user with SequenceNumberForOrdering (a round trip per
 * event), because nothing downstream depends on arrival order within a user: the consumer aggregates by
 * the event's own `occurredAt`, the lake partitions by event time, and client SDKs already reorder when
 * they retry. Resends keep their eventId, so consumers de-duplicate them.
 */
import { type KinesisClient, PutRecordsCommand, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { kinesisClient } from '../shared/aws-clients';

export const MAX_RECORDS_PER_CALL = 500;
export const MAX_BYTES_PER_CALL = 5 * 1024 * 1024;

export interface PublishRecord {
  /** Identifies the record in failures; the canonical event's eventId. */
  readonly id: string;
  readonly partitionKey: string;
  readonly data: Uint8Array;
}

export interface PublishFailure {
  readonly record: PublishRecord;
  /** Kinesis per-record ErrorCode, or the name of the error that failed the whole call. */
  readonly errorCode: string;
  readonly errorMessage?: string;
}

export interface PublishResult {
  /** Records Kinesis did not take, after all retries; empty on full success. */
  readonly failed: readonly PublishFailure[];
  /** Records resent (a record resent twice counts twice): the KinesisRetries metric. */
  readonly retriedRecords: number;
  /** PutRecords calls made, first attempts and retries. */
  readonly calls: number;
}

/** The port the ingest handler publishes through; tests pass fakes. */
export interface EventPublisher {
  publish(records: readonly PublishRecord[]): Promise<PublishResult>;
}

export interface RetryInfo {
  /** 1 for the first retry. */
  readonly attempt: number;
  readonly records: number;
  readonly delayMs: number;
  /** Error codes seen, with counts, e.g. { ProvisionedThroughputExceededException: 3 }. */
  readonly errorCodes: Readonly<Record<string, number>>;
}

export interface KinesisPublisherOptions {
  readonly streamName: string;
  /** @default the shared module-scope client from aws-clients (honours AWS_ENDPOINT_URL) */
  readonly client?: KinesisClient;
  /** First backoff ceiling. @default 50 */
  readonly baseDelayMs?: number;
  /** Largest backoff ceiling. @default 1000 */
  readonly maxDelayMs?: number;
  /** Calls per batch, the first included. @default 5 (so at most 50+100+200+400 ms of sleep) */
  readonly maxAttempts?: number;
  /**
   * Time budget for one publish(), in ms: a retry starts only if its backoff plus the slowest call so far
   * is expected to end within this much time from the start. Keep it well under the Lambda timeout (and
   * API Gateway's 29 s). @default 5000
   */
  readonly budgetMs?: number;
  /** @default MAX_RECORDS_PER_CALL */
  readonly maxRecordsPerCall?: number;
  /** @default MAX_BYTES_PER_CALL */
  readonly maxBytesPerCall?: number;
  readonly onRetry?: (info: RetryInfo) => void;
  /** Injected for tests. @default Math.random */
  readonly random?: () => number;
  /** Injected for tests. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Injected for tests. @default Date.now */
  readonly now?: () => number;
}

/** Bytes Kinesis counts against the 5 MiB request limit: data plus partition key (UTF-8). */
export function recordBytes(record: PublishRecord): number {
  return record.data.byteLength + Buffer.byteLength(record.partitionKey, 'utf8');
}

/** Splits records, in order, into batches within the count and byte limits. */
export function chunkRecords(
  records: readonly PublishRecord[],
  maxRecords = MAX_RECORDS_PER_CALL,
  maxBytes = MAX_BYTES_PER_CALL,
): PublishRecord[][] {
  const chunks: PublishRecord[][] = [];
  let current: PublishRecord[] = [];
  let currentBytes = 0;
  for (const record of records) {
    const size = recordBytes(record);
    if (current.length > 0 && (current.length >= maxRecords || currentBytes + size > maxBytes)) {
      chunks.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(record);
    currentBytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** Full jitter (AWS Architecture Blog, "Exponential Backoff and Jitter"): uniform in [0, min(cap, base·2^n)). */
export function backoffDelay(retry: number, baseMs: number, capMs: number, random: () => number): number {
  return Math.floor(random() * Math.min(capMs, baseMs * 2 ** (retry - 1)));
}

const RETRYABLE_ERROR_NAMES: ReadonlySet<string> = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'LimitExceededException',
  'KMSThrottlingException',
  'InternalFailure',
  'InternalFailureException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
]);

/**
 * Whether a failed PutRecords call is worth repeating: throttling, server faults and transport errors
 * (no HTTP status: connection reset, timeout, DNS) are; client faults such as a missing stream or
 * missing permission are not, and are reported at once.
 */
export function isRetryableError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return true;
  const e = error as { name?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number } };
  if ((e.name && RETRYABLE_ERROR_NAMES.has(e.name)) || e.$retryable) return true;
  const status = e.$metadata?.httpStatusCode;
  if (status === undefined) return true;
  return status === 429 || status >= 500;
}

export class KinesisPublisher implements EventPublisher {
  private readonly client: KinesisClient;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxAttempts: number;
  private readonly budgetMs: number;
  private readonly maxRecordsPerCall: number;
  private readonly maxBytesPerCall: number;
  private readonly random: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;

  constructor(private readonly options: KinesisPublisherOptions) {
    this.client = options.client ?? kinesisClient();
    this.baseDelayMs = options.baseDelayMs ?? 50;
    this.maxDelayMs = options.maxDelayMs ?? 1000;
    this.maxAttempts = options.maxAttempts ?? 5;
    this.budgetMs = options.budgetMs ?? 5000;
    this.maxRecordsPerCall = Math.min(
      options.maxRecordsPerCall ?? MAX_RECORDS_PER_CALL,
      MAX_RECORDS_PER_CALL,
    );
    this.maxBytesPerCall = Math.min(options.maxBytesPerCall ?? MAX_BYTES_PER_CALL, MAX_BYTES_PER_CALL);
    this.random = options.random ?? Math.random;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.now = options.now ?? Date.now;
    if (!options.streamName) throw new Error('KinesisPublisher: streamName is required');
    if (this.maxAttempts < 1)
      throw new Error(`KinesisPublisher: maxAttempts must be >= 1, got ${this.maxAttempts}`);
  }

  async publish(records: readonly PublishRecord[]): Promise<PublishResult> {
    const startedAt = this.now();
    const failed: PublishFailure[] = [];
    let retriedRecords = 0;
    let calls = 0;
    let slowestCallMs = 0;

    for (const chunk of chunkRecords(records, this.maxRecordsPerCall, this.maxBytesPerCall)) {
      let pending: readonly PublishRecord[] = chunk;
      for (let attempt = 1; ; attempt++) {
        calls++;
        const callStartedAt = this.now();
        const outcome = await this.putRecords(pending);
        const now = this.now();
        slowestCallMs = Math.max(slowestCallMs, now - callStartedAt);
        if (outcome.failures.length === 0) break;

        const delayMs = backoffDelay(attempt, this.baseDelayMs, this.maxDelayMs, this.random);
        const outOfTime = now - startedAt + delayMs + slowestCallMs > this.budgetMs;
        if (!outcome.retryable || attempt >= this.maxAttempts || outOfTime) {
          failed.push(...outcome.failures);
          break;
        }
        pending = outcome.failures.map((f) => f.record);
        retriedRecords += pending.length;
        this.options.onRetry?.({
          attempt,
          records: pending.length,
          delayMs,
          errorCodes: countCodes(outcome.failures),
        });
        await this.sleep(delayMs);
      }
    }
    return { failed, retriedRecords, calls };
  }

  private async putRecords(
    records: readonly PublishRecord[],
  ): Promise<{ failures: PublishFailure[]; retryable: boolean }> {
    const entries: PutRecordsRequestEntry[] = records.map((r) => ({
      Data: r.data,
      PartitionKey: r.partitionKey,
    }));
    try {
      const out = await this.client.send(
        new PutRecordsCommand({ StreamName: this.options.streamName, Records: entries }),
      );
      // Result entries are in request order; an entry with an ErrorCode was not written. A missing entry
      // counts as failed only if Kinesis reported failures (some emulators omit results on full success).
      const results = out.Records ?? [];
      const anyFailed = (out.FailedRecordCount ?? 0) > 0;
      const failures: PublishFailure[] = [];
      records.forEach((record, i) => {
        const result = results[i];
        if (result?.ErrorCode || (result === undefined && anyFailed)) {
          failures.push({
            record,
            errorCode: result?.ErrorCode ?? 'MissingResult',
            ...(result?.ErrorMessage ? { errorMessage: result.ErrorMessage } : {}),
          });
        }
      });
      return { failures, retryable: true };
    } catch (error) {
      const errorCode = error instanceof Error ? error.name : 'UnknownError';
      const errorMessage = error instanceof Error ? error.message : String(error);
      return {
        failures: records.map((record) => ({ record, errorCode, errorMessage })),
        retryable: isRetryableError(error),
      };
    }
  }
}

function countCodes(failures: readonly PublishFailure[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const f of failures) counts[f.errorCode] = (counts[f.errorCode] ?? 0) + 1;
  return counts;
}
