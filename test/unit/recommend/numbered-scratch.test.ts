/**
 * Per-request stores keyed by item number (numbered-scratch.ts): what one request leaves behind must never
 * reach the next, whether it released its arrays or threw before it could.
 */
import { ItemIndex } from '../../../lambdas/recommend/item-index';
import { CollaborativeSums, NumberedSlots } from '../../../lambdas/recommend/numbered-scratch';

interface Box {
  name: string;
}
const box = (name: string): Box => ({ name });
const namesOf = (slots: NumberedSlots<Box>) => slots.filter(() => true).map((b) => b.name);

describe('NumberedSlots', () => {
  it('keeps values by number, listed in the order first set', () => {
    const slots = new NumberedSlots<Box>(new ItemIndex());
    slots.set(7, box('seven'));
    slots.set(2, box('two'));
    slots.set(7, box('SEVEN'));
    expect([slots.get(7)?.name, slots.get(2)?.name, slots.get(3)]).toEqual(['SEVEN', 'two', undefined]);
    expect(namesOf(slots)).toEqual(['SEVEN', 'two']);
    expect(slots.filter((b) => b.name === 'two')).toEqual([box('two')]);
    expect(slots.size).toBe(2);
  });

  it('grows past its first capacity, in numbers and in values', () => {
    const slots = new NumberedSlots<Box>(new ItemIndex());
    slots.set(100_000, box('far'));
    expect(slots.get(100_000)?.name).toBe('far');
    expect(slots.get(200_000)).toBeUndefined();
    for (let id = 0; id < 1000; id++) slots.set(id, box(`${id}`));
    expect(slots.size).toBe(1001);
    expect(slots.get(999)?.name).toBe('999');
    expect(namesOf(slots).slice(0, 3)).toEqual(['far', '0', '1']);
  });

  it('hands cleared positions to the next set after release, and its values to reuse', () => {
    const index = new ItemIndex();
    const first = new NumberedSlots<Box>(index);
    const three = box('three');
    first.set(3, three);
    expect(first.recycled()).toBeUndefined();
    first.release();
    expect(first.size).toBe(0);
    const next = new NumberedSlots<Box>(index);
    expect(next.get(3)).toBeUndefined();
    expect(namesOf(next)).toEqual([]);
    // The value the first set held is offered once, then nothing is left to spare.
    const reused = next.recycled();
    expect(reused).toBe(three);
    (reused as Box).name = 'five';
    next.set(5, reused as Box);
    expect(next.recycled()).toBeUndefined();
    expect([next.get(5)?.name, next.get(3)]).toEqual(['five', undefined]);
  });

  it('never shares an array between two live sets (one that was never released included)', () => {
    const index = new ItemIndex();
    const abandoned = new NumberedSlots<Box>(index);
    abandoned.set(1, box('left behind'));
    const live = new NumberedSlots<Box>(index);
    live.set(1, box('mine'));
    expect(live.recycled()).toBeUndefined();
    expect(abandoned.get(1)?.name).toBe('left behind');
    expect(live.get(1)?.name).toBe('mine');
  });
});

function touchedOf(sums: CollaborativeSums): number[] {
  return Array.from({ length: sums.touchedCount }, (_, k) => sums.touchedAt(k));
}

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
    expect(touchedOf(sums)).toEqual([4, 9]);
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
    expect(touchedOf(next)).toEqual([]);
  });

  it('keeps the order of first contribution past its first touched array, and after reuse', () => {
    const index = new ItemIndex();
    const first = new CollaborativeSums(index);
    const ids = Array.from({ length: 600 }, (_, k) => (k * 7919) % 5000);
    for (const id of ids) first.add(id, 1, 0, -1);
    for (const id of ids) first.add(id, 1, 0, -1); // a second contribution touches nothing new
    expect(touchedOf(first)).toEqual(ids);
    first.release();
    const next = new CollaborativeSums(index);
    next.add(3, 1, 0, -1);
    next.add(1, 1, 0, -1);
    expect(touchedOf(next)).toEqual([3, 1]);
    expect(next.sumOf(ids[1] as number)).toBe(0);
  });

  it('never shares arrays between two live sums', () => {
    const index = new ItemIndex();
    const abandoned = new CollaborativeSums(index);
    abandoned.add(1, 5, 0, 0);
    const live = new CollaborativeSums(index);
    expect(live.sumOf(1)).toBe(0);
  });
});
