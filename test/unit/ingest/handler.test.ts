/**
 * The ingest Lambda end to end, through createIngestHandler with the real Kinesis publisher on a mocked
 * KinesisClient and the real quarantine writer on an in-memory ObjectStore. Covers what a client sees
 * (status, body, headers) and what the system keeps (stream records, quarantine objects, metrics) for:
 * body-level rejections, per-event rejections next to valid events (which are still published), in-request
 * duplicates, Kinesis partial failures and exhausted retries (503 + Retry-After + exact resend list),
 * partition keys, Segment routes, quarantine failures, and the env-wired `handler` export.
 */
// First: the handler module creates its Powertools instances from this environment when it loads.
import '../../support/function-environment';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KinesisClient, PutRecordsCommand, type PutRecordsCommandInput } from '@aws-sdk/client-kinesis';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { createIngestHandler, handler } from '../../../lambdas/ingest/handler';
import { KinesisPublisher } from '../../../lambdas/ingest/kinesis-publisher';
import { partitionKeyFor } from '../../../lambdas/ingest/partition';
import { ObjectStoreQuarantine } from '../../../lambdas/ingest/quarantine';
import { type S3DirectoryEmulator, startS3Directory } from '../../../local/emulators';
import {
  acceptAllPutRecords,
  apiEvent,
  decodeRecords,
  eventsBody,
  ingestHarness,
  MemoryObjectStore,
  NOW,
  pageView,
  REQUEST_ID,
  RecordingMetrics,
  silentLogger,
} from './helpers';

