/**
 * The candidate pool (candidate-pool.ts) where its storage matters: items only collaborative filtering
 * proposed live in typed arrays until they can make the page, so they must rank, take reasons, categories
 * and exclusions exactly as candidates made by other signals do, and nothing may carry over between pools.
 */
import { CandidatePool } from '../../../lambdas/recommend/candidate-pool';
import { ItemIndex } from '../../../lambdas/recommend/item-index';

const NOW = Date.parse('2026-12-04T00:00:00.000Z');
const finish = (
  pool: CandidatePool,
  opts: { limit?: number; category?: string; categoryCap?: number } = {},
) => pool.finish({ limit: 10, ...opts }, new Set(), new Map(), NOW);

/** Sources A (weight 1) and B (weight 0.5) with neighbours a, b, c in two categories. */
function collaborative(pool: CandidatePool, index: ItemIndex): void {
  const fromA = pool.collaborativeSource({ kind: 'viewed', ref: 'A' });
  const fromB = pool.collaborativeSource({ kind: 'bought', ref: 'B' });
  const books = index.categoryIdOf('books');
  const garden = index.categoryIdOf('garden');
  pool.addCollaborativeRaw(index.idOf('a'), 1 * 0.8, fromA, books);
  pool.addCollaborativeRaw(index.idOf('b'), 1 * 0.4, fromA, -1);
  pool.addCollaborativeRaw(index.idOf('b'), 0.5 * 1, fromB, garden);
  pool.addCollaborativeRaw(index.idOf('c'), 0.5 * 0.2, fromB, garden);
  pool.scaleCollaborative(2); // the largest sum (b: 0.9) scores 2
}

describe('CandidatePool', () => {
  it('ranks items only collaborative filtering proposed, with the reason of their largest part', () => {
    const index = new ItemIndex();
    const pool = new CandidatePool(index);
    collaborative(pool, index);
    expect(finish(pool)).toEqual([
      {
        itemId: 'b',
        score: 2,
        reason: 'because you bought B',
        reasonKind: 'bought',
        reasonRef: 'B',
        category: 'garden',
      },
      {
        itemId: 'a',
        score: 1.777778,
        reason: 'because you viewed A',
        reasonKind: 'viewed',
        reasonRef: 'A',
        category: 'books',
      },
      {
        itemId: 'c',
        score: 0.222222,
        reason: 'because you bought B',
        reasonKind: 'bought',
        reasonRef: 'B',
        category: 'garden',
      },
    ]);
  });

  it('adds a later signal to a collaborative item, and lets the larger part give the reason', () => {
    const index = new ItemIndex();
    const pool = new CandidatePool(index);
    collaborative(pool, index);
    pool.add('c', 3, { kind: 'trending', ref: 'garden' }, 'garden');
    pool.add('a', 0.1, { kind: 'popular' }, 'books');
    const [first, second] = finish(pool, { limit: 2 });
    expect(first).toMatchObject({
      itemId: 'c',
      score: 3.222222,
      reasonKind: 'trending',
      reasonRef: 'garden',
    });
    expect(second).toMatchObject({ itemId: 'b', score: 2, reasonKind: 'bought' });
  });

  it('applies the limit, the category filter, the cap and the exclusions to collaborative items', () => {
    const index = new ItemIndex();
    const ids = (opts: Parameters<typeof finish>[1]) => {
      const pool = new CandidatePool(index);
      collaborative(pool, index);
      return finish(pool, opts).map((r) => r.itemId);
    };
    expect(ids({ limit: 1 })).toEqual(['b']);
    expect(ids({ category: 'garden' })).toEqual(['b', 'c']);
    expect(ids({ categoryCap: 1 })).toEqual(['b', 'a']);
    expect(ids({ category: 'kitchen' })).toEqual([]);
    const pool = new CandidatePool(index);
    collaborative(pool, index);
    expect(pool.finish({ limit: 10 }, new Set(['b']), new Map([['a', 'kitchen']]), NOW)).toMatchObject([
      { itemId: 'a', category: 'kitchen' },
      { itemId: 'c', category: 'garden' },
    ]);
  });

  it('starts clean after a pool that never finished (a request that threw)', () => {
    const index = new ItemIndex();
    const abandoned = new CandidatePool(index);
    collaborative(abandoned, index);
    abandoned.add('z', 5, { kind: 'popular' }, undefined);
    const pool = new CandidatePool(index);
    pool.add('y', 1, { kind: 'popular' }, undefined);
    expect(finish(pool).map((r) => r.itemId)).toEqual(['y']);
    const again = new CandidatePool(index);
    expect(finish(again)).toEqual([]);
  });

  it('answers the same from candidate objects a finished pool left behind as from new ones', () => {
    const index = new ItemIndex();
    const request = (on: ItemIndex) => {
      const pool = new CandidatePool(on);
      collaborative(pool, on);
      pool.add('c', 3, { kind: 'trending', ref: 'garden' }, 'garden');
      pool.add(
        'n',
        0.5,
        { kind: 'new', detail: { kind: 'new', attribute: 'brand', value: 'acme', like: 'a' } },
        'kitchen',
      );
      return finish(pool, { categoryCap: 2 });
    };
    const fresh = request(new ItemIndex());
    // A different request first, with more candidates and other reasons, details and categories.
    const earlier = new CandidatePool(index);
    for (const item of ['c', 'n', 'p', 'q', 'r', 's']) earlier.add(item, 9, { kind: 'popular' }, 'toys');
    earlier.add(
      'n',
      1,
      {
        kind: 'reminder',
        ref: 'n',
        detail: { kind: 'reminder', action: 'viewed', times: 3, at: '2026-12-03T00:00:00.000Z' },
      },
      undefined,
    );
    expect(finish(earlier)).toHaveLength(6);
    expect(request(index)).toEqual(fresh);
    expect(request(index)).toEqual(fresh);
  });

  it('refuses collaborative contributions after the sums were scaled', () => {
    const index = new ItemIndex();
    const pool = new CandidatePool(index);
    collaborative(pool, index);
    expect(() => pool.addCollaborativeRaw(index.idOf('d'), 1, 0, -1)).toThrow('after scaleCollaborative');
  });
});
