/**
 * The stored form of published lists (lambdas/shared/published-encoding.ts): what the publisher writes
 * reads back exactly, the legacy list of maps still reads for one release, and a value that would break
 * the format stops the publish instead of corrupting a list.
 */

import type { Neighbour, SimilarityItem, TrendingItem } from '../../../lambdas/shared/published';
import {
  decodeNeighbours,
  decodeTrendingEntries,
  encodeNeighbours,
  encodeTrendingEntries,
  PublishedListFormatError,
  storedPublishedRow,
} from '../../../lambdas/shared/published-encoding';

const neighbours: Neighbour[] = [
  { itemId: 'item-1', score: 0.9731, support: 12 },
  { itemId: 'é#ø/ 2', score: 1e-7, support: 0 },
  { itemId: 'item-3', score: 0.1 + 0.2, support: 40 },
];

describe('packed neighbour lists', () => {
  it('read back exactly what was written, in order', () => {
    const packed = encodeNeighbours(neighbours);
    expect(typeof packed).toBe('string');
    expect(decodeNeighbours(packed)).toEqual(neighbours);
  });

  it('an empty list round-trips', () => {
    expect(decodeNeighbours(encodeNeighbours([]))).toEqual([]);
  });

  it('still reads the legacy list of maps, skipping malformed entries as the old reader did', () => {
    expect(
      decodeNeighbours([
        { itemId: 'a', score: 0.5, support: 3 },
        { itemId: 'b' },
        'junk',
        { itemId: 'c', score: 0.25 },
      ]),
    ).toEqual([
      { itemId: 'a', score: 0.5, support: 3 },
      { itemId: 'c', score: 0.25, support: 0 },
    ]);
    expect(decodeNeighbours(undefined)).toEqual([]);
  });

  it('refuses an id that contains a separator, naming it', () => {
    expect(() => encodeNeighbours([{ itemId: 'a\u001eb', score: 1, support: 1 }])).toThrow(
      /itemId "a\\u001eb" cannot be published/,
    );
    expect(() => encodeNeighbours([{ itemId: 'a', score: Number.NaN, support: 1 }])).toThrow(
      PublishedListFormatError,
    );
  });

  it('refuses an unknown format version and a malformed entry instead of guessing', () => {
    expect(() => decodeNeighbours('2\u001ea\u001f1\u001f1')).toThrow(/unknown published list format '2'/);
    expect(() => decodeNeighbours('1\u001ea')).toThrow(/malformed published list entry 1/);
  });
});

describe('packed trending lists', () => {
  const entries: TrendingItem['items'] = [
    { itemId: 'x', score: 1000, category: 'shoes' },
    { itemId: 'y', score: 333.333 },
  ];

  it('keep the optional category per entry', () => {
    expect(decodeTrendingEntries(encodeTrendingEntries(entries))).toEqual(entries);
  });

  it('still read the legacy list of maps', () => {
    expect(decodeTrendingEntries(entries)).toEqual(entries);
  });
});

describe('storedPublishedRow', () => {
  it('packs the list of either table and keeps keys and TTL', () => {
    const similarity: SimilarityItem = { itemId: 'i', version: 'v', neighbours, expiresAt: 5 };
    const trending: TrendingItem = { scope: 'global', version: 'v', items: [{ itemId: 'x', score: 1 }] };
    expect(storedPublishedRow(similarity)).toEqual({
      itemId: 'i',
      version: 'v',
      neighbours: encodeNeighbours(neighbours),
      expiresAt: 5,
    });
    expect(storedPublishedRow(trending)).toEqual({
      scope: 'global',
      version: 'v',
      items: encodeTrendingEntries(trending.items),
    });
  });
});
