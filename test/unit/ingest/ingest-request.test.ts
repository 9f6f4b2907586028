/**
 * The ingest request rules as plain functions, without Lambda or AWS: every body-level rejection gets its
 * own status and a message naming the header or field; per-event rejections carry the path from the request
 * root; in-request duplicates are accepted once; valid events are never held back by invalid ones.
 */
import {
  type IngestRequestInput,
  isJsonContentType,
  joinField,
  MAX_BODY_BYTES,
  parseIngestRequest,
} from '../../../lambdas/ingest/ingest-request';
import { routeFromPath } from '../../../lambdas/ingest/ingest-routes';
import { NOW, pageView } from './helpers';

const JSON_HEADERS = { 'Content-Type': 'application/json' };

function parse(overrides: Partial<IngestRequestInput>) {
  return parseIngestRequest({
    route: 'events',
    headers: JSON_HEADERS,
    body: '{"events":[]}',
    receivedAt: NOW,
    ...overrides,
  });
}

function bodyRejection(overrides: Partial<IngestRequestInput>) {
  const result = parse(overrides);
  if (result.ok) throw new Error('expected a body-level rejection');
  return result.rejection;
}

function batchOf(overrides: Partial<IngestRequestInput>) {
  const result = parse(overrides);
  if (!result.ok) throw new Error(`unexpected body rejection: ${result.rejection.message}`);
  return result.batch;
}

describe('routes', () => {
  it.each([
    ['/v1/events', 'events'],
    ['/v1/batch', 'batch'],
    ['/v1/track/', 'track'],
    ['/prod/v1/page', 'page'],
    ['/v1/identify', 'identify'],
    ['/v2/events', undefined],
    [null, undefined],
  ])('%s -> %s', (path, route) => {
    expect(routeFromPath(path)).toBe(route);
  });
});

describe('content type', () => {
  it.each(['application/json', 'application/json; charset=utf-8', 'Application/JSON;charset=UTF-8'])(
    'accepts %s',
    (value) => expect(isJsonContentType(value)).toBe(true),
  );

  it.each(['text/plain', 'application/jsonx', 'application/x-www-form-urlencoded', ''])(
    'refuses %j',
    (value) => expect(isJsonContentType(value)).toBe(false),
  );

  it('finds the header whatever its case', () => {
    const body = JSON.stringify({ events: [pageView()] });
    expect(
      batchOf({ headers: { 'CONTENT-TYPE': 'application/json; charset=utf-8' }, body }).accepted,
    ).toHaveLength(1);
  });

  it('answers 415 naming the header and the value received', () => {
    expect(bodyRejection({ headers: { 'content-type': 'text/plain' } })).toEqual({
      status: 415,
      code: 'unsupported_media_type',
      message: 'Content-Type: expected application/json, got "text/plain"',
    });
    expect(bodyRejection({ headers: {} }).message).toBe(
      'Content-Type: header is missing, expected application/json',
    );
  });
});

describe('body size', () => {
  it('answers 413 above 1 MiB of UTF-8', () => {
    const body = JSON.stringify({ events: [pageView({ pad: 'é'.repeat(MAX_BODY_BYTES / 2) })] });
    expect(Buffer.byteLength(body)).toBeGreaterThan(MAX_BODY_BYTES);
    expect(body.length).toBeLessThan(MAX_BODY_BYTES); // counted in bytes, not characters
    expect(bodyRejection({ body })).toMatchObject({
      status: 413,
      code: 'payload_too_large',
      message: `body: ${Buffer.byteLength(body)} bytes, at most 1048576 bytes per request`,
    });
  });

  it('measures base64 bodies after decoding', () => {
    const exact = `{"events":[],"pad":"${'x'.repeat(MAX_BODY_BYTES - 22)}"}`;
    expect(Buffer.byteLength(exact)).toBe(MAX_BODY_BYTES);
    const encoded = Buffer.from(exact).toString('base64');
    // Exactly 1 MiB decoded passes the size check (and fails later, on the empty events array).
    expect(bodyRejection({ body: encoded, isBase64Encoded: true }).code).toBe('invalid_body');
    const over = Buffer.from(`${exact} `).toString('base64');
    expect(bodyRejection({ body: over, isBase64Encoded: true }).status).toBe(413);
  });

  it('decodes a base64 body', () => {
    const body = Buffer.from(JSON.stringify({ events: [pageView()] })).toString('base64');
    expect(batchOf({ body, isBase64Encoded: true }).accepted).toHaveLength(1);
  });
});

