// Tests normalizeEvent, the gate every client event passes before it reaches the stream: each event type is
// accepted, each rejection carries the right code, field and a message a client can act on, and the input
// defaults (ids, timestamps, currency, quantity) produce the canonical event the rest of the system relies on.
import {
  CanonicalEventSchema,
  EVENT_TYPES,
  type EventType,
  MAX_EVENT_BYTES,
  MAX_FUTURE_SKEW_MS,
  type NormalizeResult,
  normalizeEvent,
} from '../../../../lambdas/shared/events';

const receivedAt = new Date('2024-05-01T12:00:00.000Z');
const opts = { receivedAt, generateId: () => 'generated-id' };

const minimalInputs: Record<EventType, Record<string, unknown>> = {
  page_view: { type: 'page_view' },
  product_view: { type: 'product_view', itemId: 'sku-1' },
  add_to_cart: { type: 'add_to_cart', itemId: 'sku-1' },
  remove_from_cart: { type: 'remove_from_cart', itemId: 'sku-1', quantity: 2 },
  purchase: {
    type: 'purchase',
    orderId: 'order-1',
    currency: 'EUR',
    lineItems: [{ itemId: 'sku-1', quantity: 1, price: 10 }],
  },
  search: { type: 'search', query: 'shoes' },
  recommendation_impression: {
    type: 'recommendation_impression',
    recommendationId: 'rec-1',
    itemIds: ['sku-1', 'sku-2'],
    variant: 'control',
  },
  recommendation_click: {
    type: 'recommendation_click',
    recommendationId: 'rec-1',
    itemId: 'sku-2',
    position: 1,
  },
  custom: { type: 'custom', name: 'Newsletter Subscribed', properties: { list: 'weekly' } },
};

function normalize(input: unknown) {
  return normalizeEvent(input, opts);
}

function expectEvent(result: NormalizeResult) {
  if (!result.ok) throw new Error(`expected an event, got ${JSON.stringify(result.rejection)}`);
  return result.event;
}

function expectRejection(result: NormalizeResult) {
  if (result.ok) throw new Error(`expected a rejection, got ${JSON.stringify(result.event)}`);
  return result.rejection;
}

describe('normalizeEvent accepts', () => {
  it.each(EVENT_TYPES)('a minimal %s event as a valid canonical event', (type) => {
    const event = expectEvent(normalize({ ...minimalInputs[type], anonymousId: 'anon-1' }));

    expect(event.type).toBe(type);
    expect(CanonicalEventSchema.safeParse(event).success).toBe(true);
  });

  it('userId alone, anonymousId alone, or both', () => {
    expect(normalize({ type: 'page_view', userId: 'u-1' }).ok).toBe(true);
    expect(normalize({ type: 'page_view', anonymousId: 'a-1' }).ok).toBe(true);
    expect(normalize({ type: 'page_view', userId: 'u-1', anonymousId: 'a-1' }).ok).toBe(true);
  });

  it('an event exactly at the size limit', () => {
    const base = { type: 'custom', anonymousId: 'a-1', name: 'padded', properties: { pad: '' } };
    const pad = 'x'.repeat(MAX_EVENT_BYTES - Buffer.byteLength(JSON.stringify(base)));

    expect(normalize({ ...base, properties: { pad } }).ok).toBe(true);
  });

  it('an occurredAt ahead of server time by no more than the allowed skew', () => {
    const occurredAt = new Date(receivedAt.getTime() + MAX_FUTURE_SKEW_MS).toISOString();

    expect(normalize({ type: 'page_view', anonymousId: 'a-1', occurredAt }).ok).toBe(true);
  });
});

