/**
 * Per-request storage keyed by item number (item-index.ts) without a hash table on the hot path: typed
 * arrays indexed by the number. They hold no pointers, so reusing them across requests costs the garbage
 * collector nothing; each is borrowed from its index's spare and given back by `release`, cleared. A store
 * that is never released (a request that threw) is dropped and the next one allocates anew, so two live
 * stores never share arrays.
 */
import type { ItemIndex } from './item-index';

/** Position arrays handed back by finished slot sets, one per index: reused, so no request allocates one. */
const sparePositions = new WeakMap<ItemIndex, Int32Array>();

/** Values keyed by item number: a typed array holds each value's position (plus one) in a plain list. */
export class NumberedSlots<T> {
  private positions: Int32Array;
  private readonly filled: T[] = [];
  private readonly filledIds: number[] = [];

  constructor(private readonly index: ItemIndex) {
    const spare = sparePositions.get(index);
    sparePositions.delete(index);
    this.positions = spare ?? new Int32Array(Math.max(1024, index.size));
  }

  get(id: number): T | undefined {
    const position = id < this.positions.length ? (this.positions[id] as number) : 0;
    return position === 0 ? undefined : this.filled[position - 1];
  }

  /** Sets the value of an item that has none yet (a second set of the same id replaces it). */
  set(id: number, value: T): void {
    if (id >= this.positions.length) this.grow(id);
    const position = this.positions[id] as number;
    if (position !== 0) {
      this.filled[position - 1] = value;
      return;
    }
    this.filled.push(value);
    this.filledIds.push(id);
    this.positions[id] = this.filled.length;
  }

  /** What was set, in the order first set. */
  values(): readonly T[] {
    return this.filled;
  }

  get size(): number {
    return this.filled.length;
  }

  /** Clears the positions and gives the array back to the index; the set is empty afterwards. */
  release(): void {
    for (const id of this.filledIds) this.positions[id] = 0;
    this.filled.length = 0;
    this.filledIds.length = 0;
    sparePositions.set(this.index, this.positions);
    this.positions = new Int32Array(0);
  }

  private grow(id: number): void {
    const larger = new Int32Array(Math.max(id + 1, this.index.size, this.positions.length * 2));
    larger.set(this.positions);
    this.positions = larger;
  }
}

/** Sum arrays handed back by finished collaborative sums, one set per index. */
const spareSums = new WeakMap<ItemIndex, SumArrays>();

interface SumArrays {
  /** Raw sum of an item's contributions. */
  sum: Float64Array;
  /** Its largest single contribution, and which source gave it (plus one; 0: none yet). */
  best: Float64Array;
  source: Int32Array;
  /** The category of its first contribution (category number plus one; 0: none). */
  category: Int32Array;
}

/**
 * The collaborative-filtering sums of one request, by item number: the hot loop adds up to 20 × 50
 * contributions here, and only the items that can still make the page become candidate objects
 * (candidate-pool.ts).
 */
export class CollaborativeSums {
  private arrays: SumArrays;
  /** Item numbers with a contribution, in the order first added. */
  readonly touched: number[] = [];
  /** The largest sum so far. */
  max = 0;

  constructor(private readonly index: ItemIndex) {
    const spare = spareSums.get(index);
    spareSums.delete(index);
    this.arrays = spare ?? allocateSums(Math.max(1024, index.size));
  }

  /** Adds `value` (> 0) from source number `source` (>= 0) to item `id`, first seen in `categoryId` (-1: none). */
  add(id: number, value: number, source: number, categoryId: number): void {
    if (id >= this.arrays.sum.length) this.grow(id);
    const { sum, best, source: sources, category } = this.arrays;
    if (sum[id] === 0 && sources[id] === 0 && category[id] === 0) this.touched.push(id);
    const total = (sum[id] as number) + value;
    sum[id] = total;
    if (total > this.max) this.max = total;
    if (category[id] === 0) category[id] = categoryId + 1;
    // Contributions come strongest source first, so an equal one (within 1e-9) keeps the stronger source.
    if (value - (best[id] as number) > 1e-9) {
      best[id] = value;
      sources[id] = source + 1;
    }
  }

  sumOf(id: number): number {
    return id < this.arrays.sum.length ? (this.arrays.sum[id] as number) : 0;
  }

  bestOf(id: number): number {
    return id < this.arrays.best.length ? (this.arrays.best[id] as number) : 0;
  }

  /** The source of the item's largest contribution; -1 when it has none. */
  sourceOf(id: number): number {
    return id < this.arrays.source.length ? (this.arrays.source[id] as number) - 1 : -1;
  }

  /** The category number of the item's first contribution; -1 when none. */
  categoryIdOf(id: number): number {
    return id < this.arrays.category.length ? (this.arrays.category[id] as number) - 1 : -1;
  }

  /** Clears what was added and gives the arrays back to the index. */
  release(): void {
    const { sum, best, source, category } = this.arrays;
    for (const id of this.touched) {
      sum[id] = 0;
      best[id] = 0;
      source[id] = 0;
      category[id] = 0;
    }
    this.touched.length = 0;
    this.max = 0;
    spareSums.set(this.index, this.arrays);
    this.arrays = allocateSums(0);
  }

  private grow(id: number): void {
    const larger = allocateSums(Math.max(id + 1, this.index.size, this.arrays.sum.length * 2));
    larger.sum.set(this.arrays.sum);
    larger.best.set(this.arrays.best);
    larger.source.set(this.arrays.source);
    larger.category.set(this.arrays.category);
    this.arrays = larger;
  }
}

function allocateSums(length: number): SumArrays {
  return {
    sum: new Float64Array(length),
    best: new Float64Array(length),
    source: new Int32Array(length),
    category: new Int32Array(length),
  };
}
