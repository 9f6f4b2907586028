/**
 * The promoted-items row of the Items table: the one home of its format, imported by the writer
 * (lambdas/catalogue/dynamo-catalogue.ts) and the reader (lambdas/recommend/dynamo-reads.ts).
 *
 * The row is keyed `PROMOTED_ITEMS_KEY` (lambdas/shared/catalogue.ts) and holds one attribute, `promoted`, a
 * DynamoDB string set of the items that match the deployment's promotion filter (recommend-rules.ts,
 * `promotion.filter`) and are available, packed like the new-arrivals elements (`createdAtMs US itemId`,
 * createdAt 0 when the item has none): `ADD` and `DELETE` are atomic, replays change nothing. The writer
 * trims the set to the newest `MAX_PROMOTED_ITEMS`.
 *
 * Only a filter whose outcome the catalogue row alone decides at write time is indexed (`isIndexablePromotion`):
 * no parameters (a request could choose their values) and no createdAt condition (its outcome changes with
 * the clock, without a write). Any other promotion keeps to the ranking window, as before the index.
 *
 * `isPromoted` is the one answer to "is this item in the row": the catalogue writer, the consumer's catalogue
 * fill (both through lambdas/catalogue/catalogue-indexes.ts) and `recostream catalogue reindex` ask it.
 *
 * The row is an index of candidates, not the truth: the recommendation API reads the catalogue row of every
 * promoted candidate and applies the filter, availability and the request's rules again.
 */
import { type CatalogueEntry, isRecommendable } from './catalogue';
import type { FilterRule, RulesConfig } from './recommend-rules';
import { matchesAll } from './rule-conditions';

/** Elements the row keeps: the newest by createdAt. */
export const MAX_PROMOTED_ITEMS = 200;
/** The set attribute of the promoted-items row. */
export const PROMOTED_ITEMS_ATTRIBUTE = 'promoted';

/** Whether a catalogue write can decide alone if an item matches the filter. */
export function isIndexablePromotion(rule: FilterRule): boolean {
  return Object.keys(rule.params ?? {}).length === 0 && rule.match.every((c) => c.field !== 'createdAt');
}

/** The promotion filter the catalogue writer indexes, or undefined when there is none or it is not indexable. */
export function indexedPromotionFilter(config: RulesConfig): FilterRule | undefined {
  const name = config.promotion?.filter;
  const rule = name !== undefined ? config.filters?.[name] : undefined;
  return rule && isIndexablePromotion(rule) ? rule : undefined;
}

/** Whether a stored catalogue entry belongs in the promoted-items row of an indexable filter. */
export function isPromoted(entry: CatalogueEntry, rule: FilterRule): boolean {
  // An indexable filter has no parameters and no createdAt condition: neither values nor the clock matter.
  return isRecommendable(entry) && matchesAll(rule.match, entry, {}, 0);
}
