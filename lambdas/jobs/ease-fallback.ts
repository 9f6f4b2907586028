/**
 * The EASE model's neighbour lists with its fallback (cf_ease.sql): EASE can give neighbours only to the
 * head items it solves; every other item with co-purchases gets RP3beta's list (cf_ease_fallback.sql).
 *
 * The rule: an item's list comes from one model, EASE's where the solve gives one, RP3beta's otherwise.
 * Lists are not blended per item: where both exist EASE is the stronger model (docs/recommendations.md),
 * and a mixed list would rank two scales against each other. Across items the scales do meet, in the
 * API's sum over a user's source items, so the fallback's scores are calibrated to EASE's: multiplied by
 *   c = median of the EASE lists' top scores / median of the fallback lists' top scores,
 * capped so that no score exceeds 1. The typical best neighbour of a tail item then counts as much as a
 * head item's, and the order within every list is RP3beta's. Domain code: no I/O.
 */
import type { SimilarityRow } from './job-sql';

/** Parses a fallback row of cf_ease.sql (JSON numbers may arrive as strings); a bad row stops the publish. */
export function fallbackRow(
  item_id: unknown,
  neighbour_id: unknown,
  score: unknown,
  support: unknown,
  rank: unknown,
): SimilarityRow {
  const [s, n, r] = [Number(score), Number(support), Number(rank)];
  const row = { item_id, neighbour_id, score, support, rank };
  if (
    typeof item_id !== 'string' ||
    item_id === '' ||
    typeof neighbour_id !== 'string' ||
    neighbour_id === ''
  )
    throw new Error(`EASE fallback row has no item_id / neighbour_id: ${JSON.stringify(row)}`);
  if (score === null || !(s > 0 && s <= 1) || !Number.isInteger(n) || !Number.isInteger(r) || r < 1)
    throw new Error(`EASE fallback row has no score in (0, 1], support or rank: ${JSON.stringify(row)}`);
  return { item_id, neighbour_id, score: s, support: n, rank: r };
}

/** EASE's rows, then the fallback's rows of every item EASE has no list for, with calibrated scores. */
export function withFallback(
  ease: readonly SimilarityRow[],
  fallback: readonly SimilarityRow[],
): SimilarityRow[] {
  const solved = new Set(ease.map((r) => r.item_id));
  const rows = fallback.filter((r) => !solved.has(r.item_id));
  if (rows.length === 0) return [...ease];
  const factor = calibration(ease, rows);
  return [
    ...ease,
    ...rows
      .map((r) => ({ ...r, score: Math.round(r.score * factor * 1e12) / 1e12 }))
      .filter((r) => r.score > 0),
  ];
}

/** c = median EASE top score / median fallback top score, at most 1 / the largest fallback score. */
export function calibration(ease: readonly SimilarityRow[], fallback: readonly SimilarityRow[]): number {
  let largest = 0;
  for (const r of fallback) if (r.score > largest) largest = r.score;
  const cap = 1 / largest;
  if (ease.length === 0) return cap;
  const ratio = median(topScores(ease)) / median(topScores(fallback));
  return Math.min(ratio, cap);
}

function topScores(rows: readonly SimilarityRow[]): number[] {
  const top = new Map<string, number>();
  for (const r of rows) top.set(r.item_id, Math.max(top.get(r.item_id) ?? 0, r.score));
  return [...top.values()];
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