describe('normalizeEvent defaults and normalisation', () => {
  it('generates eventId with opts.generateId when absent and keeps a client eventId', () => {
    expect(expectEvent(normalize({ type: 'page_view', anonymousId: 'a-1' })).eventId).toBe('generated-id');
    expect(expectEvent(normalize({ type: 'page_view', anonymousId: 'a-1', eventId: 'e-9' })).eventId).toBe(
      'e-9',
    );
  });

  it('generates a random UUID when no generator is given', () => {
    const first = expectEvent(normalizeEvent({ type: 'page_view', anonymousId: 'a-1' }, { receivedAt }));
    const second = expectEvent(normalizeEvent({ type: 'page_view', anonymousId: 'a-1' }, { receivedAt }));

    expect(first.eventId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(first.eventId).not.toBe(second.eventId);
  });

  it('sets schemaVersion to the current version', () => {
    expect(expectEvent(normalize({ type: 'page_view', anonymousId: 'a-1' })).schemaVersion).toBe(1);
  });

  it('defaults occurredAt to receivedAt', () => {
    expect(expectEvent(normalize({ type: 'page_view', anonymousId: 'a-1' })).occurredAt).toBe(
      '2024-05-01T12:00:00.000Z',
    );
  });

  it('always sets receivedAt from the server, ignoring the client value', () => {
    const event = expectEvent(
      normalize({ type: 'page_view', anonymousId: 'a-1', receivedAt: '2020-01-01T00:00:00.000Z' }),
    );

    expect(event.receivedAt).toBe('2024-05-01T12:00:00.000Z');
  });

  it('accepts occurredAt as epoch milliseconds', () => {
    const occurredAt = Date.UTC(2024, 4, 1, 11, 30, 15, 250);

    expect(expectEvent(normalize({ type: 'page_view', anonymousId: 'a-1', occurredAt })).occurredAt).toBe(
      '2024-05-01T11:30:15.250Z',
    );
  });

  it('converts an ISO occurredAt with an offset to UTC', () => {
    const event = expectEvent(
      normalize({ type: 'page_view', anonymousId: 'a-1', occurredAt: '2024-05-01T13:30:00+02:00' }),
    );

    expect(event.occurredAt).toBe('2024-05-01T11:30:00.000Z');
  });

  it('upper-cases currency codes', () => {
    const purchase = expectEvent(normalize({ ...minimalInputs.purchase, userId: 'u-1', currency: 'eur' }));
    const view = expectEvent(normalize({ ...minimalInputs.product_view, userId: 'u-1', currency: ' gbp ' }));

    expect(purchase).toMatchObject({ currency: 'EUR' });
    expect(view).toMatchObject({ currency: 'GBP' });
  });

  it('defaults cart quantity to 1 and custom properties to {}', () => {
    expect(expectEvent(normalize({ ...minimalInputs.add_to_cart, userId: 'u-1' }))).toMatchObject({
      quantity: 1,
    });
    expect(expectEvent(normalize({ type: 'custom', userId: 'u-1', name: 'x' }))).toMatchObject({
      properties: {},
    });
  });

  it('strips unknown keys and treats top-level nulls as absent', () => {
    const event = expectEvent(
      normalize({ type: 'page_view', userId: null, anonymousId: 'a-1', sessionId: null, shoeSize: 44 }),
    );

    expect(event).not.toHaveProperty('shoeSize');
    expect(event).not.toHaveProperty('userId');
    expect(event).not.toHaveProperty('sessionId');
  });

  it('keeps custom properties exactly as sent, nulls included', () => {
    const properties = { plan: 'pro', seats: 3, coupon: null, nested: { a: [1, 2] } };

    expect(expectEvent(normalize({ type: 'custom', userId: 'u-1', name: 'x', properties }))).toMatchObject({
      properties,
    });
  });
});

describe('normalizeEvent rejects', () => {
  it.each([null, [], 'page_view', 42])('%p as invalid_event on the whole event', (input) => {
    const rejection = expectRejection(normalize(input));

    expect(rejection).toMatchObject({ code: 'invalid_event', field: '' });
    expect(rejection.message).toMatch(/^event must be a JSON object, received /);
  });

  it('an event over MAX_EVENT_BYTES, counting UTF-8 bytes, and states size and limit', () => {
    const base = { type: 'custom', anonymousId: 'a-1', name: 'padded', properties: { pad: '' } };
    // 'é' is 2 bytes: the string length stays under the limit, the byte size does not.
    const pad = 'é'.repeat(MAX_EVENT_BYTES / 2);
    const size = Buffer.byteLength(JSON.stringify({ ...base, properties: { pad } }));

    const rejection = expectRejection(normalize({ ...base, properties: { pad } }));

    expect(rejection).toEqual({
      code: 'event_too_large',
      field: '',
      message: `event is ${size} bytes, over the limit of ${MAX_EVENT_BYTES} bytes`,
    });
  });

  it('a missing type as unknown_type, listing the allowed types', () => {
    const rejection = expectRejection(normalize({ anonymousId: 'a-1' }));

    expect(rejection).toMatchObject({ code: 'unknown_type', field: 'type' });
    expect(rejection.message).toBe(`type: missing; expected one of ${EVENT_TYPES.join(', ')}`);
  });

  it('an unknown type as unknown_type, naming it', () => {
    const rejection = expectRejection(normalize({ type: 'pageview', anonymousId: 'a-1' }));

    expect(rejection).toMatchObject({ code: 'unknown_type', field: 'type' });
    expect(rejection.message).toMatch(
      /^type: "pageview" is unknown; expected one of page_view, product_view/,
    );
  });

  it.each([{}, { userId: null, anonymousId: null }, { userId: '', anonymousId: '' }])(
    'an event without identity (%p) as missing_identity',
    (identity) => {
      expect(expectRejection(normalize({ type: 'page_view', ...identity }))).toEqual({
        code: 'missing_identity',
        field: 'userId',
        message: 'either userId or anonymousId is required',
      });
    },
  );

  it('a schema violation as invalid_event with the path and reason', () => {
    const input = {
      ...minimalInputs.purchase,
      userId: 'u-1',
      lineItems: [{ itemId: 'sku-1', quantity: 1, price: '10.00' }],
    };

    expect(expectRejection(normalize(input))).toEqual({
      code: 'invalid_event',
      field: 'lineItems[0].price',
      message: 'lineItems[0].price: expected number, received string',
    });
  });

  it('several violations in one message, with the first as field', () => {
    const input = {
      ...minimalInputs.purchase,
      userId: 'u-1',
      lineItems: [{ itemId: '', quantity: 0 }],
    };

    const rejection = expectRejection(normalize(input));

    expect(rejection.field).toBe('lineItems[0].itemId');
    expect(rejection.message).toBe(
      'lineItems[0].itemId: must not be empty; lineItems[0].quantity: must be >= 1; lineItems[0].price: required',
    );
  });

  it('caps the listed violations so the message stays short', () => {
    const lineItems = Array.from({ length: 20 }, () => ({ itemId: 'sku-1', quantity: 1, price: -1 }));

    const rejection = expectRejection(normalize({ ...minimalInputs.purchase, userId: 'u-1', lineItems }));

    expect(rejection.message).toMatch(/; and 15 more$/);
  });

  it.each([
    [{ currency: 'EURO' }, 'currency', 'currency: expected a 3-letter upper-case ISO 4217 code'],
    [{ lineItems: [] }, 'lineItems', 'lineItems: must not be empty'],
    [{ orderId: undefined }, 'orderId', 'orderId: required'],
  ])('purchase with %p as invalid_event on %s', (override, field, message) => {
    expect(expectRejection(normalize({ ...minimalInputs.purchase, userId: 'u-1', ...override }))).toEqual({
      code: 'invalid_event',
      field,
      message,
    });
  });

  it('an unsupported schemaVersion as invalid_event naming schemaVersion', () => {
    expect(expectRejection(normalize({ type: 'page_view', anonymousId: 'a-1', schemaVersion: 2 }))).toEqual({
      code: 'invalid_event',
      field: 'schemaVersion',
      message: 'schemaVersion: unsupported schema version, expected 1',
    });
  });

  it.each([
    ['yesterday', 'occurredAt: expected an ISO-8601 timestamp with seconds and a Z or ±hh:mm offset'],
    [1714564800, 'occurredAt: expected epoch milliseconds; the value looks like seconds'],
    [true, 'occurredAt: expected an ISO-8601 timestamp string or epoch milliseconds'],
  ])('an occurredAt of %p as invalid_event', (occurredAt, message) => {
    expect(expectRejection(normalize({ type: 'page_view', anonymousId: 'a-1', occurredAt }))).toEqual({
      code: 'invalid_event',
      field: 'occurredAt',
      message,
    });
  });

  it('an occurredAt beyond the allowed clock skew as future_timestamp', () => {
    const occurredAt = new Date(receivedAt.getTime() + MAX_FUTURE_SKEW_MS + 1000).toISOString();

    expect(expectRejection(normalize({ type: 'page_view', anonymousId: 'a-1', occurredAt }))).toEqual({
      code: 'future_timestamp',
      field: 'occurredAt',
      message:
        'occurredAt: 2024-05-01T12:05:01.000Z is 301 s after server time 2024-05-01T12:00:00.000Z; ' +
        'at most 300 s of clock skew is allowed',
    });
  });

  it('checks rules in the documented order', () => {
    const huge = 'x'.repeat(MAX_EVENT_BYTES);

    expect(expectRejection(normalize({ type: 'nope', pad: huge })).code).toBe('event_too_large');
    expect(expectRejection(normalize({ type: 'nope' })).code).toBe('unknown_type');
    expect(expectRejection(normalize({ type: 'product_view' })).code).toBe('missing_identity');
    expect(expectRejection(normalize({ type: 'product_view', userId: 'u-1' })).code).toBe('invalid_event');
  });
});
