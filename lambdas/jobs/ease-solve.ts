/**
 * The cf job's solve step for EASE (Steck 2019, "Embarrassingly Shallow Autoencoders for Sparse Data"):
 * from the head items' user vectors (cf_vectors.sql), the Gram matrix G = XᵀX and the item-item weights
 *   P = (G + λI)⁻¹,   B[i][j] = −P[i][j] / P[j][j]  (i ≠ j),   B[i][i] = 0,
 * and, per item i, its topK neighbours j by B[i][j] > 0, as the similarity step's rows (SimilarityRow), so
 * that the publish path and the API read them as any neighbour list. Scores are B / the largest B of the
 * run, rounded to 12 decimals: in (0, 1], proportional, so a user's sum over sources stays EASE's x_u·B
 * over the positive part of the lists. Domain code: no I/O.
 *
 * Time Σ_u k_u² for G (k_u: the user's head items) plus O(n³) for the inverse; memory one n × n
 * Float64Array (8 n² bytes) and the users per pair (4 n² bytes) plus the rows.
 */
import { fallbackRow, withFallback } from './ease-fallback';
import type { CfRunParams, SimilarityRow } from './job-sql';
import { invertSpdInPlace } from './spd-inverse';

export interface EaseSolveSettings {
  /** λ, the L2 regularisation added to the Gram matrix's diagonal. */
  readonly lambda: number;
  /** Neighbours kept per item. */
  readonly topK: number;
}

/** The solve of a cf run with these settings: EASE's, else none (RP3beta's rows are its neighbour lists). */
export function cfSolveSettings(
  p: Pick<CfRunParams, 'model' | 'easeLambda' | 'topK'>,
): EaseSolveSettings | undefined {
  return p.model === 'ease' ? { lambda: p.easeLambda, topK: p.topK } : undefined;
}

/**
 * A cf run's result rows as neighbour rows: when the run has a solve step (EASE, cf_ease.sql), its vector
 * rows solved and its fallback rows merged in (ease-fallback.ts); as they are otherwise (RP3beta).
 */
export function cfNeighbourRows(
  rows: readonly Readonly<Record<string, unknown>>[],
  solve: EaseSolveSettings | undefined,
): readonly Readonly<Record<string, unknown>>[] {
  if (!solve) return rows;
  const vectors: VectorRow[] = [];
  const fallback: SimilarityRow[] = [];
  for (const row of rows) {
    // Runs from before the fallback have vector rows only, without row_kind.
    if (row.row_kind === 'fallback')
      fallback.push(fallbackRow(row.item_id, row.neighbour_id, row.score, row.support, row.rank));
    else vectors.push(vectorRow(row.user_key, row.item_id, row.signal));
  }
  return withFallback(easeSimilarityRows(vectors, solve), fallback);
}

export interface VectorRow {
  readonly user_key: string;
  readonly item_id: string;
  readonly signal: number;
}

/** Parses cf_vectors.sql's rows (JSON numbers may arrive as strings); a bad row stops the solve with the row. */
export function vectorRows(rows: readonly Readonly<Record<string, unknown>>[]): VectorRow[] {
  return rows.map((row) => vectorRow(row.user_key, row.item_id, row.signal));
}

export function vectorRow(user_key: unknown, item_id: unknown, signal: unknown): VectorRow {
  const value = Number(signal);
  if (typeof user_key !== 'string' || user_key === '' || typeof item_id !== 'string' || item_id === '')
    throw new Error(
      `EASE vector row has no user_key / item_id: ${JSON.stringify({ user_key, item_id, signal })}`,
    );
  if (signal === null || signal === '' || !Number.isFinite(value) || value <= 0)
    throw new Error(
      `EASE vector row has no positive signal: ${JSON.stringify({ user_key, item_id, signal })}`,
    );
  return { user_key, item_id, signal: value };
}

