/**
 * Per-request storage keyed by item number (item-index.ts) without a hash table on the hot path: typed
 * arrays indexed by the number. They hold no pointers, so reusing them across requests costs the garbage
 * collector nothing; each is borrowed from its index's spare and given back by `release`, cleared. A store
 * that is never released (a request that threw) is dropped and the next one allocates anew, so two live
 * stores never share arrays.
 */
import type { ItemIndex } from './item-index';

/**
 * What a finished slot set hands back to its index: the position array, the item numbers set, and the values
 * themselves, kept so the next request can overwrite them in place (`recycled`) instead of allocating.
 */
interface SlotArrays {
  positions: Int32Array;
  ids: Int32Array;
  values: unknown[];
}

/** One spare per index. The candidate pool is the only user of slots, so the kept values are its candidates. */
const spareSlots = new WeakMap<ItemIndex, SlotArrays>();

/**
 * Values keyed by item number: a typed array holds each value's position (plus one) in a plain list. The
 * values stay in the list after `release`, for the next set of the same index to reuse (`recycled`).
 */
export class NumberedSlots<T extends object> {
  private arrays: SlotArrays;
  private count = 0;

  constructor(private readonly index: ItemIndex) {
    const spare = spareSlots.get(index);
    spareSlots.delete(index);
    this.arrays = spare ?? {
      positions: new Int32Array(Math.max(1024, index.size)),
      ids: new Int32Array(256),
      values: [],
    };
  }

  get(id: number): T | undefined {
    const { positions } = this.arrays;
    const position = id < positions.length ? (positions[id] as number) : 0;
    return position === 0 ? undefined : (this.arrays.values[position - 1] as T);
  }

  /**
   * A value an earlier request of this index left behind, no longer in use: the caller overwrites every field
   * and passes it to `set` for an item that has no value yet (it takes the place it came from), before asking
   * for another. Undefined when there is none to spare.
   */
  recycled(): T | undefined {
    return this.count < this.arrays.values.length ? (this.arrays.values[this.count] as T) : undefined;
  }

  /** Sets the value of an item that has none yet (a second set of the same id replaces it). */
  set(id: number, value: T): void {
    if (id >= this.arrays.positions.length) this.grow(id);
    const { positions } = this.arrays;
    const position = positions[id] as number;
    if (position !== 0) {
      this.arrays.values[position - 1] = value;
      return;
    }
    if (this.count === this.arrays.ids.length) {
      const ids = new Int32Array(Math.max(256, this.arrays.ids.length * 2));
      ids.set(this.arrays.ids);
      this.arrays.ids = ids;
    }
    this.arrays.ids[this.count] = id;
    this.arrays.values[this.count] = value;
    this.count++;
    positions[id] = this.count;
  }

  /** Calls `visit` with each value, in the order first set. */
  forEach(visit: (value: T) => void): void {
    for (let k = 0; k < this.count; k++) visit(this.arrays.values[k] as T);
  }

  /** The values that pass `keep`, in the order first set. */
  filter(keep: (value: T) => boolean): T[] {
    const kept: T[] = [];
    this.forEach((value) => {
      if (keep(value)) kept.push(value);
    });
    return kept;
  }

  get size(): number {
    return this.count;
  }

  /**
   * Clears the positions and gives the arrays, values included, back to the index; the set is empty
   * afterwards. Values handed out before stay readable until the next set of the index reuses them.
   */
  release(): void {
    const { positions, ids } = this.arrays;
    for (let k = 0; k < this.count; k++) positions[ids[k] as number] = 0;
    this.count = 0;
    spareSlots.set(this.index, this.arrays);
    this.arrays = { positions: new Int32Array(0), ids: new Int32Array(0), values: [] };
  }

  private grow(id: number): void {
    const larger = new Int32Array(Math.max(id + 1, this.index.size, this.arrays.positions.length * 2));
    larger.set(this.arrays.positions);
    this.arrays.positions = larger;
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
  /**
   * Item numbers with a contribution, in the order first added (the first `touchedCount`). Typed and kept
   * with the sums: a plain array emptied by `length = 0` gives its storage up, and regrew every request.
   */
  touched: Int32Array;
}

/**
 * The collaborative-filtering sums of one request, by item number: the hot loop adds up to 20 × 50
 * contributions here, and only the items that can still make the page become candidate objects
 * (candidate-pool.ts).
 */
export class CollaborativeSums {
  private arrays: SumArrays;
  /** How many items have a contribution (`touchedAt(0 … touchedCount − 1)`). */
  touchedCount = 0;
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
    if (sum[id] === 0 && sources[id] === 0 && category[id] === 0) this.touch(id);
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

  /** The k-th item number with a contribution, in the order first added. */
  touchedAt(k: number): number {
    return this.arrays.touched[k] as number;
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
    const { sum, best, source, category, touched } = this.arrays;
    for (let k = 0; k < this.touchedCount; k++) {
      const id = touched[k] as number;
      sum[id] = 0;
      best[id] = 0;
      source[id] = 0;
      category[id] = 0;
    }
    this.touchedCount = 0;
    this.max = 0;
    spareSums.set(this.index, this.arrays);
    this.arrays = allocateSums(0);
  }

  private touch(id: number): void {
    let { touched } = this.arrays;
    if (this.touchedCount === touched.length) {
      touched = new Int32Array(Math.max(256, touched.length * 2));
      touched.set(this.arrays.touched);
      this.arrays.touched = touched;
    }
    touched[this.touchedCount++] = id;
  }

  private grow(id: number): void {
    const larger = allocateSums(Math.max(id + 1, this.index.size, this.arrays.sum.length * 2));
    larger.sum.set(this.arrays.sum);
    larger.best.set(this.arrays.best);
    larger.source.set(this.arrays.source);
    larger.category.set(this.arrays.category);
    larger.touched = this.arrays.touched;
    this.arrays = larger;
  }
}

function allocateSums(length: number): SumArrays {
  return {
    sum: new Float64Array(length),
    best: new Float64Array(length),
    source: new Int32Array(length),
    category: new Int32Array(length),
    touched: new Int32Array(0),
  };
}
