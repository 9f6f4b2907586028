/**
 * The compact per-item neighbour lists of the item-kNN baseline (evaluation/baselines/neighbour-table.ts):
 * rows come back as added, empty rows included, the arrays grow past their first capacity, and a table
 * built wrong (rows missing, too long, out of range) fails with a message instead of reading garbage.
 */
import { NeighbourTable } from '../../../evaluation/baselines/neighbour-table';

describe('NeighbourTable', () => {
  it('returns each row as added, empty rows included', () => {
    const table = NeighbourTable.builder(3, 2)
      .addRow([2, 1], [0.9, 0.5], 2)
      .addRow([], [], 0)
      .addRow([0, 1, 7], [0.25, 0.125, 9], 1)
      .build();
    expect(table.items).toBe(3);
    expect([...table.row(0).neighbours]).toEqual([2, 1]);
    expect([...table.row(0).weights]).toEqual([0.9, 0.5]);
    expect(table.row(1).neighbours).toHaveLength(0);
    // Only the first `count` entries of the scratch arrays are taken.
    expect([...table.row(2).neighbours]).toEqual([0]);
    expect([...table.row(2).weights]).toEqual([0.25]);
    expect(table.weight(0, 1)).toBe(0.5);
    expect(table.weight(2, 1)).toBeUndefined();
  });

  it('keeps every entry when the rows outgrow the first capacity', () => {
    const rows = 300;
    const builder = NeighbourTable.builder(rows, 10);
    for (let i = 0; i < rows; i++) {
      const neighbours = Array.from({ length: 10 }, (_, x) => (i + x + 1) % rows);
      builder.addRow(
        neighbours,
        neighbours.map((j) => 1 / (j + 1)),
        10,
      );
    }
    const table = builder.build();
    for (const i of [0, 101, 299]) {
      expect([...table.row(i).neighbours]).toEqual(Array.from({ length: 10 }, (_, x) => (i + x + 1) % rows));
      expect(table.weight(i, (i + 1) % rows)).toBe(1 / (((i + 1) % rows) + 1));
    }
  });

  it('stores weights as doubles, unrounded', () => {
    const table = NeighbourTable.builder(1, 1)
      .addRow([0], [Math.PI / 3], 1)
      .build();
    expect(table.weight(0, 0)).toBe(Math.PI / 3);
  });

  it('rejects rows past the count, too long, missing, or read out of range', () => {
    expect(() => NeighbourTable.builder(1, 1).addRow([1, 2], [1, 1], 2)).toThrow(
      /row 0 has 2 entries \(max 1\)/,
    );
    expect(() => NeighbourTable.builder(1, 2).addRow([1], [1], 1).addRow([1], [1], 1)).toThrow(
      /more than 1 rows/,
    );
    expect(() => NeighbourTable.builder(2, 2).addRow([1], [1], 1).build()).toThrow(/1 of 2 rows added/);
    const table = NeighbourTable.builder(1, 1).addRow([0], [1], 1).build();
    expect(() => table.row(1)).toThrow(/no row 1 \(1 rows\)/);
    expect(() => table.row(-1)).toThrow(/no row -1/);
    expect(() => new NeighbourTable(Uint32Array.of(0, 2), Uint32Array.of(1), Float64Array.of(1))).toThrow(
      /offsets end at 2, 1 neighbours, 1 weights/,
    );
  });
});
