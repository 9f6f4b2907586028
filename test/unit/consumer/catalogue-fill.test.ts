/**
 * Catalogue items filled from events (lambdas/consumer/catalogue-fill.ts): Segment's product properties
 * (name -> title, category, price, currency) reach the canonical event, each batch gives one fill per item
 * (the latest event per field; purchase lines too; the freshness canary never), and the update only sets
 * fields the item does not have (if_not_exists), so the catalogue API always wins.
 */
import {
  type CatalogueFill,
  catalogueFillsOf,
  FilledItems,
  fillUpdateOf,
} from '../../../lambdas/consumer/catalogue-fill';
import { type CanonicalEvent, normalizeEvent, segmentToEventInput } from '../../../lambdas/shared/events';

const receivedAt = new Date('2026-12-01T10:00:00.000Z');
const canonical = (input: Record<string, unknown>): CanonicalEvent => {
  const result = normalizeEvent(input, { receivedAt });
  if (!result.ok) throw new Error(JSON.stringify(result));
  return result.event;
};
const at = (minute: number) => `2026-12-01T09:${String(minute).padStart(2, '0')}:00.000Z`;

describe('Segment product properties', () => {
  it('map name to title, with category, price and currency, on the canonical product event', () => {
    const mapped = segmentToEventInput({
      type: 'track',
      event: 'Product Viewed',
      userId: 'u1',
      timestamp: at(1),
      properties: {
        product_id: 'sku-1',
        name: 'Seed tray',
        category: 'garden',
        price: 4.5,
        currency: 'EUR',
        brand: 'Acme',
      },
    });
    expect(mapped.ok).toBe(true);
    const event = canonical((mapped as { input: Record<string, unknown> }).input);
    expect(event).toMatchObject({
      type: 'product_view',
      itemId: 'sku-1',
      title: 'Seed tray',
      category: 'garden',
      price: 4.5,
      currency: 'EUR',
    });
    expect(catalogueFillsOf([event])).toEqual(
      new Map([['sku-1', { title: 'Seed tray', category: 'garden', price: 4.5, currency: 'EUR' }]]),
    );
  });

  it.each([
    ['empty', ''],
    ['blank', '  '],
    ['over 1000 characters', 'x'.repeat(1001)],
    ['not a string', 42],
  ])('an unusable name (%s) is left out, the event still accepted', (_, name) => {
    const mapped = segmentToEventInput({
      type: 'track',
      event: 'Product Added',
      userId: 'u1',
      timestamp: at(1),
      properties: { product_id: 'sku-1', name },
    });
    const event = canonical((mapped as { input: Record<string, unknown> }).input);
    expect(event).not.toHaveProperty('title');
  });
});

describe('catalogueFillsOf', () => {
  it('gives each item one fill per batch: the latest event per field, purchase lines included, no canary', () => {
    const events = [
      canonical({
        type: 'product_view',
        userId: 'u1',
        itemId: 'a',
        category: 'garden',
        price: 5,
        occurredAt: at(2),
      }),
      canonical({
        type: 'product_view',
        userId: 'u2',
        itemId: 'a',
        price: 4,
        currency: 'EUR',
        occurredAt: at(5),
      }),
      canonical({ type: 'add_to_cart', userId: 'u1', itemId: 'a', quantity: 1, price: 3, occurredAt: at(1) }),
      canonical({
        type: 'purchase',
        userId: 'u1',
        orderId: 'o1',
        currency: 'GBP',
        occurredAt: at(3),
        lineItems: [{ itemId: 'b', quantity: 2, price: 7, category: 'books' }],
      }),
      canonical({ type: 'product_view', userId: 'u3', itemId: 'c', occurredAt: at(3) }),
      canonical({ type: 'page_view', userId: 'u3', category: 'garden', occurredAt: at(3) }),
      {
        ...canonical({ type: 'product_view', userId: 'u4', itemId: 'z', price: 1, occurredAt: at(4) }),
        userId: 'canary#probe',
      },
    ];
    expect(catalogueFillsOf(events)).toEqual(
      new Map<string, CatalogueFill>([
        ['a', { category: 'garden', price: 4, currency: 'EUR' }],
        ['b', { category: 'books', price: 7, currency: 'GBP' }],
      ]),
    );
  });
});

describe('fillUpdateOf', () => {
  it('sets only missing fields (if_not_exists), one update for the item', () => {
    expect(fillUpdateOf('a', { title: 'T', price: 4 })).toEqual({
      key: { itemId: 'a' },
      updateExpression: 'SET #title = if_not_exists(#title, :title), #price = if_not_exists(#price, :price)',
      names: { '#title': 'title', '#price': 'price' },
      values: { ':title': 'T', ':price': 4 },
    });
  });
});

describe('FilledItems', () => {
  it('skips a fill written before with the same values, and forgets the oldest beyond its capacity', () => {
    const filled = new FilledItems(2);
    const fills = new Map<string, CatalogueFill>([
      ['a', { price: 1 }],
      ['b', { price: 2 }],
    ]);
    expect([...filled.pending(fills).keys()]).toEqual(['a', 'b']);
    filled.remember('a', { price: 1 });
    filled.remember('b', { price: 2 });
    expect([...filled.pending(fills).keys()]).toEqual([]);
    expect([...filled.pending(new Map([['a', { price: 9 }]])).keys()]).toEqual(['a']);
    filled.remember('c', { price: 3 });
    expect([...filled.pending(fills).keys()]).toEqual(['a']);
  });
});