const kinesis = mockClient(KinesisClient);
const acceptAll = acceptAllPutRecords;
const throttled = { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded' };

const harness = () => ingestHarness();

/** Every record sent to Kinesis, in call order. */
function published() {
  return kinesis.commandCalls(PutRecordsCommand).flatMap((c) => decodeRecords(c.args[0].input.Records));
}

const quarantineKey = (reason: string) =>
  `quarantine/dt=2024-05-01/reason=${reason}/${NOW.getTime()}-${REQUEST_ID}.jsonl`;

beforeEach(() => {
  kinesis.reset();
  kinesis.on(PutRecordsCommand).callsFake(acceptAll);
});

describe('body-level rejections', () => {
  it('415 for a non-JSON content type, naming the header and value; quarantined', async () => {
    const { call, store } = harness();
    const body = eventsBody([pageView()]);
    const res = await call({ headers: { 'content-type': 'text/plain' }, body });
    expect(res.statusCode).toBe(415);
    expect(res.headers).toMatchObject({ 'Content-Type': 'application/json' });
    expect(res.json).toEqual({
      message: 'Content-Type: expected application/json, got "text/plain"',
      code: 'unsupported_media_type',
    });
    expect(store.lines(quarantineKey('unsupported_media_type'))).toEqual([
      expect.objectContaining({
        reason: 'unsupported_media_type',
        field: 'Content-Type',
        index: null,
        rawPayload: body,
      }),
    ]);
    expect(kinesis).not.toHaveReceivedCommand(PutRecordsCommand);
  });

  it('400 for a body that is not JSON, naming the position; the raw body is quarantined', async () => {
    const { call, store, metrics } = harness();
    const res = await call({ body: '{"events": [{"type": "page_view",}]}' });
    expect(res.statusCode).toBe(400);
    expect(res.json).toEqual({
      message:
        'body: invalid JSON at position 33 (line 1, column 34): unexpected character "}", expected a property name',
      code: 'invalid_json',
    });
    expect(store.lines(quarantineKey('invalid_json'))).toEqual([
      {
        reason: 'invalid_json',
        field: 'body',
        message: res.json.message,
        source: 'ingest-api',
        route: '/v1/events',
        index: null,
        receivedAt: NOW.toISOString(),
        requestId: REQUEST_ID,
        writeKeyName: 'web-shop',
        rawPayload: '{"events": [{"type": "page_view",}]}',
      },
    ]);
    expect(metrics.total('RequestsRejected', { reason: 'invalid_json' })).toBe(1);
    expect(kinesis).not.toHaveReceivedCommand(PutRecordsCommand);
  });

  it('413 for a body over 1 MiB', async () => {
    const { call, store } = harness();
    const res = await call({ body: eventsBody([pageView({ pad: 'x'.repeat(1024 * 1024) })]) });
    expect(res.statusCode).toBe(413);
    expect(res.json).toMatchObject({
      code: 'payload_too_large',
      message: expect.stringMatching(/^body: \d+ bytes, at most 1048576 bytes per request$/),
    });
    const [line] = store.lines(quarantineKey('payload_too_large'));
    expect(line).toMatchObject({ truncated: true });
  });

  it('413 for more than 500 events', async () => {
    const { call } = harness();
    const res = await call({ body: eventsBody(Array.from({ length: 501 }, () => pageView())) });
    expect(res.statusCode).toBe(413);
    expect(res.json).toEqual({
      message: 'events: 501 events, at most 500 per request',
      code: 'too_many_events',
    });
  });

  it('400 when events is not an array', async () => {
    const { call } = harness();
    const res = await call({ body: '{"events":"page_view"}' });
    expect(res.statusCode).toBe(400);
    expect(res.json).toEqual({ message: 'events: expected an array, got string', code: 'invalid_body' });
  });

  it('404 for an unknown route and 405 for another method', async () => {
    const { call } = harness();
    expect((await call({ path: '/v1/nope' })).statusCode).toBe(404);
    const res = await call({ method: 'GET', body: null });
    expect(res.statusCode).toBe(405);
    expect(res.headers).toMatchObject({ Allow: 'POST' });
  });
});

describe('per-event rejections never hold back valid events', () => {
  const future = new Date(NOW.getTime() + 60 * 60_000).toISOString();

  it.each([
    ['an event over 32 KB', pageView({ properties: 'x'.repeat(33 * 1024) }), 'event_too_large', 'events[1]'],
    ['an event without identity', pageView({ userId: undefined }), 'missing_identity', 'events[1].userId'],
    ['an unknown type', pageView({ type: 'teleport' }), 'unknown_type', 'events[1].type'],
    ['a future occurredAt', pageView({ occurredAt: future }), 'future_timestamp', 'events[1].occurredAt'],
  ])('rejects %s, publishes its neighbours, quarantines it', async (_label, bad, code, field) => {
    const { call, store, metrics } = harness();
    const good = [pageView({ eventId: 'good-1' }), pageView({ eventId: 'good-2' })];
    const res = await call({ body: eventsBody([good[0], bad, good[1]]) });

    expect(res.statusCode).toBe(200);
    expect(res.json).toEqual({
      accepted: 2,
      rejected: 1,
      duplicates: [],
      eventIds: ['good-1', 'good-2'],
      errors: [{ index: 1, code, field, message: expect.any(String) }],
    });
    expect(published().map((r) => r.event.eventId)).toEqual(['good-1', 'good-2']);
    expect(store.lines(quarantineKey(code))).toEqual([
      expect.objectContaining({ reason: code, field, index: 1, rawPayload: JSON.stringify(bad) }),
    ]);
    expect(metrics.total('EventsAccepted')).toBe(2);
    expect(metrics.total('EventsRejected', { reason: code })).toBe(1);
  });

  it('accepts a repeated eventId once and lists the copies as duplicates, not errors', async () => {
    const { call, store, metrics } = harness();
    const events = [
      pageView({ eventId: 'dup' }),
      pageView({ eventId: 'other' }),
      pageView({ eventId: 'dup' }),
    ];
    const res = await call({ body: eventsBody(events) });
    expect(res.statusCode).toBe(200);
    expect(res.json).toMatchObject({
      accepted: 2,
      rejected: 0,
      duplicates: [2],
      eventIds: ['dup', 'other'],
      errors: [],
    });
    expect(published().map((r) => r.event.eventId)).toEqual(['dup', 'other']);
    expect(store.objects.size).toBe(0);
    expect(metrics.total('EventsDuplicate')).toBe(1);
  });

  it('answers 400 with the same body plus a message when every event is rejected', async () => {
    const { call } = harness();
    const res = await call({ body: eventsBody([pageView({ userId: undefined }), pageView({ type: 'x' })]) });
    expect(res.statusCode).toBe(400);
    expect(res.json).toMatchObject({
      message: 'all 2 events were rejected; see errors',
      accepted: 0,
      rejected: 2,
      eventIds: [],
      errors: [expect.objectContaining({ index: 0 }), expect.objectContaining({ index: 1 })],
    });
    expect(kinesis).not.toHaveReceivedCommand(PutRecordsCommand);
  });
});

describe('publishing', () => {
  it('writes canonical event JSON keyed by userId, else anonymousId', async () => {
    const { call } = harness();
    await call({
      body: eventsBody([
        pageView({ eventId: 'a', userId: 'user-42', anonymousId: 'anon-1' }),
        pageView({ eventId: 'b', userId: undefined, anonymousId: 'anon-2' }),
      ]),
    });
    const records = published();
    expect(records.map((r) => r.partitionKey)).toEqual(['user-42', 'anon-2']);
    expect(records[0]!.event).toEqual({
      type: 'page_view',
      schemaVersion: 1,
      eventId: 'a',
      userId: 'user-42',
      anonymousId: 'anon-1',
      occurredAt: '2024-05-01T11:59:00.000Z',
      receivedAt: NOW.toISOString(),
    });
    expect(kinesis).toHaveReceivedCommandWith(PutRecordsCommand, { StreamName: 'events' });
    expect(partitionKeyFor({ userId: 'u'.repeat(300) })).toMatch(/^[0-9a-f]{64}$/);
  });

  it('resends only the records Kinesis failed, then answers 200', async () => {
    const { call, metrics } = harness();
    kinesis
      .on(PutRecordsCommand)
      .resolvesOnce({
        FailedRecordCount: 1,
        Records: [{ SequenceNumber: '1' }, throttled, { SequenceNumber: '2' }],
      })
      .callsFake(acceptAll);
    const res = await call({
      body: eventsBody([pageView({ eventId: 'a' }), pageView({ eventId: 'b' }), pageView({ eventId: 'c' })]),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json).toMatchObject({ accepted: 3, eventIds: ['a', 'b', 'c'] });
    const calls = kinesis
      .commandCalls(PutRecordsCommand)
      .map((c) => decodeRecords(c.args[0].input.Records).map((r) => r.event.eventId));
    expect(calls).toEqual([['a', 'b', 'c'], ['b']]);
    expect(metrics.total('KinesisRetries')).toBe(1);
    expect(metrics.total('PublishFailures')).toBe(0);
  });

  it('answers 503 + Retry-After with exactly the events to resend when retries run out', async () => {
    const { call, metrics, store } = harness();
    kinesis.on(PutRecordsCommand).callsFake((input: PutRecordsCommandInput) => ({
      FailedRecordCount: 1,
      Records: decodeRecords(input.Records).map((r) =>
        r.event.eventId === 'c' ? throttled : { SequenceNumber: '1' },
      ),
    }));
    const res = await call({
      body: eventsBody([
        pageView({ eventId: 'a' }),
        pageView({ eventId: 'a' }), // duplicate
        pageView({ eventId: 'bad', userId: undefined }),
        pageView({ eventId: 'c' }),
        pageView({ eventId: 'd' }),
      ]),
    });
    expect(res.statusCode).toBe(503);
    expect(res.headers).toMatchObject({ 'Retry-After': '2', 'Content-Type': 'application/json' });
    expect(res.json).toEqual({
      message: expect.stringContaining('1 of 3 events could not be stored'),
      code: 'publish_failed',
      accepted: 2,
      eventIds: ['a', 'd'],
      retry: [{ index: 3, eventId: 'c' }],
      rejected: 1,
      duplicates: [1],
      errors: [expect.objectContaining({ index: 2, code: 'missing_identity' })],
    });
    expect(kinesis).toHaveReceivedCommandTimes(PutRecordsCommand, 5);
    expect(metrics.total('PublishFailures')).toBe(1);
    expect(metrics.total('KinesisRetries')).toBe(4);
    // The rejection was still quarantined while the publish was failing.
    expect(store.lines(quarantineKey('missing_identity'))).toHaveLength(1);
  });

  it('answers 503 for every accepted event when the publisher itself throws', async () => {
    const store = new MemoryObjectStore();
    const ingest = createIngestHandler({
      publisher: { publish: () => Promise.reject(new Error('bug')) },
      quarantine: new ObjectStoreQuarantine(store, 'b'),
      clock: () => NOW,
      logger: silentLogger(),
    });
    const res = await ingest(
      apiEvent({ body: eventsBody([pageView({ eventId: 'a' }), pageView({ eventId: 'b' })]) }),
    );
    expect(res.statusCode).toBe(503);
    expect(JSON.parse(res.body).retry).toEqual([
      { index: 0, eventId: 'a' },
      { index: 1, eventId: 'b' },
    ]);
  });
});

describe('quarantine failures', () => {
  it('are logged and counted but do not fail the request', async () => {
    const store = new MemoryObjectStore();
    store.failWith = new Error('S3 is down');
    const metrics = new RecordingMetrics();
    const logger = silentLogger();
    const errorSpy = jest.spyOn(logger, 'error');
    const ingest = createIngestHandler({
      publisher: new KinesisPublisher({
        streamName: 'events',
        client: new KinesisClient({ region: 'eu-west-1' }),
      }),
      quarantine: new ObjectStoreQuarantine(store, 'b'),
      clock: () => NOW,
      logger,
      metrics,
    });
    const res = await ingest(
      apiEvent({ body: eventsBody([pageView({ eventId: 'ok' }), pageView({ type: 'x' })]) }),
    );
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ accepted: 1, rejected: 1 });
    expect(metrics.total('QuarantineWriteFailures')).toBe(1);
    expect(errorSpy).toHaveBeenCalledWith(
      'quarantine write failed',
      expect.objectContaining({ reason: 'unknown_type' }),
    );
  });
});

