// Tests the Segment HTTP Tracking API mapping: apps instrumented with a Segment library send to RecoStream
// unchanged, so every documented mapping (e-commerce spec v2 events, page/screen, identify/group/alias, the
// custom fallback, ids, timestamps, context and batch-level context) is pinned here, plus one run of the real
// @segment/analytics-node client to prove its wire format goes through untouched.
import { Analytics } from '@segment/analytics-node';
import {
  normalizeEvent,
  type SegmentCall,
  segmentBatchMessages,
  segmentToEventInput,
} from '../../../../lambdas/shared/events';

const receivedAt = new Date('2024-05-01T12:00:00.000Z');

function mapped(message: unknown, call?: SegmentCall): Record<string, unknown> {
  const result = segmentToEventInput(message, call);
  if (!result.ok) throw new Error(`expected a mapping, got ${JSON.stringify(result.rejection)}`);
  return result.input;
}

function rejected(message: unknown, call?: SegmentCall) {
  const result = segmentToEventInput(message, call);
  if (result.ok) throw new Error(`expected a rejection, got ${JSON.stringify(result.input)}`);
  return result.rejection;
}

/** Maps and normalizes, proving the mapped input is acceptable to the canonical contract. */
function canonical(message: unknown, call?: SegmentCall, now = receivedAt) {
  const result = normalizeEvent(mapped(message, call), { receivedAt: now });
  if (!result.ok) throw new Error(`expected an event, got ${JSON.stringify(result.rejection)}`);
  return result.event;
}

const track = (event: string, properties: Record<string, unknown>) => ({
  type: 'track',
  messageId: 'msg-1',
  userId: 'user-1',
  timestamp: '2024-05-01T11:59:00.000Z',
  event,
  properties,
});

describe('segmentToEventInput: common fields', () => {
  it('maps messageId, ids, timestamp and context', () => {
    const input = mapped({
      type: 'track',
      event: 'Signed Up',
      messageId: 'msg-42',
      userId: 'user-1',
      anonymousId: 'anon-1',
      timestamp: '2024-05-01T13:59:00+02:00',
      context: {
        userAgent: 'Mozilla/5.0',
        locale: 'fr-FR',
        ip: '203.0.113.9',
        library: { name: 'analytics-node', version: '3.1.0' },
        page: {
          url: 'https://shop.example.com/',
          path: '/',
          title: 'Home',
          referrer: 'https://ex.org/',
          x: 1,
        },
      },
    });

    expect(input).toMatchObject({
      eventId: 'msg-42',
      userId: 'user-1',
      anonymousId: 'anon-1',
      occurredAt: '2024-05-01T13:59:00+02:00',
    });
    expect(input.context).toEqual({
      userAgent: 'Mozilla/5.0',
      locale: 'fr-FR',
      page: { url: 'https://shop.example.com/', path: '/', title: 'Home', referrer: 'https://ex.org/' },
    });
  });

  it('stringifies numeric ids, as Segment allows numbers', () => {
    expect(mapped({ ...track('Signed Up', {}), userId: 42, anonymousId: 7 })).toMatchObject({
      userId: '42',
      anonymousId: '7',
    });
  });

  it('falls back to originalTimestamp, which analytics.js sends instead of timestamp', () => {
    const { timestamp: _omitted, ...message } = track('Signed Up', {});

    expect(mapped({ ...message, originalTimestamp: '2024-05-01T11:00:00.000Z' })).toMatchObject({
      occurredAt: '2024-05-01T11:00:00.000Z',
    });
  });

  it.each([
    [{ session_id: 's-1', sessionId: 's-2' }, { sessionId: 's-3', session_id: 's-4' }, 's-1'],
    [{ sessionId: 's-2' }, { sessionId: 's-3', session_id: 's-4' }, 's-2'],
    [{}, { sessionId: 's-3', session_id: 's-4' }, 's-3'],
    [{}, { session_id: 1714564800 }, '1714564800'],
  ])('takes the session id from properties %p before context %p', (properties, context, sessionId) => {
    expect(mapped({ ...track('Signed Up', properties), context })).toMatchObject({ sessionId });
  });

  it('omits absent and null fields instead of sending nulls', () => {
    const input = mapped({
      type: 'track',
      event: 'Signed Up',
      userId: 'u-1',
      anonymousId: null,
      context: {},
    });

    expect(input).toEqual({ type: 'custom', name: 'Signed Up', userId: 'u-1', properties: {} });
  });
});

