/**
 * Per-item neighbour lists of a baseline model (item indexes and weights), packed in three typed arrays
 * (compressed rows): `offsets[i] .. offsets[i + 1]` are item i's entries. On the UCI data an array of
 * `[j, weight]` pairs costs about 60 bytes per entry in the V8 heap; here it is 12, outside it.
 */
export class NeighbourTable {
  /** Usually made by `NeighbourTable.builder`; `offsets` has one entry more than there are rows. */
  constructor(
    private readonly offsets: Uint32Array,
    private readonly neighbours: Uint32Array,
    private readonly weights: Float64Array,
  ) {
    const size = offsets[offsets.length - 1];
    if (offsets.length === 0 || offsets[0] !== 0 || size !== neighbours.length || size !== weights.length)
      throw new RangeError(
        `neighbour table: offsets end at ${size}, ${neighbours.length} neighbours, ${weights.length} weights`,
      );
  }

  /** Items (rows) in the table. */
  get items(): number {
    return this.offsets.length - 1;
  }

  /** Item i's neighbours and weights, in the order they were added (views, not copies). */
  row(i: number): { readonly neighbours: Uint32Array; readonly weights: Float64Array } {
    if (!Number.isInteger(i) || i < 0 || i >= this.items)
      throw new RangeError(`neighbour table: no row ${i} (${this.items} rows)`);
    const from = this.offsets[i] as number;
    const to = this.offsets[i + 1] as number;
    return { neighbours: this.neighbours.subarray(from, to), weights: this.weights.subarray(from, to) };
  }

  /** Item i's weight for neighbour j (undefined when j is not in its list). */
  weight(i: number, j: number): number | undefined {
    const { neighbours, weights } = this.row(i);
    const at = neighbours.indexOf(j);
    return at < 0 ? undefined : weights[at];
  }

  /** A table filled row by row (rows 0, 1, … in order), each row at most `maxPerRow` entries. */
  static builder(rows: number, maxPerRow: number): NeighbourTableBuilder {
    return new NeighbourTableBuilder(rows, maxPerRow);
  }
}

export class NeighbourTableBuilder {
  private readonly offsets: Uint32Array;
  private neighbours: Uint32Array;
  private weights: Float64Array;
  private row = 0;
  private size = 0;

  constructor(
    private readonly rows: number,
    private readonly maxPerRow: number,
  ) {
    if (!Number.isInteger(rows) || rows < 0) throw new RangeError(`neighbour table: rows ${rows}`);
    if (!Number.isInteger(maxPerRow) || maxPerRow < 0)
      throw new RangeError(`neighbour table: maxPerRow ${maxPerRow}`);
    this.offsets = new Uint32Array(rows + 1);
    // Grown by doubling up to rows × maxPerRow: sparse data (most items have few neighbours) stays small.
    const initial = Math.min(rows * maxPerRow, 1024);
    this.neighbours = new Uint32Array(initial);
    this.weights = new Float64Array(initial);
  }

  /** The next row: the first `count` of `neighbours` and `weights` (count <= maxPerRow). */
  addRow(neighbours: ArrayLike<number>, weights: ArrayLike<number>, count: number): this {
    if (this.row >= this.rows) throw new RangeError(`neighbour table: more than ${this.rows} rows`);
    if (count > this.maxPerRow || count > neighbours.length || count > weights.length)
      throw new RangeError(`neighbour table: row ${this.row} has ${count} entries (max ${this.maxPerRow})`);
    this.reserve(this.size + count);
    for (let x = 0; x < count; x++) {
      this.neighbours[this.size + x] = neighbours[x] as number;
      this.weights[this.size + x] = weights[x] as number;
    }
    this.size += count;
    this.row++;
    this.offsets[this.row] = this.size;
    return this;
  }

  build(): NeighbourTable {
    if (this.row !== this.rows)
      throw new RangeError(`neighbour table: ${this.row} of ${this.rows} rows added`);
    return new NeighbourTable(
      this.offsets,
      this.neighbours.slice(0, this.size),
      this.weights.slice(0, this.size),
    );
  }

  private reserve(size: number): void {
    if (size <= this.neighbours.length) return;
    const capacity = Math.min(Math.max(size, this.neighbours.length * 2), this.rows * this.maxPerRow);
    const neighbours = new Uint32Array(capacity);
    neighbours.set(this.neighbours.subarray(0, this.size));
    const weights = new Float64Array(capacity);
    weights.set(this.weights.subarray(0, this.size));
    this.neighbours = neighbours;
    this.weights = weights;
  }
}
