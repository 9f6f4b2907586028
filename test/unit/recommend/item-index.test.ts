/**
 * The per-environment item numbering (item-index.ts): dense numbers in first-seen order, lookups that never
 * grow the index, and lists packed once per array object.
 */
import { ItemIndex, itemIndex } from '../../../lambdas/recommend/item-index';
import type { NeighbourView } from '../../../lambdas/recommend/scoring';

describe('ItemIndex', () => {
  it('numbers items 0, 1, 2, … in the order first seen, and names them back', () => {
    const index = new ItemIndex();
    expect([index.idOf('b'), index.idOf('a'), index.idOf('b'), index.idOf('c')]).toEqual([0, 1, 0, 2]);
    expect([index.itemAt(0), index.itemAt(1), index.itemAt(2)]).toEqual(['b', 'a', 'c']);
    expect(index.size).toBe(3);
    expect(() => index.itemAt(3)).toThrow('no item numbered 3');
  });

  it('looks an item up without numbering it', () => {
    const index = new ItemIndex();
    index.idOf('a');
    expect(index.existingIdOf('a')).toBe(0);
    expect(index.existingIdOf('z')).toBeUndefined();
    expect(index.size).toBe(1);
  });

  it('numbers categories apart from items, -1 standing for none', () => {
    const index = new ItemIndex();
    expect(index.categoryIdOf('books')).toBe(0);
    expect(index.categoryIdOf('garden')).toBe(1);
    expect(index.categoryIdOf('books')).toBe(0);
    expect(index.categoryIdOf(undefined)).toBe(-1);
    expect([index.categoryAt(1), index.categoryAt(-1)]).toEqual(['garden', undefined]);
    expect(index.size).toBe(0);
  });

  it('packs a neighbour list into parallel arrays, once per array object', () => {
    const index = new ItemIndex();
    const list: NeighbourView[] = [
      { itemId: 'x', score: 0.5, category: 'books' },
      { itemId: 'y', score: 0.25 },
    ];
    const packed = index.pack(list);
    expect([...packed.ids]).toEqual([0, 1]);
    expect([...packed.scores]).toEqual([0.5, 0.25]);
    expect([...packed.categoryIds]).toEqual([0, -1]);
    expect(index.pack(list)).toBe(packed);
    // The same content in another array is another list: packed again, with the same numbers.
    const copy = index.pack(list.map((n) => ({ ...n })));
    expect(copy).not.toBe(packed);
    expect([...copy.ids]).toEqual([0, 1]);
  });

  it('numbers a list of items once per array object', () => {
    const index = new ItemIndex();
    const list = [{ itemId: 'p' }, { itemId: 'q' }, { itemId: 'p' }];
    const ids = index.idsOf(list);
    expect([...ids]).toEqual([0, 1, 0]);
    expect(index.idsOf(list)).toBe(ids);
  });

  it('is one index per execution environment', () => {
    expect(itemIndex()).toBe(itemIndex());
  });
});
