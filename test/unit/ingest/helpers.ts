/**
 * Shared fixtures for the ingest tests: API Gateway v1 proxy events, an in-memory ObjectStore, a metrics
 * recorder and valid canonical-API events.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { KinesisClient, type PutRecordsCommandInput } from '@aws-sdk/client-kinesis';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import {
  createIngestHandler,
  type IngestHandlerDeps,
  type IngestMetricName,
  type IngestMetrics,
} from '../../../lambdas/ingest/handler';
import { KinesisPublisher } from '../../../lambdas/ingest/kinesis-publisher';
import { ObjectStoreQuarantine } from '../../../lambdas/ingest/quarantine';
import type { ObjectStore } from '../../../lambdas/shared/object-store';

export const NOW = new Date('2024-05-01T12:00:00.000Z');
export const REQUEST_ID = 'req-0001';

export interface ApiEventOptions {
  readonly path?: string;
  readonly body?: string | null;
  readonly headers?: Record<string, string>;
  readonly isBase64Encoded?: boolean;
  readonly method?: string;
  readonly writeKeyName?: string;
}

export function apiEvent(options: ApiEventOptions = {}): APIGatewayProxyEvent {
  const path = options.path ?? '/v1/events';
  return {
    resource: path,
    path,
    httpMethod: options.method ?? 'POST',
    headers: options.headers ?? { 'Content-Type': 'application/json' },
    multiValueHeaders: {},
    body: options.body === undefined ? null : options.body,
    isBase64Encoded: options.isBase64Encoded ?? false,
    pathParameters: null,
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    requestContext: {
      requestId: REQUEST_ID,
      authorizer: { writeKeyName: options.writeKeyName ?? 'web-shop', principalId: 'web-shop' },
    } as unknown as APIGatewayProxyEvent['requestContext'],
  };
}

export function eventsBody(events: unknown[]): string {
  return JSON.stringify({ events });
}

let counter = 0;
/** A valid page_view for POST /v1/events. */
export function pageView(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  counter++;
  return {
    type: 'page_view',
    eventId: `evt-${counter}`,
    userId: 'user-1',
    occurredAt: '2024-05-01T11:59:00.000Z',
    ...overrides,
  };
}

export class MemoryObjectStore implements ObjectStore {
  readonly objects = new Map<string, { bucket: string; body: string; contentType?: string }>();
  failWith?: Error;

  async put(bucket: string, key: string, body: string, contentType?: string): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.objects.set(key, { bucket, body, ...(contentType ? { contentType } : {}) });
  }

  /** The JSON lines of the object at `key`, parsed. */
  lines(key: string): Record<string, unknown>[] {
    const object = this.objects.get(key);
    if (!object) throw new Error(`no object ${key}; have ${[...this.objects.keys()].join(', ')}`);
    return object.body
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l));
  }
}

export class RecordingMetrics implements IngestMetrics {
  readonly counts: Array<{
    name: IngestMetricName;
    value: number;
    dimensions?: Readonly<Record<string, string>>;
  }> = [];

  count(name: IngestMetricName, value: number, dimensions?: Readonly<Record<string, string>>): void {
    this.counts.push({ name, value, ...(dimensions ? { dimensions } : {}) });
  }

  total(name: IngestMetricName, dimensions?: Record<string, string>): number {
    return this.counts
      .filter((c) => c.name === name)
      .filter((c) => !dimensions || JSON.stringify(c.dimensions) === JSON.stringify(dimensions))
      .reduce((sum, c) => sum + c.value, 0);
  }
}

export function silentLogger(): Logger {
  return new Logger({ serviceName: 'ingest-test', logLevel: 'SILENT' });
}

/** Decodes the JSON records of a PutRecords input. */
export function decodeRecords(
  records: ReadonlyArray<{ Data?: Uint8Array; PartitionKey?: string }> | undefined,
) {
  return (records ?? []).map((r) => ({
    partitionKey: r.PartitionKey,
    event: JSON.parse(Buffer.from(r.Data ?? new Uint8Array()).toString('utf8')) as Record<string, unknown>,
  }));
}

/** A mocked PutRecords answer that takes every record. */
export const acceptAllPutRecords = (input: PutRecordsCommandInput) => ({
  FailedRecordCount: 0,
  Records: (input.Records ?? []).map((_, i) => ({ SequenceNumber: String(i), ShardId: 'shardId-0' })),
});

/**
 * The ingest handler with the real Kinesis publisher (on whatever mock the test put on KinesisClient) and
 * the real quarantine writer on an in-memory store, at NOW; `overrides` replace any collaborator.
 */
export function ingestHarness(overrides: Partial<IngestHandlerDeps> = {}) {
  const store = new MemoryObjectStore();
  const metrics = new RecordingMetrics();
  const ingest = createIngestHandler({
    publisher: new KinesisPublisher({
      streamName: 'events',
      client: new KinesisClient({ region: 'eu-west-1' }),
      sleep: async () => {},
      random: () => 0.5,
    }),
    quarantine: new ObjectStoreQuarantine(store, 'quarantine-bucket'),
    clock: () => NOW,
    logger: silentLogger(),
    metrics,
    retryAfterSeconds: 2,
    ...overrides,
  });
  const call = async (options: ApiEventOptions) => {
    const response = await ingest(apiEvent(options));
    return { ...response, json: JSON.parse(response.body) as Record<string, unknown> };
  };
  return { ingest, call, store, metrics };
}