describe('Segment routes', () => {
  const segmentMessage = (type: string, fields: Record<string, unknown>) => ({
    type,
    messageId: `msg-${type}-${String(fields.event ?? '')}`,
    userId: 'user-7',
    timestamp: '2024-05-01T11:58:00.000Z',
    ...fields,
  });

  it('/v1/batch maps track, page and identify to canonical types and answers success: true', async () => {
    const { call } = harness();
    const batch = [
      segmentMessage('track', { event: 'Product Viewed', properties: { product_id: 'sku-1', price: 10 } }),
      segmentMessage('track', {
        event: 'Order Completed',
        properties: { order_id: 'o-1', products: [{ product_id: 'sku-1', price: 10 }] },
      }),
      segmentMessage('page', { name: 'Home', properties: { url: 'https://shop.example/' } }),
      segmentMessage('identify', { traits: { plan: 'pro' } }),
    ];
    const res = await call({ path: '/v1/batch', body: JSON.stringify({ batch, writeKey: 'rs_secret' }) });
    expect(res.statusCode).toBe(200);
    expect(res.json).toMatchObject({
      success: true,
      accepted: 4,
      rejected: 0,
      eventIds: batch.map((m) => m.messageId),
    });
    expect(published().map((r) => [r.event.type, r.event.name ?? null])).toEqual([
      ['product_view', null],
      ['purchase', null],
      ['page_view', null],
      ['custom', 'identify'],
    ]);
  });

  it.each([
    ['/v1/track', { event: 'Product Added', properties: { sku: 'sku-2' } }, 'add_to_cart'],
    ['/v1/page', { name: 'Checkout' }, 'page_view'],
    ['/v1/identify', { traits: { email_domain: 'example.com' } }, 'custom'],
  ])('%s takes one message', async (path, fields, type) => {
    const { call } = harness();
    const res = await call({ path, body: JSON.stringify({ userId: 'user-7', messageId: 'm-1', ...fields }) });
    expect(res.statusCode).toBe(200);
    expect(res.json).toEqual({
      success: true,
      accepted: 1,
      rejected: 0,
      duplicates: [],
      eventIds: ['m-1'],
      errors: [],
    });
    expect(published().map((r) => r.event.type)).toEqual([type]);
  });

  it('names Segment fields by batch index, and single calls without a prefix', async () => {
    const { call } = harness();
    const res = await call({
      path: '/v1/batch',
      body: JSON.stringify({
        batch: [segmentMessage('page', {}), segmentMessage('track', { event: 'Product Viewed' })],
      }),
    });
    expect(res.json).toMatchObject({
      success: true,
      accepted: 1,
      errors: [{ index: 1, field: 'batch[1].properties.product_id' }],
    });

    const single = await call({ path: '/v1/track', body: JSON.stringify({ event: 'Signed Up' }) });
    expect(single.statusCode).toBe(400);
    expect(single.json).toMatchObject({
      success: false,
      errors: [{ index: 0, code: 'missing_identity', field: 'userId' }],
    });
  });

  it('body-level Segment errors carry success: false and quarantine without the write key', async () => {
    const { call, store } = harness();
    const res = await call({ path: '/v1/batch', body: '{"writeKey":"rs_secret","batch":[' });
    expect(res.statusCode).toBe(400);
    expect(res.json).toMatchObject({ success: false, code: 'invalid_json' });
    const [line] = store.lines(quarantineKey('invalid_json'));
    expect(line).toMatchObject({ route: '/v1/batch', rawPayload: '{"writeKey":"[redacted]","batch":[' });
  });
});

