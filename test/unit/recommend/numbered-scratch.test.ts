/**
 * Per-request stores keyed by item number (numbered-scratch.ts): what one request leaves behind must never
 * reach the next, whether it released its arrays or threw before it could.
 */
import { ItemIndex } from '../../../lambdas/recommend/item-index';
import { CollaborativeSums, NumberedSlots } from '../../../lambdas/recommend/numbered-scratch';

describe('NumberedSlots', () => {
  it('keeps values by number, listed in the order first set', () => {
    const slots = new NumberedSlots<string>(new ItemIndex());
    slots.set(7, 'seven');
    slots.set(2, 'two');
    slots.set(7, 'SEVEN');
    expect([slots.get(7), slots.get(2), slots.get(3)]).toEqual(['SEVEN', 'two', undefined]);
    expect(slots.values()).toEqual(['SEVEN', 'two']);
    expect(slots.size).toBe(2);
  });

  it('grows past its first capacity', () => {
    const slots = new NumberedSlots<number>(new ItemIndex());
    slots.set(100_000, 1);
    expect(slots.get(100_000)).toBe(1);
    expect(slots.get(200_000)).toBeUndefined();
  });

  it('hands a cleared array to the next set after release', () => {
    const index = new ItemIndex();
    const first = new NumberedSlots<string>(index);
    first.set(3, 'three');
    first.release();
    expect(first.size).toBe(0);
    const next = new NumberedSlots<string>(index);
    expect(next.get(3)).toBeUndefined();
    expect(next.values()).toEqual([]);
  });

  it('never shares an array between two live sets (one that was never released included)', () => {
    const index = new ItemIndex();
    const abandoned = new NumberedSlots<string>(index);
    abandoned.set(1, 'left behind');
    const live = new NumberedSlots<string>(index);
    live.set(1, 'mine');
    expect(abandoned.get(1)).toBe('left behind');
    expect(live.get(1)).toBe('mine');
  });
});

describe('CollaborativeSums', () => {
  it('sums contributions, keeps the largest one with its source and the first category', () => {
    const sums = new CollaborativeSums(new ItemIndex());
    sums.add(4, 0.5, 0, -1);
    sums.add(4, 0.75, 1, 3);
    sums.add(4, 0.75 + 1e-12, 2, 5); // equal within 1e-9: the earlier (stronger) source keeps it
    sums.add(9, 0.25, 2, 1);
    expect(sums.sumOf(4)).toBeCloseTo(2, 10);
    expect(sums.bestOf(4)).toBe(0.75);
    expect(sums.sourceOf(4)).toBe(1);
    expect(sums.categoryIdOf(4)).toBe(3);
    expect(sums.categoryIdOf(9)).toBe(1);
    expect(sums.touched).toEqual([4, 9]);
    expect(sums.max).toBeCloseTo(2, 10);
    expect([sums.sumOf(5), sums.sourceOf(5), sums.categoryIdOf(5)]).toEqual([0, -1, -1]);
  });

  it('clears what it held on release, for the next request', () => {
    const index = new ItemIndex();
    const first = new CollaborativeSums(index);
    first.add(2, 1, 0, 0);
    first.add(50_000, 1, 0, 0);
    first.release();
    const next = new CollaborativeSums(index);
    expect([next.sumOf(2), next.sourceOf(2), next.categoryIdOf(2), next.max]).toEqual([0, -1, -1, 0]);
    expect(next.touched).toEqual([]);
  });

  it('never shares arrays between two live sums', () => {
    const index = new ItemIndex();
    const abandoned = new CollaborativeSums(index);
    abandoned.add(1, 5, 0, 0);
    const live = new CollaborativeSums(index);
    expect(live.sumOf(1)).toBe(0);
  });
});