describe('segmentToEventInput: e-commerce spec v2', () => {
  it("maps 'Product Viewed' to product_view, taking the id from product_id, sku or id", () => {
    const properties = { product_id: 'p-1', sku: 's-1', category: 'shoes', price: 59.5, currency: 'eur' };

    expect(canonical(track('Product Viewed', properties))).toMatchObject({
      type: 'product_view',
      itemId: 'p-1',
      category: 'shoes',
      price: 59.5,
      currency: 'EUR',
    });
    expect(mapped(track('Product Viewed', { sku: 's-1', id: 'i-1' }))).toMatchObject({ itemId: 's-1' });
    expect(mapped(track('Product Viewed', { id: 991 }))).toMatchObject({ itemId: '991' });
  });

  it("maps 'Product Added' to add_to_cart with quantity defaulting to 1", () => {
    expect(canonical(track('Product Added', { product_id: 'p-1', price: 10 }))).toMatchObject({
      type: 'add_to_cart',
      itemId: 'p-1',
      quantity: 1,
      price: 10,
    });
    expect(mapped(track('Product Added', { product_id: 'p-1', quantity: 3 }))).toMatchObject({ quantity: 3 });
  });

  it("maps 'Product Removed' to remove_from_cart", () => {
    expect(canonical(track('Product Removed', { product_id: 'p-1', quantity: 2 }))).toMatchObject({
      type: 'remove_from_cart',
      itemId: 'p-1',
      quantity: 2,
    });
  });

  it("maps 'Order Completed' with products[] to purchase", () => {
    const event = canonical(
      track('Order Completed', {
        order_id: 'o-1',
        checkout_id: 'c-1',
        revenue: 25,
        total: 30,
        currency: 'eur',
        products: [
          { product_id: 'p-1', quantity: 2, price: 10, category: 'socks', name: 'dropped' },
          { sku: 's-2', price: 5 },
          { id: 3, price: 0 },
        ],
      }),
    );

    expect(event).toEqual(
      expect.objectContaining({
        type: 'purchase',
        orderId: 'o-1',
        currency: 'EUR',
        revenue: 25,
        lineItems: [
          { itemId: 'p-1', quantity: 2, price: 10, category: 'socks' },
          { itemId: 's-2', quantity: 1, price: 5 },
          { itemId: '3', quantity: 1, price: 0 },
        ],
      }),
    );
  });

  it("falls back to checkout_id, total and USD for 'Order Completed'", () => {
    expect(
      mapped(
        track('Order Completed', { checkout_id: 'c-1', total: 30, products: [{ sku: 's', price: 30 }] }),
      ),
    ).toMatchObject({ orderId: 'c-1', revenue: 30, currency: 'USD' });
  });

  it("maps 'Products Searched' to search", () => {
    expect(canonical(track('Products Searched', { query: 'blue hotpants' }))).toMatchObject({
      type: 'search',
      query: 'blue hotpants',
    });
  });

  it("maps 'Product Clicked' with recommendation_id to recommendation_click", () => {
    const properties = {
      product_id: 'p-7',
      recommendation_id: 'rec-1',
      recommendation_position: 2,
      recommendation_variant: 'control',
      variant: 'blue',
      position: 3,
    };
    expect(canonical(track('Product Clicked', properties))).toMatchObject({
      type: 'recommendation_click',
      recommendationId: 'rec-1',
      itemId: 'p-7',
      position: 2,
      variant: 'control',
      userId: 'user-1',
    });
    expect(canonical(track('Product Clicked', { sku: 9, recommendation_id: 42 }))).toMatchObject({
      type: 'recommendation_click',
      recommendationId: '42',
      itemId: '9',
    });
    expect(rejected(track('Product Clicked', { recommendation_id: 'rec-1' }))).toMatchObject({
      field: 'properties.product_id',
    });
  });

  it("keeps 'Product Clicked' without recommendation_id as a custom event", () => {
    expect(canonical(track('Product Clicked', { product_id: 'p-7', position: 3 }))).toMatchObject({
      type: 'custom',
      name: 'Product Clicked',
      properties: { product_id: 'p-7', position: 3 },
    });
  });

  it.each(['product viewed', '  PRODUCT VIEWED ', 'Product viewed'])(
    'matches %p case- and space-insensitively',
    (name) => {
      expect(mapped(track(name, { product_id: 'p-1' }))).toMatchObject({ type: 'product_view' });
    },
  );

  it.each([
    ['Product Viewed', {}, 'properties.product_id'],
    ['Product Added', { quantity: 1 }, 'properties.product_id'],
    ['Order Completed', { products: [{ sku: 's', price: 1 }] }, 'properties.order_id'],
    ['Order Completed', { order_id: 'o-1' }, 'properties.products'],
    ['Order Completed', { order_id: 'o-1', products: [] }, 'properties.products'],
    ['Products Searched', {}, 'properties.query'],
  ])("rejects '%s' with %p naming the Segment field %s", (name, properties, field) => {
    const rejection = rejected(track(name, properties));

    expect(rejection).toMatchObject({ code: 'invalid_event', field });
    expect(rejection.message).toContain(`${field}`);
  });
});

