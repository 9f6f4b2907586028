/**
 * EASE (Steck 2019, "Embarrassingly Shallow Autoencoders for Sparse Data"): the item-item weights
 * B = I − P·diag(1/diag(P)), P = (XᵀX + λI)⁻¹, with a zero diagonal; a user's scores are x_u·B. The
 * strongest simple linear model on most public benchmarks. The dense inverse costs O(n³), so the model
 * keeps the `items` most popular items (items outside it are never recommended; their rows are ignored).
 */

import { invertSpdInPlace } from '../../lambdas/jobs/spd-inverse';
import type { InteractionMatrix, ItemHistory } from '../interactions';
import { type ItemIndex, itemIndex, userVector } from './item-index';
import { type ListRequest, rankWithFill } from './ranking';

export interface EaseSettings {
  /** λ, the L2 regularisation. */
  readonly lambda: number;
  /** Items in the model: the most popular ones. */
  readonly items: number;
}

export const DEFAULT_EASE: EaseSettings = { lambda: 1000, items: 2000 };

export interface EaseModel {
  readonly index: ItemIndex;
  /** n × n, row-major: B[i][j] is what having item i says about item j. */
  readonly weights: Float64Array;
}

export function fitEase(matrix: InteractionMatrix, settings: EaseSettings = DEFAULT_EASE): EaseModel {
  const index = itemIndex(matrix, settings.items);
  const n = index.items.length;
  const gram = new Float64Array(n * n);
  for (const history of matrix.users.values()) {
    const v = userVector(history, index);
    for (const [i, si] of v) {
      const row = i * n;
      for (const [j, sj] of v) gram[row + j] = (gram[row + j] as number) + si * sj;
    }
  }
  for (let i = 0; i < n; i++) gram[i * n + i] = (gram[i * n + i] as number) + settings.lambda;
  // In place: the Gram matrix is not needed after the inverse (one n × n array, not two).
  invertSpdInPlace(gram, n);
  const weights = gram;
  const diagonal = new Float64Array(n);
  for (let j = 0; j < n; j++) diagonal[j] = weights[j * n + j] as number;
  for (let i = 0; i < n; i++) {
    const row = i * n;
    for (let j = 0; j < n; j++)
      weights[row + j] = i === j ? 0 : -(weights[row + j] as number) / (diagonal[j] as number);
  }
  return { index, weights };
}

export function easeList(
  model: EaseModel,
  history: ReadonlyMap<string, ItemHistory>,
  request: ListRequest,
): string[] {
  const n = model.index.items.length;
  const acc = new Float64Array(n);
  for (const [i, signal] of userVector(history, model.index)) {
    const row = i * n;
    for (let j = 0; j < n; j++) acc[j] = (acc[j] as number) + signal * (model.weights[row + j] as number);
  }
  const scores = new Map<string, number>();
  for (let j = 0; j < n; j++)
    if ((acc[j] as number) > 0) scores.set(model.index.items[j] as string, acc[j] as number);
  return rankWithFill(scores, request);
}
