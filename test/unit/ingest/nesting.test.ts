/**
 * Deeply nested JSON crashed ingest: `JSON.parse` accepts nesting that `JSON.stringify` cannot write back,
 * so building the quarantine record threw, the client got a 502 and nothing was quarantined; on
 * /v1/events the valid events of the same request had already been published, so the client's retry
 * duplicated them. Now a body nested deeper than 32 levels is a 400 naming the field, the body is
 * quarantined, nothing of it is published, and any other failure of the handler is a 500 with the body
 * kept, never a thrown error.
 */
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { mockClient } from 'aws-sdk-client-mock';
import { MAX_JSON_DEPTH } from '../../../lambdas/shared/events';
import { acceptAllPutRecords, apiEvent, ingestHarness, NOW, pageView, REQUEST_ID } from './helpers';

const kinesis = mockClient(KinesisClient);

beforeEach(() => {
  kinesis.reset();
  kinesis.on(PutRecordsCommand).callsFake(acceptAllPutRecords);
});

const harness = (generateId?: () => string) => ingestHarness(generateId ? { generateId } : {});

const quarantineKey = (reason: string) =>
  `quarantine/dt=2024-05-01/reason=${reason}/${NOW.getTime()}-${REQUEST_ID}.jsonl`;

/** `{"a":{"a":…{}…}}`, `levels` objects deep. */
function nestedObject(levels: number): string {
  return `${'{"a":'.repeat(levels - 1)}{}${'}'.repeat(levels - 1)}`;
}

const published = () => kinesis.commandCalls(PutRecordsCommand).length;

describe('a body nested too deep', () => {
  it.each([
    [
      '/v1/events',
      (deep: string) =>
        `{"events":[${JSON.stringify(pageView())},{"type":"custom","userId":"u","name":"n","properties":${deep}}]}`,
      'events[1].properties.a.a',
    ],
    [
      '/v1/batch',
      (deep: string) => `{"batch":[{"type":"track","userId":"u","event":"Signed Up","properties":${deep}}]}`,
      'batch[0].properties.a.a',
    ],
    [
      '/v1/track',
      (deep: string) => `{"userId":"u","event":"Signed Up","properties":${deep}}`,
      'properties.a.a.a',
    ],
  ])(
    '%s: 400 nesting_too_deep naming the field, body quarantined, nothing published',
    async (path, body, fieldStart) => {
      const { ingest, store, metrics } = harness();
      const text = body(nestedObject(10_000));
      const response = await ingest(apiEvent({ path, body: text }));
      expect(response.statusCode).toBe(400);
      const json = JSON.parse(response.body) as { code: string; message: string };
      expect(json.code).toBe('nesting_too_deep');
      expect(json.message.startsWith(fieldStart)).toBe(true);
      expect(json.message).toMatch(/nested more than 32 objects or arrays deep/);
      expect(published()).toBe(0);
      const [record] = store.lines(quarantineKey('nesting_too_deep'));
      expect(record).toMatchObject({ reason: 'nesting_too_deep', rawPayload: text, index: null });
      expect(metrics.total('RequestsRejected', { reason: 'nesting_too_deep' })).toBe(1);
    },
  );

  it('accepts exactly 32 levels counted from the body', async () => {
    const { ingest } = harness();
    // body (1) > events (2) > event (3) > properties (4) > … : the innermost object is level 32.
    const properties = nestedObject(MAX_JSON_DEPTH - 3);
    const body = `{"events":[{"type":"custom","userId":"u","name":"n","properties":${properties}}]}`;
    expect((await ingest(apiEvent({ body }))).statusCode).toBe(200);
    const deeper = `{"events":[{"type":"custom","userId":"u","name":"n","properties":${nestedObject(MAX_JSON_DEPTH - 2)}}]}`;
    expect((await ingest(apiEvent({ body: deeper }))).statusCode).toBe(400);
  });
});

describe('a failure inside the handler', () => {
  it('answers 500 internal_error with JSON, keeps the body and publishes nothing', async () => {
    const { ingest, store, metrics } = harness(() => {
      throw new Error('id source down');
    });
    const body = JSON.stringify({ events: [{ type: 'page_view', userId: 'u' }] });
    const response = await ingest(apiEvent({ body }));
    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body)).toMatchObject({ code: 'internal_error' });
    expect(published()).toBe(0);
    expect(store.lines(quarantineKey('internal_error'))[0]).toMatchObject({
      reason: 'internal_error',
      message: 'internal error: Error: id source down',
      rawPayload: body,
    });
    expect(metrics.total('RequestsRejected', { reason: 'internal_error' })).toBe(1);
  });
});
