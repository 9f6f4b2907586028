/**
 * Cold start by attributes: the order of the new arrivals (exploration.ts) among themselves. An arrival that
 * shares more catalogue attributes with the reference items (the seed of `similar`; the user's most recent
 * items in for-you and discover) comes first whatever its age; equal overlap falls back to recency, so
 * without attributes the order is the recency order of before. An arrival the catalogue marks unavailable
 * never ranks. Pure: catalogue rows come in, nothing is read here.
 */
import { type AttributeValue, type CatalogueEntry, isRecommendable } from '../shared/catalogue';
import type { ProfileView } from './scoring-model';

/**
 * Recent items whose attributes a user's new arrivals are compared with. Three: the last few items of a
 * session say what the user is looking for now (older interests are in the category shares already), and
 * each one is one more key of the request's catalogue read.
 */
export const RECENT_REFERENCE_ITEMS = 3;

/** The catalogue rows that rank new arrivals by attributes: the arrivals' and the reference items'. */
export interface ArrivalAttributes {
  readonly catalogue: ReadonlyMap<string, CatalogueEntry>;
  /** Reference item ids, most relevant first (their rows are looked up in `catalogue`). */
  readonly reference: readonly string[];
}

/** One new arrival to rank: its freshness (exploration.ts `freshness`, in (0, 1]). */
export interface ArrivalCandidate {
  readonly itemId: string;
  readonly freshness: number;
}

/** An attribute an arrival shares with a reference item, named in the reason. */
export interface SharedAttribute {
  readonly name: string;
  readonly value: string | number | boolean;
  /** The reference item's title, or its id when the catalogue has no title. */
  readonly like: string;
}

export interface RankedArrival {
  readonly itemId: string;
  /** Attribute values shared with the reference items. */
  readonly overlap: number;
  /**
   * (overlap + freshness) / (most overlap of any candidate + 1), in (0, 1]: a larger overlap always ranks
   * first, recency decides within one; without any overlap it is the freshness itself.
   */
  readonly value: number;
  readonly shared?: SharedAttribute;
}

/** The newest `RECENT_REFERENCE_ITEMS` distinct items of the profile's recent interactions. */
export function recentReferenceItems(profile: ProfileView | undefined): string[] {
  const newestFirst = [...(profile?.recent ?? [])].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
  const items: string[] = [];
  for (const r of newestFirst) {
    if (items.length >= RECENT_REFERENCE_ITEMS) break;
    if (!items.includes(r.itemId)) items.push(r.itemId);
  }
  return items;
}

/**
 * The candidates best first (value, then item id), one per item, without the unavailable ones and without
 * the reference items themselves (the user already knows them; the seed is not similar to itself).
 */
export function rankNewArrivals(
  candidates: readonly ArrivalCandidate[],
  attributes: ArrivalAttributes | undefined,
): RankedArrival[] {
  const catalogue = attributes?.catalogue;
  const reference = referenceValues(attributes);
  const known = new Set(attributes?.reference ?? []);
  const best = new Map<string, { freshness: number; overlap: number; shared?: SharedAttribute }>();
  for (const c of candidates) {
    if (!(c.freshness > 0) || known.has(c.itemId)) continue;
    if ((best.get(c.itemId)?.freshness ?? 0) >= c.freshness) continue;
    const entry = catalogue?.get(c.itemId);
    if (!isRecommendable(entry)) continue;
    best.set(c.itemId, { freshness: c.freshness, ...overlapOf(entry, reference) });
  }
  let most = 0;
  for (const b of best.values()) most = Math.max(most, b.overlap);
  return [...best]
    .map(([itemId, b]) => ({
      itemId,
      overlap: b.overlap,
      value: (b.overlap + b.freshness) / (most + 1),
      ...(b.shared ? { shared: b.shared } : {}),
    }))
    .sort((a, b) => b.value - a.value || (a.itemId < b.itemId ? -1 : a.itemId > b.itemId ? 1 : 0));
}

/**
 * Whether the rows change the recency order of `itemIds`: some arrival shares an attribute with a reference
 * item, or is unavailable. When not, the ranking made without the rows stands.
 */
export function attributesChangeOrder(itemIds: readonly string[], attributes: ArrivalAttributes): boolean {
  const ranked = rankNewArrivals(
    itemIds.map((itemId) => ({ itemId, freshness: 1 })),
    attributes,
  );
  return ranked.length < new Set(itemIds).size || ranked.some((r) => r.overlap > 0);
}

interface ReferenceValue {
  /** Position in the reference items' order: the lowest names the shared attribute. */
  readonly rank: number;
  readonly like: string;
}

/** Every attribute value of the reference items, first seen (most relevant item) first. */
function referenceValues(attributes: ArrivalAttributes | undefined): Map<string, ReferenceValue> {
  const values = new Map<string, ReferenceValue>();
  for (const itemId of attributes?.reference ?? []) {
    const entry = attributes?.catalogue.get(itemId);
    for (const { key } of valuesOf(entry)) {
      if (!values.has(key)) values.set(key, { rank: values.size, like: entry?.title ?? itemId });
    }
  }
  return values;
}

function overlapOf(
  entry: CatalogueEntry | undefined,
  reference: ReadonlyMap<string, ReferenceValue>,
): { overlap: number; shared?: SharedAttribute } {
  if (reference.size === 0) return { overlap: 0 };
  let overlap = 0;
  let shared: SharedAttribute | undefined;
  let sharedRank = Number.POSITIVE_INFINITY;
  for (const { key, name, value } of valuesOf(entry)) {
    const match = reference.get(key);
    if (!match) continue;
    overlap++;
    // Named: the value of the most relevant reference item.
    if (match.rank < sharedRank) {
      sharedRank = match.rank;
      shared = { name, value, like: match.like };
    }
  }
  return shared ? { overlap, shared } : { overlap };
}

/**
 * An entry's attribute values, one per distinct (name, value): a list counts each element; strings compare
 * trimmed and case-insensitively, numbers and booleans by value and type.
 */
function valuesOf(
  entry: CatalogueEntry | undefined,
): Array<{ key: string; name: string; value: string | number | boolean }> {
  const out = new Map<string, { key: string; name: string; value: string | number | boolean }>();
  const names = Object.keys(entry?.attributes ?? {}).sort();
  for (const name of names) {
    const raw = entry?.attributes?.[name] as AttributeValue;
    for (const value of Array.isArray(raw) ? raw : [raw]) {
      const normal = typeof value === 'string' ? value.trim().toLowerCase() : value;
      if (normal === '') continue;
      const key = `${name}\u0000${typeof value}\u0000${String(normal)}`;
      if (!out.has(key)) out.set(key, { key, name, value: typeof value === 'string' ? value.trim() : value });
    }
  }
  return [...out.values()];
}
