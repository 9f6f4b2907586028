/**
 * Item-kNN (Sarwar et al. 2001; Deshpande & Karypis 2004): cosine similarity of the items' user vectors,
 * shrunk by the number of users in common (c / (c + shrinkage), so two items sharing one buyer are not
 * "identical"), the `neighbours` most similar items kept per item, and a user's score for j the sum of
 * sim(i, j) over the items i in their history.
 */
import type { InteractionMatrix, ItemHistory } from '../interactions';
import { type ItemIndex, itemIndex, userVector } from './item-index';
import { type ListRequest, rankWithFill } from './ranking';

export interface ItemKnnSettings {
  /** Neighbours kept per item. */
  readonly neighbours: number;
  /** λ in common / (common + λ). */
  readonly shrinkage: number;
}

export const DEFAULT_ITEM_KNN: ItemKnnSettings = { neighbours: 50, shrinkage: 10 };

export interface ItemKnnModel {
  readonly index: ItemIndex;
  /** Per item index: [neighbour index, similarity], best first. */
  readonly lists: ReadonlyArray<ReadonlyArray<readonly [number, number]>>;
}

export function fitItemKnn(
  matrix: InteractionMatrix,
  settings: ItemKnnSettings = DEFAULT_ITEM_KNN,
): ItemKnnModel {
  const index = itemIndex(matrix);
  const n = index.items.length;
  const vectors = [...matrix.users.values()].map((h) => userVector(h, index));
  const norms = new Float64Array(n);
  for (const v of vectors) for (const [i, s] of v) norms[i] = (norms[i] as number) + s * s;
  for (let i = 0; i < n; i++) norms[i] = Math.sqrt(norms[i] as number);
  // Users of each item, to accumulate one row of dot products at a time (memory O(n), not O(n²)).
  const itemUsers: number[][] = Array.from({ length: n }, () => []);
  vectors.forEach((v, u) => {
    for (const [i] of v) (itemUsers[i] as number[]).push(u);
  });
  const row = new Float64Array(n);
  const common = new Float64Array(n);
  const lists: Array<Array<readonly [number, number]>> = [];
  for (let i = 0; i < n; i++) {
    const touched: number[] = [];
    for (const u of itemUsers[i] as number[]) {
      const v = vectors[u] as Array<readonly [number, number]>;
      const si = (v.find(([x]) => x === i) as readonly [number, number])[1];
      for (const [j, sj] of v) {
        if (j === i) continue;
        if (common[j] === 0) touched.push(j);
        row[j] = (row[j] as number) + si * sj;
        common[j] = (common[j] as number) + 1;
      }
    }
    const list: Array<readonly [number, number]> = touched.map((j) => {
      const c = common[j] as number;
      const cosine = (row[j] as number) / ((norms[i] as number) * (norms[j] as number));
      return [j, (cosine * c) / (c + settings.shrinkage)];
    });
    for (const j of touched) {
      row[j] = 0;
      common[j] = 0;
    }
    list.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    lists.push(list.slice(0, settings.neighbours));
  }
  return { index, lists };
}

export function itemKnnList(
  model: ItemKnnModel,
  history: ReadonlyMap<string, ItemHistory>,
  request: ListRequest,
): string[] {
  const scores = new Map<string, number>();
  for (const [i] of userVector(history, model.index)) {
    for (const [j, sim] of model.lists[i] ?? []) {
      const item = model.index.items[j] as string;
      scores.set(item, (scores.get(item) ?? 0) + sim);
    }
  }
  return rankWithFill(scores, request);
}
