/**
 * Segment compatibility with the real client library: @segment/analytics-node, with `host` pointed at us,
 * sends its requests through the write-key authorizer and the ingest handler (wired as API Gateway would:
 * authorizer context -> requestContext.authorizer). Proves the Basic header it builds is accepted, its
 * /v1/batch body is understood, its messageIds become our eventIds, and its writeKey never reaches logs.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { KinesisClient, PutRecordsCommand, type PutRecordsCommandInput } from '@aws-sdk/client-kinesis';
import { Analytics } from '@segment/analytics-node';
import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { createAuthorizerHandler } from '../../../lambdas/authorizer/handler';
import { hashWriteKey } from '../../../lambdas/authorizer/write-keys';
import { createIngestHandler } from '../../../lambdas/ingest/handler';
import { KinesisPublisher } from '../../../lambdas/ingest/kinesis-publisher';
import { ObjectStoreQuarantine } from '../../../lambdas/ingest/quarantine';
import { apiEvent, decodeRecords, MemoryObjectStore } from './helpers';

const WRITE_KEY = 'rs_SegmentClientKey0123456789abcdefghijklmno';
const kinesis = mockClient(KinesisClient);

it('accepts track, page and identify calls from analytics-node', async () => {
  kinesis.on(PutRecordsCommand).callsFake((input: PutRecordsCommandInput) => ({
    FailedRecordCount: 0,
    Records: (input.Records ?? []).map(() => ({ SequenceNumber: '1', ShardId: 's' })),
  }));
  let output = '';
  const capture = (chunk: string | Uint8Array) => {
    output += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  };
  jest.spyOn(process.stdout, 'write').mockImplementation(capture);
  jest.spyOn(process.stderr, 'write').mockImplementation(capture);

  const logger = new Logger({ serviceName: 'segment-test', logLevel: 'DEBUG' });
  const authorize = createAuthorizerHandler({
    store: {
      get: async (hash) =>
        hash === hashWriteKey(WRITE_KEY)
          ? { keyHash: hash, name: 'node-backend', createdAt: '2024-01-01' }
          : undefined,
      put: async () => {},
    },
    logger,
  });
  const ingest = createIngestHandler({
    publisher: new KinesisPublisher({
      streamName: 'events',
      client: new KinesisClient({ region: 'eu-west-1' }),
    }),
    quarantine: new ObjectStoreQuarantine(new MemoryObjectStore(), 'quarantine'),
    logger,
  });

  const statuses: number[] = [];
  const analytics = new Analytics({
    writeKey: WRITE_KEY,
    host: 'https://ingest.example.com',
    flushAt: 3,
    maxRetries: 0,
    httpClient: {
      async makeRequest(request) {
        const path = new URL(request.url).pathname;
        const policy = await authorize({
          type: 'REQUEST',
          methodArn: `arn:aws:execute-api:eu-west-1:123456789012:api/prod/POST${path}`,
          headers: request.headers,
        } as unknown as APIGatewayRequestAuthorizerEvent);
        expect(policy.policyDocument.Statement[0]).toMatchObject({ Effect: 'Allow' });
        const response = await ingest(
          apiEvent({
            path,
            headers: request.headers,
            body: request.body,
            writeKeyName: String(policy.context?.writeKeyName),
          }),
        );
        statuses.push(response.statusCode);
        return { status: response.statusCode, statusText: 'OK', headers: response.headers };
      },
    },
  });

  analytics.track({
    userId: 'user-1',
    event: 'Product Viewed',
    properties: { product_id: 'sku-1', price: 12.5 },
  });
  analytics.page({ userId: 'user-1', name: 'Home', properties: { url: 'https://shop.example/' } });
  analytics.identify({ userId: 'user-1', traits: { plan: 'pro' } });
  await analytics.closeAndFlush({ timeout: 5000 });
  jest.restoreAllMocks();

  expect(statuses).toEqual([200]);
  const events = kinesis
    .commandCalls(PutRecordsCommand)
    .flatMap((c) => decodeRecords(c.args[0].input.Records));
  expect(events.map((e) => [e.partitionKey, e.event.type])).toEqual([
    ['user-1', 'product_view'],
    ['user-1', 'page_view'],
    ['user-1', 'custom'],
  ]);
  expect(events[0]!.event).toMatchObject({ itemId: 'sku-1', price: 12.5, eventId: expect.any(String) });
  expect(output).toContain('node-backend');
  expect(output).not.toContain(WRITE_KEY);
});
