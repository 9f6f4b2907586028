/**
 * Item ids interned to small integers, once per execution environment, and neighbour lists packed into
 * typed arrays of those integers, once per list object.
 *
 * Why: the hot loop of a request adds up to 20 × 50 neighbour contributions. Keyed by string ids, every one
 * is a hash-table lookup that loads and compares a string, and every list entry an object scattered in
 * memory; keyed by integers from contiguous arrays, the same loop runs several times faster. The published
 * lists come from the per-environment row cache (dynamo-reads.ts) as the same array objects request after
 * request, so each is packed once and then reused (a WeakMap keyed by the array: a list the cache drops is
 * collected with its packed form). Scoring stays a pure function: the index only names items, it never
 * changes a result.
 */
import type { NeighbourView } from './scoring-model';

/**
 * A neighbour list as parallel arrays: entry i is item `ids[i]` with `scores[i]`, in category
 * `categoryIds[i]` (the index's category number, -1 for none).
 */
export interface PackedNeighbours {
  readonly ids: Int32Array;
  readonly scores: Float64Array;
  readonly categoryIds: Int32Array;
}

export class ItemIndex {
  private readonly numbers = new Map<string, number>();
  private readonly names: string[] = [];
  private readonly categoryNumbers = new Map<string, number>();
  private readonly categoryNames: string[] = [];
  private readonly packed = new WeakMap<readonly NeighbourView[], PackedNeighbours>();
  private readonly numbered = new WeakMap<readonly { readonly itemId: string }[], Int32Array>();

  /** The item's number, assigned on first sight: 0, 1, 2, … */
  idOf(itemId: string): number {
    let id = this.numbers.get(itemId);
    if (id === undefined) {
      id = this.names.length;
      this.numbers.set(itemId, id);
      this.names.push(itemId);
    }
    return id;
  }

  /** The item's number if it has one (a lookup that never grows the index). */
  existingIdOf(itemId: string): number | undefined {
    return this.numbers.get(itemId);
  }

  itemAt(id: number): string {
    const name = this.names[id];
    if (name === undefined) throw new RangeError(`no item numbered ${id}`);
    return name;
  }

  get size(): number {
    return this.names.length;
  }

  /** The category's number, assigned on first sight; -1 for none. */
  categoryIdOf(category: string | undefined): number {
    if (category === undefined) return -1;
    let id = this.categoryNumbers.get(category);
    if (id === undefined) {
      id = this.categoryNames.length;
      this.categoryNumbers.set(category, id);
      this.categoryNames.push(category);
    }
    return id;
  }

  /** The category numbered `id`; undefined for -1. */
  categoryAt(id: number): string | undefined {
    return id < 0 ? undefined : this.categoryNames[id];
  }

  /** The numbers of a list's items, in order; the same array object is numbered only once. */
  idsOf(list: readonly { readonly itemId: string }[]): Int32Array {
    const known = this.numbered.get(list);
    if (known) return known;
    const ids = new Int32Array(list.length);
    for (let i = 0; i < list.length; i++) ids[i] = this.idOf((list[i] as { readonly itemId: string }).itemId);
    this.numbered.set(list, ids);
    return ids;
  }

  /** The list packed with this index's numbers; the same array object is packed only once. */
  pack(list: readonly NeighbourView[]): PackedNeighbours {
    const known = this.packed.get(list);
    if (known) return known;
    const ids = this.idsOf(list);
    const scores = new Float64Array(list.length);
    const categoryIds = new Int32Array(list.length);
    for (let i = 0; i < list.length; i++) {
      const n = list[i] as NeighbourView;
      scores[i] = n.score;
      categoryIds[i] = this.categoryIdOf(n.category);
    }
    const result = { ids, scores, categoryIds };
    this.packed.set(list, result);
    return result;
  }
}

/**
 * Past this many items the environment starts a new index (and so packs its lists again): the catalogue
 * plus every id a request ever named stays far below it, but an index must not grow without bound.
 */
export const MAX_INDEXED_ITEMS = 2_000_000;

let environmentIndex = new ItemIndex();

/** The execution environment's index: one per process, as the row cache is. */
export function itemIndex(): ItemIndex {
  if (environmentIndex.size >= MAX_INDEXED_ITEMS) environmentIndex = new ItemIndex();
  return environmentIndex;
}