describe('segmentToEventInput: other calls', () => {
  it('keeps any other track call whole as a custom event', () => {
    const properties = { plan: 'pro', seats: 3, nested: { a: 1 } };

    expect(canonical(track('Subscription Upgraded', properties))).toMatchObject({
      type: 'custom',
      name: 'Subscription Upgraded',
      properties,
    });
  });

  it('rejects a track call without an event name', () => {
    expect(rejected({ type: 'track', userId: 'u-1', properties: {} })).toMatchObject({
      code: 'invalid_event',
      field: 'event',
    });
  });

  it('maps a page call to page_view, with the page from properties when context.page is absent', () => {
    const event = canonical({
      type: 'page',
      anonymousId: 'anon-1',
      name: 'Pricing',
      properties: { category: 'Docs', url: 'https://ex.com/pricing', path: '/pricing', title: 'Pricing' },
    });

    expect(event).toMatchObject({
      type: 'page_view',
      pageName: 'Pricing',
      category: 'Docs',
      context: { page: { url: 'https://ex.com/pricing', path: '/pricing', title: 'Pricing' } },
    });
  });

  it('prefers message.category and context.page on page calls', () => {
    const input = mapped({
      type: 'page',
      anonymousId: 'anon-1',
      category: 'Marketing',
      properties: { category: 'Docs', url: 'https://ex.com/from-properties' },
      context: { page: { url: 'https://ex.com/from-context' } },
    });

    expect(input).toMatchObject({
      category: 'Marketing',
      context: { page: { url: 'https://ex.com/from-context' } },
    });
  });

  it('uses the call from the endpoint (/v1/page) when given', () => {
    expect(mapped({ anonymousId: 'anon-1', name: 'Home' }, 'page')).toMatchObject({
      type: 'page_view',
      pageName: 'Home',
    });
  });

  it('maps a screen call to page_view', () => {
    expect(canonical({ type: 'screen', userId: 'u-1', name: 'Basket' })).toMatchObject({
      type: 'page_view',
      pageName: 'Basket',
    });
  });

  it("maps identify to a custom event named 'identify' with the traits as properties", () => {
    const traits = { email: 'a@example.com', plan: 'pro' };

    expect(canonical({ type: 'identify', userId: 'u-1', traits })).toMatchObject({
      type: 'custom',
      name: 'identify',
      properties: traits,
    });
  });

  it("maps group and alias to custom events named 'group' and 'alias'", () => {
    expect(
      canonical({ type: 'group', userId: 'u-1', groupId: 'g-1', traits: { name: 'Acme' } }),
    ).toMatchObject({
      type: 'custom',
      name: 'group',
      properties: { groupId: 'g-1', traits: { name: 'Acme' } },
    });
    expect(canonical({ type: 'alias', userId: 'u-1', previousId: 'anon-1' })).toMatchObject({
      type: 'custom',
      name: 'alias',
      userId: 'u-1',
      properties: { previousId: 'anon-1' },
    });
  });

  it.each([{ type: 'nonsense', userId: 'u-1' }, { userId: 'u-1' }])(
    'rejects message type of %p',
    (message) => {
      const rejection = rejected(message);

      expect(rejection).toMatchObject({ code: 'invalid_event', field: 'type' });
      expect(rejection.message).toBe('type: expected one of track, page, identify, screen, group, alias');
    },
  );

  it.each([null, 'track', []])('rejects a non-object message %p', (message) => {
    expect(rejected(message)).toMatchObject({ code: 'invalid_event', field: '' });
  });
});

