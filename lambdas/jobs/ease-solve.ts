/**
 * The cf job's solve step for EASE (Steck 2019, "Embarrassingly Shallow Autoencoders for Sparse Data"):
 * from the Gram matrix of the head items (cf_gram.sql), the item-item weights
 *   P = (G + λI)⁻¹,   B[i][j] = −P[i][j] / P[j][j]  (i ≠ j),   B[i][i] = 0,
 * and, per item i, its topK neighbours j by B[i][j] > 0, as the similarity step's rows (SimilarityRow), so
 * that the publish path and the API read them as any neighbour list. Scores are B / the largest B of the
 * run, rounded to 12 decimals: in (0, 1], proportional, so a user's sum over sources stays EASE's x_u·B
 * over the positive part of the lists. Domain code: no I/O.
 *
 * Time O(n³) (the inverse), memory one n × n Float64Array (8 n² bytes) plus the rows.
 */
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

/** A cf run's result rows as neighbour rows: solved when the run has a solve step, as they are otherwise. */
export function cfNeighbourRows(
  rows: readonly Readonly<Record<string, unknown>>[],
  solve: EaseSolveSettings | undefined,
): readonly Readonly<Record<string, unknown>>[] {
  return solve ? easeSimilarityRows(gramRows(rows), solve) : rows;
}

export interface GramRow {
  readonly item_a: string;
  readonly item_b: string;
  readonly gram: number;
  readonly support: number;
}

/** Parses cf_gram.sql's rows (JSON numbers may arrive as strings); a bad row stops the solve with the row. */
export function gramRows(rows: readonly Readonly<Record<string, unknown>>[]): GramRow[] {
  return rows.map(gramRow);
}

export function gramRow(row: Readonly<Record<string, unknown>>): GramRow {
  {
    const item_a = row.item_a;
    const item_b = row.item_b;
    const gram = Number(row.gram);
    const support = Number(row.support);
    if (typeof item_a !== 'string' || item_a === '' || typeof item_b !== 'string' || item_b === '')
      throw new Error(`Gram row has no item_a / item_b: ${JSON.stringify(row)}`);
    if (!Number.isFinite(gram) || gram < 0 || !Number.isInteger(support) || support < 0)
      throw new Error(`Gram row has no non-negative gram / support: ${JSON.stringify(row)}`);
    return { item_a, item_b, gram, support };
  }
}

export function easeSimilarityRows(rows: readonly GramRow[], settings: EaseSolveSettings): SimilarityRow[] {
  if (!(settings.lambda > 0)) throw new Error(`EASE lambda must be > 0, got ${settings.lambda}`);
  if (!Number.isInteger(settings.topK) || settings.topK < 1)
    throw new Error(`EASE topK must be a positive integer, got ${settings.topK}`);
  const items = [...new Set(rows.flatMap((r) => [r.item_a, r.item_b]))].sort();
  const n = items.length;
  if (n < 2) return [];
  const index = new Map(items.map((item, i) => [item, i]));
  const matrix = new Float64Array(n * n);
  const support = new Map<number, number>();
  for (const row of rows) {
    const a = index.get(row.item_a) as number;
    const b = index.get(row.item_b) as number;
    // Only the lower triangle is read by the inverse; both halves keep the matrix readable in tests.
    matrix[a * n + b] = row.gram;
    matrix[b * n + a] = row.gram;
    if (a !== b) support.set(Math.min(a, b) * n + Math.max(a, b), row.support);
  }
  for (let i = 0; i < n; i++) matrix[i * n + i] = (matrix[i * n + i] as number) + settings.lambda;
  invertSpdInPlace(matrix, n);

  const diagonal = new Float64Array(n);
  for (let j = 0; j < n; j++) diagonal[j] = matrix[j * n + j] as number;
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
        support: support.get(Math.min(i, j) * n + Math.max(i, j)) ?? 0,
        rank: r + 1,
      });
    });
  });
  return out;
}
