/**
 * Item-kNN (Sarwar et al. 2001; Deshpande & Karypis 2004): cosine similarity of the items' user vectors,
 * shrunk by the number of users in common (c / (c + shrinkage), so two items sharing one buyer are not
 * "identical"), the `neighbours` most similar items kept per item, and a user's score for j the sum of
 * sim(i, j) over the items i in their history.
 */
import type { InteractionMatrix, ItemHistory } from '../interactions';
import { type ItemIndex, itemIndex, userVector } from './item-index';
import { NeighbourTable } from './neighbour-table';
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
  /** Per item index: its neighbours' indexes and similarities, best first. */
  readonly lists: NeighbourTable;
}

export function fitItemKnn(
  matrix: InteractionMatrix,
  settings: ItemKnnSettings = DEFAULT_ITEM_KNN,
): ItemKnnModel {
  const index = itemIndex(matrix);
  const n = index.items.length;
  const users = userRows(matrix, index);
  const norms = new Float64Array(n);
  for (let x = 0; x < users.items.length; x++) {
    const s = users.signals[x] as number;
    norms[users.items[x] as number] += s * s;
  }
  for (let i = 0; i < n; i++) norms[i] = Math.sqrt(norms[i] as number);
  const itemUsers = usersByItem(users, n);
  // One row of dot products at a time, in scratch arrays reused for every item: memory O(n), not O(n²),
  // and no object per pair (the pairs of one item run into the thousands on a year of retail data).
  const row = new Float64Array(n);
  const common = new Float64Array(n);
  const similarity = new Float64Array(n);
  const touched = new Uint32Array(n);
  const top = new Uint32Array(settings.neighbours);
  const topWeights = new Float64Array(settings.neighbours);
  const lists = NeighbourTable.builder(n, settings.neighbours);
  for (let i = 0; i < n; i++) {
    let count = 0;
    for (let x = itemUsers.offsets[i] as number; x < (itemUsers.offsets[i + 1] as number); x++) {
      const u = itemUsers.users[x] as number;
      const from = users.offsets[u] as number;
      const to = users.offsets[u + 1] as number;
      let si = 0;
      for (let y = from; y < to; y++)
        if (users.items[y] === i) {
          si = users.signals[y] as number;
          break;
        }
      for (let y = from; y < to; y++) {
        const j = users.items[y] as number;
        if (j === i) continue;
        if (common[j] === 0) touched[count++] = j;
        row[j] += si * (users.signals[y] as number);
        common[j] += 1;
      }
    }
    for (let t = 0; t < count; t++) {
      const j = touched[t] as number;
      const c = common[j] as number;
      const cosine = (row[j] as number) / ((norms[i] as number) * (norms[j] as number));
      similarity[j] = (cosine * c) / (c + settings.shrinkage);
      row[j] = 0;
      common[j] = 0;
    }
    // Best first, ties by index: a total order, so the same lists whatever the sort's algorithm.
    const candidates = touched.subarray(0, count);
    candidates.sort((a, b) => (similarity[b] as number) - (similarity[a] as number) || a - b);
    const kept = Math.min(count, settings.neighbours);
    for (let t = 0; t < kept; t++) {
      top[t] = candidates[t] as number;
      topWeights[t] = similarity[candidates[t] as number] as number;
    }
    lists.addRow(top, topWeights, kept);
  }
  return { index, lists: lists.build() };
}

/** Every user's (item index, signal) entries, packed: user u's are `offsets[u] .. offsets[u + 1]`. */
function userRows(
  matrix: InteractionMatrix,
  index: ItemIndex,
): { offsets: Uint32Array; items: Uint32Array; signals: Float64Array } {
  let size = 0;
  for (const history of matrix.users.values()) size += history.size;
  const offsets = new Uint32Array(matrix.users.size + 1);
  const items = new Uint32Array(size);
  const signals = new Float64Array(size);
  let u = 0;
  let at = 0;
  for (const history of matrix.users.values()) {
    for (const [i, signal] of userVector(history, index)) {
      items[at] = i;
      signals[at] = signal;
      at++;
    }
    offsets[++u] = at;
  }
  return { offsets, items: items.subarray(0, at), signals: signals.subarray(0, at) };
}

/** The users of each item, in user order: item i's are `users[offsets[i] .. offsets[i + 1]]`. */
function usersByItem(
  rows: { offsets: Uint32Array; items: Uint32Array },
  n: number,
): { offsets: Uint32Array; users: Uint32Array } {
  const offsets = new Uint32Array(n + 1);
  for (const i of rows.items) offsets[i + 1] += 1;
  for (let i = 0; i < n; i++) offsets[i + 1] += offsets[i] as number;
  const next = offsets.slice(0, n);
  const users = new Uint32Array(rows.items.length);
  for (let u = 0; u + 1 < rows.offsets.length; u++)
    for (let x = rows.offsets[u] as number; x < (rows.offsets[u + 1] as number); x++) {
      const i = rows.items[x] as number;
      users[next[i]++] = u;
    }
  return { offsets, users };
}

export function itemKnnList(
  model: ItemKnnModel,
  history: ReadonlyMap<string, ItemHistory>,
  request: ListRequest,
): string[] {
  const scores = new Map<string, number>();
  for (const [i] of userVector(history, model.index)) {
    const { neighbours, weights } = model.lists.row(i);
    for (let x = 0; x < neighbours.length; x++) {
      const item = model.index.items[neighbours[x] as number] as string;
      scores.set(item, (scores.get(item) ?? 0) + (weights[x] as number));
    }
  }
  return rankWithFill(scores, request);
}