describe('segmentBatchMessages', () => {
  it('returns the batch messages', () => {
    const batch = [track('A', {}), track('B', {})];

    expect(segmentBatchMessages({ batch, sentAt: '2024-05-01T12:00:00.000Z' })).toEqual({
      ok: true,
      messages: batch,
    });
  });

  it('merges batch-level context under each message context, the message winning', () => {
    const result = segmentBatchMessages({
      context: { locale: 'en-US', userAgent: 'batch-agent', page: { url: 'https://batch/', title: 'Batch' } },
      batch: [
        { ...track('A', {}), context: { locale: 'de-DE', page: { url: 'https://message/' } } },
        track('B', {}),
        'not an object',
      ],
    });

    expect(result).toEqual({
      ok: true,
      messages: [
        expect.objectContaining({
          context: {
            locale: 'de-DE',
            userAgent: 'batch-agent',
            page: { url: 'https://message/', title: 'Batch' },
          },
        }),
        expect.objectContaining({
          context: {
            locale: 'en-US',
            userAgent: 'batch-agent',
            page: { url: 'https://batch/', title: 'Batch' },
          },
        }),
        'not an object',
      ],
    });
  });

  it.each([null, [], {}, { batch: {} }])('rejects a body of %p', (body) => {
    expect(segmentBatchMessages(body)).toEqual({
      ok: false,
      rejection: {
        code: 'invalid_event',
        field: 'batch',
        message: 'batch: expected an array of Segment messages',
      },
    });
  });
});

describe('the real @segment/analytics-node client', () => {
  it('sends batches whose every message maps to a canonical event', async () => {
    const bodies: unknown[] = [];
    const analytics = new Analytics({
      writeKey: 'test-key',
      host: 'http://localhost:4000',
      flushAt: 100,
      httpClient: async (_url, request) => {
        bodies.push(JSON.parse(request.body));
        return { status: 200, statusText: 'OK' };
      },
    });

    analytics.track({
      userId: 'u-42',
      event: 'Product Viewed',
      properties: { product_id: 'p-1', price: 9.5 },
    });
    analytics.track({
      anonymousId: 'anon-1',
      event: 'Order Completed',
      properties: { order_id: 'o-1', currency: 'eur', products: [{ product_id: 'p-1', price: 9.5 }] },
    });
    analytics.page({ userId: 'u-1', name: 'Home', properties: { url: 'https://shop.example.com/' } });
    analytics.identify({ userId: 'u-1', traits: { plan: 'pro' } });
    analytics.track({ userId: 'u-1', event: 'Coupon Applied', properties: { code: 'SPRING' } });
    await analytics.closeAndFlush();

    const messages = bodies.flatMap((body) => {
      const unpacked = segmentBatchMessages(body);
      if (!unpacked.ok) throw new Error(unpacked.rejection.message);
      return unpacked.messages;
    });
    const now = new Date();
    const events = messages.map((message) => canonical(message, undefined, now));

    expect(events.map((event) => event.type)).toEqual([
      'product_view',
      'purchase',
      'page_view',
      'custom',
      'custom',
    ]);
    expect(events[0]).toMatchObject({ userId: 'u-42', itemId: 'p-1' });
    expect(events.every((event) => event.eventId.length > 0)).toBe(true);
  });
});