/** G = XᵀX (row-major, n × n) and the users per pair, from the vector rows; items sorted by id. */
export function gramMatrix(rows: readonly VectorRow[]): {
  items: string[];
  gram: Float64Array;
  support: Uint32Array;
} {
  const items = [...new Set(rows.map((r) => r.item_id))].sort();
  const n = items.length;
  const index = new Map(items.map((item, i) => [item, i]));
  // Sorted by user, then item: each user's entries are summed in the same order whatever order the
  // engine wrote the rows in (equal results for duplicate deliveries and reruns).
  const sorted = [...rows].sort((x, y) =>
    x.user_key < y.user_key ? -1 : x.user_key > y.user_key ? 1 : x.item_id < y.item_id ? -1 : 1,
  );
  const gram = new Float64Array(n * n);
  const support = new Uint32Array(n * n);
  const ids: number[] = [];
  const signals: number[] = [];
  const addUser = () => {
    for (let x = 0; x < ids.length; x++) {
      const row = (ids[x] as number) * n;
      const sx = signals[x] as number;
      for (let y = 0; y < ids.length; y++) {
        gram[row + (ids[y] as number)] += sx * (signals[y] as number);
        support[row + (ids[y] as number)] += 1;
      }
    }
    ids.length = 0;
    signals.length = 0;
  };
  let user: string | undefined;
  for (const row of sorted) {
    if (row.user_key !== user) {
      addUser();
      user = row.user_key;
    }
    ids.push(index.get(row.item_id) as number);
    signals.push(row.signal);
  }
  addUser();
  return { items, gram, support };
}

export function easeSimilarityRows(rows: readonly VectorRow[], settings: EaseSolveSettings): SimilarityRow[] {
  if (!(settings.lambda > 0)) throw new Error(`EASE lambda must be > 0, got ${settings.lambda}`);
  if (!Number.isInteger(settings.topK) || settings.topK < 1)
    throw new Error(`EASE topK must be a positive integer, got ${settings.topK}`);
  const { items, gram: matrix, support } = gramMatrix(rows);
  const n = items.length;
  if (n < 2) return [];
  for (let i = 0; i < n; i++) matrix[i * n + i] = (matrix[i * n + i] as number) + settings.lambda;
  invertSpdInPlace(matrix, n);

  const diagonal = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    diagonal[j] = matrix[j * n + j] as number;
    // P is SPD, so its diagonal is positive; anything else is a numeric failure, and publishing stops
    // (the active version stays) rather than dropping NaN weights silently.
    if (!((diagonal[j] as number) > 0 && Number.isFinite(diagonal[j])))
      throw new Error(`EASE solve failed: P[${j}][${j}] = ${diagonal[j]} for item ${items[j]}`);
  }
  const lists: Array<Array<{ j: number; weight: number }>> = [];
  let maxWeight = 0;
  for (let i = 0; i < n; i++) {
    const row = i * n;
    const positive: Array<{ j: number; weight: number }> = [];
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const weight = -(matrix[row + j] as number) / (diagonal[j] as number);
      if (weight > 0) positive.push({ j, weight });
    }
    positive.sort((x, y) => y.weight - x.weight || x.j - y.j);
    const top = positive.slice(0, settings.topK);
    if (top[0] && top[0].weight > maxWeight) maxWeight = top[0].weight;
    lists.push(top);
  }
  const out: SimilarityRow[] = [];
  lists.forEach((list, i) => {
    // Scores rounded: equal weights give equal scores, ranked by neighbour id as the SQL models do.
    const scored = list
      .map(({ j, weight }) => ({ j, score: Math.round((weight / maxWeight) * 1e12) / 1e12 }))
      .filter((x) => x.score > 0)
      .sort((x, y) => y.score - x.score || x.j - y.j);
    scored.forEach(({ j, score }, r) => {
      out.push({
        item_id: items[i] as string,
        neighbour_id: items[j] as string,
        score,
        support: support[i * n + j] as number,
        rank: r + 1,
      });
    });
  });
  return out;
}