describe('JSON and shape', () => {
  it('answers 400 with the parse error position', () => {
    expect(bodyRejection({ body: '{"events": [}' })).toEqual({
      status: 400,
      code: 'invalid_json',
      message:
        'body: invalid JSON at position 12 (line 1, column 13): unexpected character "}", expected a JSON value',
    });
  });

  it('answers 400 for an empty body', () => {
    expect(bodyRejection({ body: null }).message).toBe('body: empty, expected a JSON object');
  });

  it.each([
    ['[]', 'body: expected a JSON object with an "events" array, got array'],
    ['{}', 'events: expected an array, got nothing'],
    ['{"events":{"type":"page_view"}}', 'events: expected an array, got object'],
    ['{"events":[]}', 'events: expected at least 1 event'],
  ])('answers 400 for %s', (body, message) => {
    expect(bodyRejection({ body })).toEqual({ status: 400, code: 'invalid_body', message });
  });

  it('answers 413 above 500 events, 500 is fine', () => {
    const events = Array.from({ length: 501 }, () => pageView());
    expect(bodyRejection({ body: JSON.stringify({ events }) })).toEqual({
      status: 413,
      code: 'too_many_events',
      message: 'events: 501 events, at most 500 per request',
    });
    expect(batchOf({ body: JSON.stringify({ events: events.slice(1) }) }).accepted).toHaveLength(500);
  });

  it('applies the same limit to a Segment batch', () => {
    const batch = Array.from({ length: 501 }, (_, i) => ({ type: 'page', messageId: `m${i}`, userId: 'u' }));
    expect(bodyRejection({ route: 'batch', body: JSON.stringify({ batch }) })).toMatchObject({
      status: 413,
      message: 'batch: 501 events, at most 500 per request',
    });
    expect(bodyRejection({ route: 'batch', body: '{"batch":{}}' })).toMatchObject({
      status: 400,
      message: 'batch: expected an array of Segment messages',
    });
  });
});

describe('per-event normalisation', () => {
  it('rejects each bad event with its path and keeps the good ones', () => {
    const future = new Date(NOW.getTime() + 10 * 60_000).toISOString();
    const events = [
      pageView({ eventId: 'ok-1' }),
      pageView({ userId: undefined }),
      pageView({ type: 'teleport' }),
      pageView({ occurredAt: future }),
      pageView({ properties: 'x'.repeat(33 * 1024) }),
      pageView({ eventId: 'ok-2', userId: undefined, anonymousId: 'anon-1' }),
    ];
    const batch = batchOf({ body: JSON.stringify({ events }) });
    expect(batch.accepted.map((a) => [a.index, a.event.eventId])).toEqual([
      [0, 'ok-1'],
      [5, 'ok-2'],
    ]);
    expect(batch.errors.map(({ index, code, field }) => ({ index, code, field }))).toEqual([
      { index: 1, code: 'missing_identity', field: 'events[1].userId' },
      { index: 2, code: 'unknown_type', field: 'events[2].type' },
      { index: 3, code: 'future_timestamp', field: 'events[3].occurredAt' },
      { index: 4, code: 'event_too_large', field: 'events[4]' },
    ]);
    expect(batch.accepted[0]!.event.receivedAt).toBe(NOW.toISOString());
  });

  it('accepts an eventId once and lists later copies as duplicates', () => {
    const events = [pageView({ eventId: 'a' }), pageView({ eventId: 'b' }), pageView({ eventId: 'a' })];
    const batch = batchOf({ body: JSON.stringify({ events }) });
    expect(batch.accepted.map((a) => a.event.eventId)).toEqual(['a', 'b']);
    expect(batch.duplicates).toEqual([2]);
    expect(batch.errors).toEqual([]);
  });

  it('generates ids for events sent without one', () => {
    let n = 0;
    const batch = batchOf({
      body: JSON.stringify({ events: [pageView({ eventId: undefined }), pageView({ eventId: undefined })] }),
      generateId: () => `gen-${++n}`,
    });
    expect(batch.accepted.map((a) => a.event.eventId)).toEqual(['gen-1', 'gen-2']);
  });

  it('prefixes Segment batch fields with batch[i] and single calls with nothing', () => {
    const batch = batchOf({
      route: 'batch',
      body: JSON.stringify({
        batch: [{ type: 'track', event: 'Product Viewed', userId: 'u', properties: {} }],
      }),
    });
    expect(batch.errors[0]).toMatchObject({ index: 0, field: 'batch[0].properties.product_id' });

    const single = batchOf({
      route: 'track',
      body: JSON.stringify({ event: 'Product Added', properties: { sku: 1 } }),
    });
    expect(single.errors[0]).toMatchObject({ index: 0, code: 'missing_identity', field: 'userId' });
  });

  it('rejects an oversized Segment message as sent, before mapping drops fields', () => {
    const message = { type: 'page', userId: 'u', context: { ignored: 'x'.repeat(33 * 1024) } };
    const batch = batchOf({ route: 'batch', body: JSON.stringify({ batch: [message] }) });
    expect(batch.errors[0]).toMatchObject({ code: 'event_too_large', field: 'batch[0]' });
  });
});

describe('joinField', () => {
  it.each([
    ['events[3]', 'userId', 'events[3].userId'],
    ['events[3]', '', 'events[3]'],
    ['events[3]', '[0]', 'events[3][0]'],
    ['', 'userId', 'userId'],
  ])('%j + %j = %j', (prefix, field, joined) => expect(joinField(prefix, field)).toBe(joined));
});
