/**
 * Result rows (snake_case JSON from the query steps) -> the items of the Similarities and Trending tables,
 * as lambdas/shared/published.ts defines them. Invalid rows stop the publish with the row in the message:
 * the gate already checked the aggregates, so a bad row here is a bug upstream and must not be skipped.
 */
import type { SimilarityItem, TrendingItem } from '../shared/published';

export function similarityItems(
  rows: readonly Readonly<Record<string, unknown>>[],
  version: string,
): SimilarityItem[] {
  const byItem = new Map<string, Array<{ itemId: string; score: number; support: number; rank: number }>>();
  for (const row of rows) {
    const itemId = text(row, 'item_id');
    const neighbour = {
      itemId: text(row, 'neighbour_id'),
      score: num(row, 'score'),
      support: num(row, 'support'),
      rank: num(row, 'rank'),
    };
    const list = byItem.get(itemId) ?? [];
    list.push(neighbour);
    byItem.set(itemId, list);
  }
  return [...byItem.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([itemId, list]) => ({
      itemId,
      version,
      neighbours: list
        .sort((a, b) => a.rank - b.rank)
        .map(({ itemId: id, score, support }) => ({ itemId: id, score, support })),
    }));
}

export function trendingItems(
  rows: readonly Readonly<Record<string, unknown>>[],
  version: string,
): TrendingItem[] {
  const byScope = new Map<
    string,
    Array<{ itemId: string; score: number; category?: string; rank: number }>
  >();
  for (const row of rows) {
    const scope = text(row, 'scope');
    const category = row.category === null || row.category === undefined ? undefined : String(row.category);
    const list = byScope.get(scope) ?? [];
    list.push({ itemId: text(row, 'item_id'), score: num(row, 'score'), category, rank: num(row, 'rank') });
    byScope.set(scope, list);
  }
  return [...byScope.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([scope, list]) => ({
      scope,
      version,
      items: list
        .sort((a, b) => a.rank - b.rank)
        .map(({ itemId, score, category }) =>
          category === undefined ? { itemId, score } : { itemId, score, category },
        ),
    }));
}

function text(row: Readonly<Record<string, unknown>>, key: string): string {
  const value = row[key];
  if (typeof value !== 'string' || value === '')
    throw new Error(`Result row has no ${key}: ${JSON.stringify(row)}`);
  return value;
}

function num(row: Readonly<Record<string, unknown>>, key: string): number {
  const value = typeof row[key] === 'string' ? Number(row[key]) : row[key];
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new Error(`Result row has no numeric ${key}: ${JSON.stringify(row)}`);
  return value;
}
