/**
 * The promotion slot's candidates from outside the ranking: the promoted-items row (lambdas/shared/
 * promoted-items.ts) re-checked against the catalogue rows read for this request, ranked among themselves by
 * the user's affinity to their category, then recency (newest createdAt), then item id. Pure.
 *
 * They only ever fill the promotion slot (ranking.ts `promote`): their score (`PROMOTED_WEIGHT` × the
 * category's share) is far below the collaborative scores and only decides their order.
 */
import { type CatalogueEntry, isRecommendable } from '../../shared/catalogue';
import { compareIds, round6 } from '../candidate-pool';
import type { NewArrivalView, Recommendation } from '../scoring-model';

export const PROMOTED_WEIGHT = 0.01;

/** What the service offers the promotion slot besides the ranking. */
export interface PromotedOffer {
  /** The promoted-items row, as read (newest first). */
  readonly items: readonly NewArrivalView[];
  /** Category -> the user's share of affinity (absent: 0). */
  readonly affinity: ReadonlyMap<string, number>;
  /** Items the request leaves out (excludeItems, purchases, cart lines, per the placement). */
  readonly excluded: ReadonlySet<string>;
  /** The request's `category`: only promoted items of it. */
  readonly category?: string;
}

/**
 * The offer's items that `catalogue` knows, that are available, in the request's category, not excluded and
 * that `keeps` accepts (the request's filters and the promotion's own rule), best first.
 */
export function promotedCandidates(
  offer: PromotedOffer,
  catalogue: ReadonlyMap<string, CatalogueEntry>,
  keeps: (entry: CatalogueEntry) => boolean,
): Recommendation[] {
  const ranked: Array<{ item: Recommendation; share: number; createdAt: number }> = [];
  const seen = new Set<string>();
  for (const { itemId } of offer.items) {
    const entry = catalogue.get(itemId);
    if (seen.has(itemId) || offer.excluded.has(itemId) || !entry || !isRecommendable(entry)) continue;
    if (offer.category !== undefined && entry.category !== offer.category) continue;
    if (!keeps(entry)) continue;
    seen.add(itemId);
    const share = entry.category !== undefined ? (offer.affinity.get(entry.category) ?? 0) : 0;
    const createdAt = entry.createdAt === undefined ? Number.NaN : Date.parse(entry.createdAt);
    ranked.push({
      item: {
        itemId,
        score: round6(PROMOTED_WEIGHT * share),
        reason: 'promoted',
        reasonKind: 'promoted',
        ...(entry.category !== undefined ? { category: entry.category } : {}),
      },
      share,
      createdAt: Number.isFinite(createdAt) ? createdAt : 0,
    });
  }
  ranked.sort(
    (a, b) => b.share - a.share || b.createdAt - a.createdAt || compareIds(a.item.itemId, b.item.itemId),
  );
  return ranked.map((r) => r.item);
}