describe('handler (env wiring)', () => {
  let dir: string;
  let s3: S3DirectoryEmulator;
  let output = '';
  // The quarantine goes through the S3 SDK to the endpoint in AWS_ENDPOINT_URL_S3, as the local runtime wires it.
  const s3Env = ['AWS_ENDPOINT_URL_S3', 'AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] as const;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ingest-test-'));
    s3 = await startS3Directory({ rootDir: dir });
    await s3.store.createBucket('quarantine-bucket');
    process.env.EVENTS_STREAM_NAME = 'events-stream';
    process.env.QUARANTINE_BUCKET_NAME = 'quarantine-bucket';
    process.env.AWS_ENDPOINT_URL_S3 = s3.endpoint;
    process.env.AWS_REGION = 'us-east-1';
    process.env.AWS_ACCESS_KEY_ID = 'local';
    process.env.AWS_SECRET_ACCESS_KEY = 'local';
    process.env.MAX_EVENT_AGE_SECONDS = '3600';
  });
  afterAll(async () => {
    delete process.env.MAX_EVENT_AGE_SECONDS;
    delete process.env.EVENTS_STREAM_NAME;
    delete process.env.QUARANTINE_BUCKET_NAME;
    for (const name of s3Env) delete process.env[name];
    await s3.stop();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    output = '';
    const capture = (chunk: string | Uint8Array) => {
      output += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      return true;
    };
    jest.spyOn(process.stdout, 'write').mockImplementation(capture);
    jest.spyOn(process.stderr, 'write').mockImplementation(capture);
  });
  afterEach(() => jest.restoreAllMocks());

  it('publishes to EVENTS_STREAM_NAME, quarantines under QUARANTINE_BUCKET_NAME, emits EMF, never logs the key', async () => {
    const authorization = `Basic ${Buffer.from('rs_TopSecretKey:').toString('base64')}`;
    const event = apiEvent({
      headers: { 'Content-Type': 'application/json', Authorization: authorization },
      // The handler runs on the real clock: occurredAt defaults to it, or is set two hours before it.
      body: eventsBody([
        pageView({ eventId: 'env-ok', occurredAt: undefined }),
        pageView({ userId: undefined, occurredAt: undefined }),
        pageView({ eventId: 'env-old', occurredAt: new Date(Date.now() - 2 * 3_600_000).toISOString() }),
      ]),
    });
    const res = await handler(event, { functionName: 'ingest', awsRequestId: 'lambda-req' } as Context);
    expect(res.statusCode).toBe(200);
    expect(kinesis).toHaveReceivedCommandWith(PutRecordsCommand, { StreamName: 'events-stream' });
    // MAX_EVENT_AGE_SECONDS (1 h here) bounds occurredAt.
    expect(JSON.parse(res.body)).toMatchObject({
      accepted: 1,
      errors: [{ index: 1 }, { index: 2, code: 'event_too_old' }],
    });

    const reasonDir = join(dir, 'quarantine-bucket', 'quarantine');
    const [dt] = await readdir(reasonDir);
    expect(dt).toMatch(/^dt=\d{4}-\d{2}-\d{2}$/);
    const files = await readdir(join(reasonDir, dt!, 'reason=missing_identity'));
    expect(files).toEqual([expect.stringMatching(new RegExp(`^\\d+-${REQUEST_ID}\\.jsonl$`))]);
    const line = JSON.parse(
      await readFile(join(reasonDir, dt!, 'reason=missing_identity', files[0]!), 'utf8'),
    );
    expect(line).toMatchObject({ reason: 'missing_identity', writeKeyName: 'web-shop' });

    expect(output).toContain('"EventsAccepted"');
    expect(output).toContain('"RecoStream"');
    expect(output).not.toContain('rs_TopSecretKey');
    expect(output).not.toContain(authorization.slice('Basic '.length));
  });
});
