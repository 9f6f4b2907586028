/**
 * How the published lists are stored: the one home of the Similarities / Trending row format, imported
 * by the writer (lambdas/jobs/dynamo-published-store.ts) and every reader (lambdas/recommend/dynamo-reads.ts,
 * tests and benches).
 *
 * A list is ONE string attribute (`neighbours` of a Similarities row, `items` of a Trending row) instead of
 * a DynamoDB list of maps: 50 neighbours as a list of maps are 150 nested attribute values to marshal,
 * send and unmarshal, and every entry repeats its map keys in the billed item size. The packed form is
 *
 *   `1` RS entry RS entry ...        (RS = U+001E; `1` is the format version; an empty list is just `1`)
 *   entry = field US field ...       (US = U+001F)
 *   neighbour: itemId US score US support
 *   trending:  itemId US score [US category]
 *
 * Numbers are written with `String(n)`, which JavaScript reads back to the same double. Ids cannot contain
 * the separators (lambdas/shared/ids.ts forbids control characters); the encoder still checks every field,
 * so a bad value stops the publish with its name instead of corrupting a list.
 *
 * Compatibility: rows of versions published before this format keep the list of maps; the decoders accept
 * both for one release, so a deploy never needs a re-publish. Remove the legacy branch once every active
 * version is in the packed form (the next job run of each job publishes it).
 */
import type { Neighbour, SimilarityItem, TrendingItem } from './published';

export type TrendingListEntry = TrendingItem['items'][number];

/** A Similarities row as stored. */
export interface StoredSimilarityRow {
  readonly itemId: string;
  readonly version: string;
  readonly neighbours: string;
  readonly expiresAt?: number;
}

/** A Trending row as stored. */
export interface StoredTrendingRow {
  readonly scope: string;
  readonly version: string;
  readonly items: string;
  readonly expiresAt?: number;
}

const FORMAT_VERSION = '1';
const ENTRY = '\u001e';
const FIELD = '\u001f';

/** The attributes a reader needs of a row (keys and the list; not the TTL): a ProjectionExpression. */
export const SIMILARITY_READ_PROJECTION = projection(['itemId', 'version', 'neighbours']);
export const TRENDING_READ_PROJECTION = projection(['scope', 'version', 'items']);

export class PublishedListFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PublishedListFormatError';
  }
}

export function encodeNeighbours(neighbours: readonly Neighbour[]): string {
  return pack(neighbours.map((n) => [field(n.itemId, 'itemId'), number(n.score), number(n.support)]));
}

export function encodeTrendingEntries(entries: readonly TrendingListEntry[]): string {
  return pack(
    entries.map((e) =>
      e.category === undefined
        ? [field(e.itemId, 'itemId'), number(e.score)]
        : [field(e.itemId, 'itemId'), number(e.score), field(e.category, 'category')],
    ),
  );
}

/** The stored list -> neighbours, best first. Accepts the packed string and the legacy list of maps. */
export function decodeNeighbours(value: unknown): Neighbour[] {
  if (typeof value === 'string')
    return unpack(value).map((f) => ({
      itemId: f[0] as string,
      score: Number(f[1]),
      support: Number(f[2]),
    }));
  return legacyEntries(value).map((v) => ({ itemId: v.itemId, score: v.score, support: num(v.support) }));
}

/** The stored list -> trending entries, best first. Accepts the packed string and the legacy list of maps. */
export function decodeTrendingEntries(value: unknown): TrendingListEntry[] {
  if (typeof value === 'string')
    return unpack(value).map((f) =>
      f.length > 2
        ? { itemId: f[0] as string, score: Number(f[1]), category: f[2] as string }
        : { itemId: f[0] as string, score: Number(f[1]) },
    );
  return legacyEntries(value).map((v) =>
    typeof v.category === 'string'
      ? { itemId: v.itemId, score: v.score, category: v.category }
      : { itemId: v.itemId, score: v.score },
  );
}

export function storedSimilarityRow(item: SimilarityItem): StoredSimilarityRow {
  return { ...item, neighbours: encodeNeighbours(item.neighbours) };
}

export function storedTrendingRow(item: TrendingItem): StoredTrendingRow {
  return { ...item, items: encodeTrendingEntries(item.items) };
}

/** The stored row of either table's item (the publisher writes both through one port). */
export function storedPublishedRow(
  item: SimilarityItem | TrendingItem,
): StoredSimilarityRow | StoredTrendingRow {
  return 'neighbours' in item ? storedSimilarityRow(item) : storedTrendingRow(item);
}

function pack(entries: readonly string[][]): string {
  let out = FORMAT_VERSION;
  for (const fields of entries) out += ENTRY + fields.join(FIELD);
  return out;
}

function unpack(value: string): string[][] {
  const parts = value.split(ENTRY);
  if (parts[0] !== FORMAT_VERSION)
    throw new PublishedListFormatError(
      `unknown published list format '${(parts[0] ?? '').slice(0, 20)}' (this reader knows '${FORMAT_VERSION}')`,
    );
  const entries: string[][] = new Array(parts.length - 1);
  for (let i = 1; i < parts.length; i++) {
    const fields = (parts[i] as string).split(FIELD);
    if (fields.length < 2 || fields[0] === '' || !Number.isFinite(Number(fields[1])))
      throw new PublishedListFormatError(`malformed published list entry ${i}: ${JSON.stringify(parts[i])}`);
    entries[i - 1] = fields;
  }
  return entries;
}

function field(value: string, name: string): string {
  if (value === '' || value.includes(ENTRY) || value.includes(FIELD))
    throw new PublishedListFormatError(
      `${name} ${JSON.stringify(value)} cannot be published: empty, or contains U+001E/U+001F`,
    );
  return value;
}

function number(value: number): string {
  if (!Number.isFinite(value)) throw new PublishedListFormatError(`not a finite number: ${value}`);
  return String(value);
}

interface LegacyEntry {
  readonly itemId: string;
  readonly score: number;
  readonly support?: unknown;
  readonly category?: unknown;
}

/** The pre-packed list of maps; entries without an itemId or score are skipped, as the old reader did. */
function legacyEntries(value: unknown): LegacyEntry[] {
  if (!Array.isArray(value)) return [];
  return value.filter(
    (v): v is LegacyEntry =>
      typeof v === 'object' &&
      v !== null &&
      typeof (v as LegacyEntry).itemId === 'string' &&
      typeof (v as LegacyEntry).score === 'number',
  );
}

function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

function projection(attributes: readonly string[]) {
  return {
    ProjectionExpression: attributes.map((a) => `#${a}`).join(', '),
    ExpressionAttributeNames: Object.fromEntries(attributes.map((a) => [`#${a}`, a])),
  } as const;
}
