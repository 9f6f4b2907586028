/**
 * Which faults the proxies inject, as a plain serialisable plan (a test process sends it to the runtime's
 * process), and the middlewares that carry it out:
 *
 * - DynamoDB throttling: a share of the writes to chosen tables is answered `ProvisionedThroughputExceededException`
 *   (HTTP 400, as DynamoDB does) and never reaches the table.
 * - Kinesis `PutRecords` partial failures: a share of the records (or the records of chosen eventIds, a given
 *   number of times) is removed from the call before it reaches the stream and answered, in its place in the
 *   result list, with `ErrorCode: ProvisionedThroughputExceededException`; `FailedRecordCount` counts them.
 * - Holds: from a given call on, matching calls are never answered, so that the process can be killed at a
 *   known point (a consumer batch half written, an ingest request whose records are stored but whose caller
 *   was never told). Every later match is held too: a caller that times out and retries stays stuck there.
 *
 * Random choices are seeded and keyed by the call's content and how often that content was seen, so a retry
 * of the same write gets a fresh, but reproducible, draw.
 */
import { createHash } from 'node:crypto';
import {
  type AwsJsonCall,
  type AwsJsonMiddleware,
  type AwsJsonResponse,
  awsJsonError,
  jsonResponse,
  responseJson,
} from './aws-json-proxy';

export interface FaultPlan {
  /** Seed of every random choice. @default 1 */
  readonly seed?: number;
  /** Share of DynamoDB writes answered `ProvisionedThroughputExceededException`. @default 0 */
  readonly dynamoThrottleShare?: number;
  /** Throttle only writes to tables whose name contains one of these. @default every table */
  readonly dynamoThrottleTables?: readonly string[];
  /** Share of `PutRecords` entries answered as failed. @default 0 */
  readonly kinesisRecordFailureShare?: number;
  /** `PutRecords` entries whose event carries one of these eventIds fail the first N times they are sent. */
  readonly kinesisFailEventIds?: Readonly<Record<string, number>>;
  /** Never answer the DynamoDB `operation` on a table whose name contains `table`, once `skip` went through. */
  readonly holdDynamoWrite?: { readonly operation: string; readonly table: string; readonly skip: number };
  /** Store the records of the next `PutRecords` call but never answer it; hold later calls unanswered and unstored. */
  readonly holdPutRecordsAnswer?: boolean;
}

export interface FaultStats {
  readonly dynamoWrites: number;
  readonly dynamoThrottled: number;
  readonly putRecordsCalls: number;
  readonly recordsSent: number;
  readonly recordsFailed: number;
  /** The first held call of each kind, described. */
  readonly held: readonly string[];
  readonly callsHeld: number;
}

const DYNAMO_WRITES: ReadonlySet<string> = new Set([
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'TransactWriteItems',
]);

const THROTTLED_MESSAGE =
  'The level of configured provisioned throughput for the table was exceeded. ' +
  'Consider increasing your provisioning level with the UpdateTable API.';

const LOCAL_ACCOUNT = '000000000000';

interface PutRecordsEntry {
  readonly Data?: string;
  readonly PartitionKey?: string;
}

export class FaultInjector {
  private plan: FaultPlan = {};
  private counters = emptyCounters();
  /** How often each call or record content was seen under the current plan: the draw's second key. */
  private occurrences = new Map<string, number>();
  private eventIdFailures = new Map<string, number>();
  private dynamoHoldSkipped = 0;
  private heldKinds = new Set<string>();
  private putRecordsHeld = false;

  constructor(private readonly onHeld: (description: string) => void = () => undefined) {}

  /** Replaces the plan; the counters start again from zero. */
  setPlan(plan: FaultPlan): void {
    this.plan = plan;
    this.counters = emptyCounters();
    this.occurrences = new Map();
    this.eventIdFailures = new Map();
    this.dynamoHoldSkipped = 0;
    this.heldKinds = new Set();
    this.putRecordsHeld = false;
  }

  stats(): FaultStats {
    return { ...this.counters, held: [...this.counters.held] };
  }

  readonly dynamo: AwsJsonMiddleware = async (call, next) => {
    if (!DYNAMO_WRITES.has(call.operation)) return next(call);
    this.counters.dynamoWrites++;
    const tables = tablesOf(call);
    const hold = this.plan.holdDynamoWrite;
    if (hold && call.operation === hold.operation && tables.some((t) => t.includes(hold.table))) {
      if (this.dynamoHoldSkipped++ >= hold.skip)
        return this.hold('dynamo', `DynamoDB ${call.operation} on ${tables}`);
    }
    const share = this.plan.dynamoThrottleShare ?? 0;
    const only = this.plan.dynamoThrottleTables;
    const eligible = !only || tables.some((t) => only.some((fragment) => t.includes(fragment)));
    if (share > 0 && eligible && this.draw(`ddb|${JSON.stringify(call.input)}`) < share) {
      this.counters.dynamoThrottled++;
      return awsJsonError(
        '1.0',
        'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
        THROTTLED_MESSAGE,
      );
    }
    return next(call);
  };

