/**
 * The catalogue's part of an answer: unavailable items (out_of_stock, discontinued) are never returned, and
 * the items that are carry their title and price when the catalogue knows them. No AWS imports and no
 * clock: the catalogue rows come through a function (the adapter reads them per request, uncached).
 *
 * Ranking stays in scoring: `rankAvailable` ranks as usual (exactly `limit`, so an answer whose items are
 * all available is the ranking unchanged), reads the catalogue rows of those candidates only, and when some
 * are unavailable ranks again with them hidden (they then free their slots and their category-cap places),
 * reading only the new candidates. A few rounds bound the reads when much of a list is out of stock. Rows the
 * ranking needs itself (new arrivals ranked by attributes) ride along with the first read, and that round
 * ranks again with them in memory: no extra read round trip.
 */
import { type CatalogueEntry, isRecommendable } from '../shared/catalogue';
import { type PromotedOffer, promotedCandidates } from './rules/promoted-candidates';
import { hasRules, orderByRules, passesFilters, rankingWindow } from './rules/ranking';
import type { RequestRules } from './rules/request-rules';
import type { Recommendation } from './scoring-model';

/** A recommendation with what the catalogue adds. */
export interface CatalogueRecommendation extends Recommendation {
  readonly title?: string;
  readonly price?: number;
  readonly currency?: string;
}

/** Ranking rounds at most (each hides the unavailable items found so far). */
export const MAX_RANKING_ROUNDS = 4;

/** The ranked items that are recommendable, in order, at most `limit`, decorated from the catalogue. */
export function availableItems(
  ranked: readonly Recommendation[],
  catalogue: ReadonlyMap<string, CatalogueEntry>,
  limit: number,
): CatalogueRecommendation[] {
  const result: CatalogueRecommendation[] = [];
  for (const item of ranked) {
    if (result.length >= limit) break;
    const entry = catalogue.get(item.itemId);
    if (!isRecommendable(entry)) continue;
    result.push(decorate(item, entry));
  }
  return result;
}

/** What a ranking may add to the catalogue step besides the request's rules. */
export interface RankingExtras {
  /** Places of the page kept for new arrivals (reason `new`). @default 0 */
  readonly explorationSlots?: number;
  /** The promoted-items row (when the request has an indexed promotion), for the promotion slot. */
  readonly promoted?: PromotedOffer;
  /** Catalogue rows the ranking itself uses (new arrivals ranked by attributes). */
  readonly informedBy?: CatalogueInformedRanking;
}

/**
 * Rows the ranking reads itself: they are fetched with the first round's candidates (one read, no extra
 * round trip), and that round ranks again with them when `changesRanking` says they change the ranking.
 */
export interface CatalogueInformedRanking {
  readonly itemIds: readonly string[];
  readonly changesRanking: (catalogue: ReadonlyMap<string, CatalogueEntry>) => boolean;
}

/**
 * Ranks with `rank(hidden, window, catalogue)` (which must leave out the `hidden` item ids and return at most
 * `window` items; `catalogue` holds the rows read so far), keeps the available items that pass the request's
 * rules (rules/ranking.ts: a wider window, then filters, boosts, the promotion slot and the
 * `explorationSlots` of new arrivals) and re-ranks while dropped items took places that other candidates
 * could fill. A new arrival (reason `new`) is kept only while its catalogue row still says its category (the
 * new-arrivals list may hold an item that moved). `promoted` (the promoted-items row, when the request has an
 * indexed promotion) and `informedBy` are read from the catalogue with the first round's candidates; the
 * promoted items are offered to the promotion slot (rules/promoted-candidates.ts).
 */
export async function rankAvailable(
  rank: (
    hidden: ReadonlySet<string>,
    window: number,
    catalogue: ReadonlyMap<string, CatalogueEntry>,
  ) => readonly Recommendation[],
  readCatalogue: (itemIds: readonly string[]) => Promise<ReadonlyMap<string, CatalogueEntry>>,
  limit: number,
  rules?: RequestRules,
  extras: RankingExtras = {},
): Promise<CatalogueRecommendation[]> {
  const { explorationSlots = 0, promoted, informedBy } = extras;
  const window = rankingWindow(limit, rules);
  const hidden = new Set<string>();
  const catalogue = new Map<string, CatalogueEntry | undefined>();
  const known = new Map<string, CatalogueEntry>();
  const read = async (itemIds: readonly string[]) => {
    const unread = [...new Set(itemIds)].filter((id) => !catalogue.has(id));
    if (unread.length === 0) return;
    const rows = await readCatalogue(unread);
    for (const id of unread) {
      const entry = rows.get(id);
      catalogue.set(id, entry);
      if (entry) known.set(id, entry);
    }
  };
  let result: CatalogueRecommendation[] = [];
  for (let round = 1; round <= MAX_RANKING_ROUNDS; round++) {
    let ranked = rank(hidden, window, known);
    if (round === 1) {
      const offered = rules?.promotion ? (promoted?.items.map((p) => p.itemId) ?? []) : [];
      await read([...ranked.map((r) => r.itemId), ...offered, ...(informedBy?.itemIds ?? [])]);
      if (informedBy?.changesRanking(known)) {
        ranked = rank(hidden, window, known);
        await read(ranked.map((r) => r.itemId));
      }
    } else await read(ranked.map((r) => r.itemId));
    const keeps = (r: Recommendation) => {
      const entry = catalogue.get(r.itemId);
      return (
        isRecommendable(entry) &&
        passesFilters(rules, entry) &&
        (r.reasonKind !== 'new' || entry?.category === r.reasonRef)
      );
    };
    const dropped = ranked.filter((r) => !keeps(r));
    const extra = promoted ? promotedCandidates(promoted, known, (entry) => passesFilters(rules, entry)) : [];
    result = hasRules(rules)
      ? orderByRules(ranked.filter(keeps), known, rules, limit, explorationSlots, extra).map((r) =>
          decorate(r, known.get(r.itemId)),
        )
      : availableItems(ranked.filter(keeps), known, limit);
    // Done when nothing was dropped, the page is full, or the ranking has no further candidates to offer.
    if (dropped.length === 0 || ranked.length < window || (window > limit && result.length >= limit)) break;
    for (const r of dropped) hidden.add(r.itemId);
  }
  return result;
}

/** `excludeItems` plus the hidden ids, for a scoring function's options. */
export function withHidden(
  excludeItems: ReadonlySet<string> | undefined,
  hidden: ReadonlySet<string>,
): ReadonlySet<string> {
  if (hidden.size === 0) return excludeItems ?? new Set();
  return new Set([...(excludeItems ?? []), ...hidden]);
}

function decorate(item: Recommendation, entry: CatalogueEntry | undefined): CatalogueRecommendation {
  if (!entry) return item;
  const category = item.category ?? entry.category;
  return {
    ...item,
    ...(category !== undefined ? { category } : {}),
    ...(entry.title !== undefined ? { title: entry.title } : {}),
    ...(entry.price !== undefined ? { price: entry.price } : {}),
    ...(entry.currency !== undefined ? { currency: entry.currency } : {}),
  };
}
