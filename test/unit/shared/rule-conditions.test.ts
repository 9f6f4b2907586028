/**
 * Each condition of the rules on one catalogue row (lambdas/shared/rule-conditions.ts): category,
 * price range, attribute, availability and recency of creation, both ways (include and exclude), with
 * literal values and with request parameters; a field the row lacks never meets a condition on it.
 */

import type { CatalogueEntry } from '../../../lambdas/shared/catalogue';
import type { Condition } from '../../../lambdas/shared/recommend-rules';
import { matches, matchesAll } from '../../../lambdas/shared/rule-conditions';

const NOW = Date.parse('2026-12-01T00:00:00.000Z');
const daysAgo = (d: number) => new Date(NOW - d * 86_400_000).toISOString();

const book: CatalogueEntry = {
  itemId: 'b1',
  category: 'books',
  price: 12.5,
  availability: 'in_stock',
  createdAt: daysAgo(3),
  attributes: { brand: 'acme', promoted: true, pages: 320, tags: ['gift', 'new'] },
};
const bare: CatalogueEntry = { itemId: 'x' };

const holds = (c: Condition, entry: CatalogueEntry | undefined = book, values = {}) =>
  matches(c, entry, values, NOW);

describe('category', () => {
  it('includes the listed categories and excludes the others', () => {
    expect(holds({ field: 'category', in: ['books', 'music'] })).toBe(true);
    expect(holds({ field: 'category', in: ['music'] })).toBe(false);
    expect(holds({ field: 'category', notIn: ['books'] })).toBe(false);
    expect(holds({ field: 'category', notIn: ['music'] })).toBe(true);
  });
  it('takes the categories from a string or list parameter', () => {
    const c: Condition = { field: 'category', in: { param: 'cats' } };
    expect(holds(c, book, { cats: ['music', 'books'] })).toBe(true);
    expect(holds(c, book, { cats: 'music' })).toBe(false);
  });
  it('never holds for an item without a category (even notIn)', () => {
    expect(holds({ field: 'category', notIn: ['music'] }, bare)).toBe(false);
    expect(matches({ field: 'category', in: ['books'] }, undefined, {}, NOW)).toBe(false);
  });
});

describe('price', () => {
  it('keeps prices inside [min, max], bounds included', () => {
    expect(holds({ field: 'price', max: 12.5 })).toBe(true);
    expect(holds({ field: 'price', max: 12.49 })).toBe(false);
    expect(holds({ field: 'price', min: 12.5, max: 20 })).toBe(true);
    expect(holds({ field: 'price', min: 13 })).toBe(false);
  });
  it('reads the bound from the request (price_under&maxPrice=20)', () => {
    const under: Condition = { field: 'price', max: { param: 'maxPrice' } };
    expect(holds(under, book, { maxPrice: 20 })).toBe(true);
    expect(holds(under, book, { maxPrice: 10 })).toBe(false);
  });
  it('leaves out items whose price is unknown', () => {
    expect(holds({ field: 'price', max: 1000 }, bare)).toBe(false);
  });
});

describe('attribute', () => {
  it('matches scalar values by type and list values by any element', () => {
    expect(holds({ field: 'attribute', name: 'brand', in: ['acme'] })).toBe(true);
    expect(holds({ field: 'attribute', name: 'promoted', in: [true] })).toBe(true);
    expect(holds({ field: 'attribute', name: 'promoted', in: ['true'] })).toBe(false);
    expect(holds({ field: 'attribute', name: 'pages', in: [320] })).toBe(true);
    expect(holds({ field: 'attribute', name: 'tags', in: ['gift'] })).toBe(true);
    expect(holds({ field: 'attribute', name: 'tags', notIn: ['new'] })).toBe(false);
    expect(holds({ field: 'attribute', name: 'brand', notIn: ['other'] })).toBe(true);
  });
  it('tests presence with exists', () => {
    expect(holds({ field: 'attribute', name: 'brand', exists: true })).toBe(true);
    expect(holds({ field: 'attribute', name: 'colour', exists: true })).toBe(false);
    expect(holds({ field: 'attribute', name: 'colour', exists: false })).toBe(true);
    expect(holds({ field: 'attribute', name: 'brand', exists: false })).toBe(false);
  });
  it('takes the values from a parameter, and an absent attribute does not match in/notIn', () => {
    const c: Condition = { field: 'attribute', name: 'brand', in: { param: 'brand' } };
    expect(holds(c, book, { brand: 'acme' })).toBe(true);
    expect(holds(c, book, { brand: ['x', 'y'] })).toBe(false);
    expect(holds({ field: 'attribute', name: 'brand', notIn: ['x'] }, bare)).toBe(false);
  });
});

describe('availability', () => {
  it('includes or excludes availability values', () => {
    expect(holds({ field: 'availability', in: ['in_stock'] })).toBe(true);
    expect(holds({ field: 'availability', notIn: ['in_stock'] })).toBe(false);
    expect(holds({ field: 'availability', in: ['in_stock'] }, bare)).toBe(false);
  });
});

describe('createdAt', () => {
  it('keeps items created within the last N days (new arrivals) or older than N days', () => {
    expect(holds({ field: 'createdAt', withinDays: 7 })).toBe(true);
    expect(holds({ field: 'createdAt', withinDays: 2 })).toBe(false);
    expect(holds({ field: 'createdAt', olderThanDays: 2 })).toBe(true);
    expect(holds({ field: 'createdAt', olderThanDays: 3 })).toBe(false);
    expect(holds({ field: 'createdAt', withinDays: { param: 'days' } }, book, { days: 5 })).toBe(true);
  });
  it('uses the injected clock, not the wall clock', () => {
    expect(matches({ field: 'createdAt', withinDays: 7 }, book, {}, NOW + 10 * 86_400_000)).toBe(false);
  });
  it('leaves out items without a (parsable) creation date', () => {
    expect(holds({ field: 'createdAt', olderThanDays: 0 }, bare)).toBe(false);
    expect(holds({ field: 'createdAt', olderThanDays: 0 }, { itemId: 'z', createdAt: 'soon' })).toBe(false);
  });
});

it('matchesAll needs every condition', () => {
  const cheapBooks: Condition[] = [
    { field: 'category', in: ['books'] },
    { field: 'price', max: 10 },
  ];
  expect(matchesAll(cheapBooks, book, {}, NOW)).toBe(false);
  expect(matchesAll(cheapBooks, { ...book, price: 9 }, {}, NOW)).toBe(true);
});