  readonly kinesis: AwsJsonMiddleware = async (call, next) => {
    if (call.operation !== 'PutRecords' || !call.input) return next(call);
    // Only the first held call stores its records: a caller's retry after a timeout must not add copies.
    const holdAfterStoring = this.plan.holdPutRecordsAnswer === true && !this.putRecordsHeld;
    if (this.plan.holdPutRecordsAnswer && !holdAfterStoring) return this.hold('kinesis');
    this.putRecordsHeld ||= holdAfterStoring;
    const entries = (call.input.Records as PutRecordsEntry[] | undefined) ?? [];
    this.counters.putRecordsCalls++;
    this.counters.recordsSent += entries.length;
    const failing = entries.map((entry) => this.failsRecord(entry));
    const failed = failing.filter(Boolean).length;
    this.counters.recordsFailed += failed;
    const kept = entries.filter((_, i) => !failing[i]);
    const stored: AwsJsonResponse =
      kept.length > 0
        ? await next({ ...call, input: { ...call.input, Records: kept } })
        : jsonResponse('1.1', 200, { FailedRecordCount: 0, Records: [] });
    if (holdAfterStoring)
      return this.hold('kinesis', `answer to PutRecords (records stored: ${kept.length})`);
    if (failed === 0 || stored.status !== 200) return stored;
    return mergeFailures(stored, failing, String(call.input.StreamName ?? ''));
  };

  private failsRecord(entry: PutRecordsEntry): boolean {
    const eventId = eventIdOf(entry.Data);
    const times = eventId === undefined ? undefined : this.plan.kinesisFailEventIds?.[eventId];
    if (eventId !== undefined && times !== undefined) {
      const failedSoFar = this.eventIdFailures.get(eventId) ?? 0;
      if (failedSoFar < times) {
        this.eventIdFailures.set(eventId, failedSoFar + 1);
        return true;
      }
    }
    const share = this.plan.kinesisRecordFailureShare ?? 0;
    return share > 0 && this.draw(`kin|${entry.PartitionKey}|${entry.Data}`) < share;
  }

  /** Never resolves; the first described hold of each kind is reported. */
  private hold(kind: 'dynamo' | 'kinesis', description?: string): Promise<AwsJsonResponse> {
    this.counters.callsHeld++;
    if (description !== undefined && !this.heldKinds.has(kind)) {
      this.heldKinds.add(kind);
      this.counters.held.push(description);
      this.onHeld(description);
    }
    return new Promise<AwsJsonResponse>(() => undefined);
  }

  /** A uniform draw in [0, 1) from the seed, the content and how often this content was seen. */
  private draw(content: string): number {
    const digest = createHash('sha256').update(content).digest('base64');
    const seen = this.occurrences.get(digest) ?? 0;
    this.occurrences.set(digest, seen + 1);
    const hash = createHash('sha256')
      .update(`${this.plan.seed ?? 1}|${digest}|${seen}`)
      .digest();
    return hash.readUInt32BE(0) / 2 ** 32;
  }
}

function emptyCounters() {
  return {
    dynamoWrites: 0,
    dynamoThrottled: 0,
    putRecordsCalls: 0,
    recordsSent: 0,
    recordsFailed: 0,
    held: [] as string[],
    callsHeld: 0,
  };
}

/** Puts the failed entries back in their places of the emulator's result list, as Kinesis answers. */
function mergeFailures(
  stored: AwsJsonResponse,
  failing: readonly boolean[],
  stream: string,
): AwsJsonResponse {
  const body = responseJson(stored);
  const results = (body?.Records as unknown[] | undefined) ?? [];
  let next = 0;
  const merged = failing.map((fails) =>
    fails
      ? {
          ErrorCode: 'ProvisionedThroughputExceededException',
          ErrorMessage: `Rate exceeded for shard in stream ${stream} under account ${LOCAL_ACCOUNT}.`,
        }
      : results[next++],
  );
  const failedCount = Number(body?.FailedRecordCount ?? 0) + failing.filter(Boolean).length;
  return jsonResponse('1.1', 200, { ...body, FailedRecordCount: failedCount, Records: merged });
}

function tablesOf(call: AwsJsonCall): string[] {
  const input = call.input ?? {};
  if (typeof input.TableName === 'string') return [input.TableName];
  if (typeof input.RequestItems === 'object' && input.RequestItems !== null)
    return Object.keys(input.RequestItems);
  if (Array.isArray(input.TransactItems)) {
    return input.TransactItems.flatMap((item: Record<string, { TableName?: string }>) =>
      Object.values(item).map((action) => action.TableName ?? ''),
    );
  }
  return [];
}

/** The eventId of a canonical event in a record's data (base64 JSON); undefined for anything else. */
function eventIdOf(data: string | undefined): string | undefined {
  if (data === undefined) return undefined;
  try {
    const event: unknown = JSON.parse(Buffer.from(data, 'base64').toString('utf8'));
    const eventId = (event as { eventId?: unknown } | null)?.eventId;
    return typeof eventId === 'string' ? eventId : undefined;
  } catch {
    return undefined;
  }
}
