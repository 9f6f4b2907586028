/**
 * The promoted-items index (lambdas/shared/promoted-items.ts, lambdas/catalogue/promoted-index.ts): which
 * promotion filters the catalogue can index, and what a write adds to or removes from the row (an item
 * leaves it when it stops matching or becomes unavailable).
 */
import { promotedChange } from '../../../lambdas/catalogue/promoted-index';
import { decodeArrival } from '../../../lambdas/shared/new-arrivals';
import { indexedPromotionFilter, isIndexablePromotion } from '../../../lambdas/shared/promoted-items';
import { checkRulesConfig, type FilterRule } from '../../../lambdas/shared/recommend-rules';

const promoted: FilterRule = { match: [{ field: 'attribute', name: 'promoted', in: [true] }] };
const itemsOf = (elements: Set<string>) =>
  [...elements].map((e) => decodeArrival(e)).sort((a, b) => (a!.itemId < b!.itemId ? -1 : 1));

describe('isIndexablePromotion / indexedPromotionFilter', () => {
  it('indexes a filter on catalogue fields only', () => {
    expect(isIndexablePromotion(promoted)).toBe(true);
    expect(
      isIndexablePromotion({
        match: [
          { field: 'category', in: ['garden'] },
          { field: 'price', max: 20 },
        ],
      }),
    ).toBe(true);
  });

  it('leaves filters with parameters or on recency to the ranking window', () => {
    expect(
      isIndexablePromotion({
        params: { maxPrice: { type: 'number', default: 20 } },
        match: [{ field: 'price', max: { param: 'maxPrice' } }],
      }),
    ).toBe(false);
    expect(isIndexablePromotion({ match: [{ field: 'createdAt', withinDays: 30 }] })).toBe(false);
  });

  it('picks the promotion filter of a rules config', () => {
    const config = checkRulesConfig({ filters: { promoted }, promotion: { filter: 'promoted' } });
    expect(indexedPromotionFilter(config)).toEqual(promoted);
    expect(indexedPromotionFilter(checkRulesConfig({ filters: { promoted } }))).toBeUndefined();
  });
});

describe('promotedChange', () => {
  it('adds available matching items with their createdAt, removes the others', () => {
    const change = promotedChange(
      [
        { itemId: 'a', createdAt: '2026-11-01T00:00:00.000Z', attributes: { promoted: true } },
        { itemId: 'b', attributes: { promoted: true } },
        { itemId: 'c', attributes: { promoted: false }, createdAt: '2026-11-02T00:00:00.000Z' },
        { itemId: 'd', attributes: { promoted: true }, availability: 'out_of_stock' },
        { itemId: 'e', attributes: { promoted: true }, availability: 'discontinued' },
        { notAnItem: true },
      ],
      promoted,
    );
    expect(itemsOf(change.add)).toEqual([
      { itemId: 'a', createdAt: Date.parse('2026-11-01T00:00:00.000Z') },
      { itemId: 'b', createdAt: 0 },
    ]);
    expect(itemsOf(change.remove).map((a) => a?.itemId)).toEqual(['c', 'd', 'e']);
  });
});
