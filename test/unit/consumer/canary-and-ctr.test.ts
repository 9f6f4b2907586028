/** Canary events never count in item statistics or CTR; real impressions and clicks count per variant. */
import { recommendationCountsByVariant } from '../../../lambdas/consumer/ctr-counts';
import { contributionsOf } from '../../../lambdas/consumer/item-stats';
import { itemContributions } from '../../../lambdas/consumer/item-updates';
import { CANARY_SQL_FILTER, isCanaryEvent } from '../../../lambdas/shared/canary';
import { event, records } from '../../support/events';

const canaryView = event({ type: 'product_view', userId: 'canary#eu-west-1', itemId: 'canary-item' });
const realView = event({ type: 'product_view', userId: 'canary-fan', itemId: 'item-1' });

it('marks only the reserved canary# prefix', () => {
  expect([isCanaryEvent(canaryView), isCanaryEvent(realView), isCanaryEvent({})]).toEqual([
    true,
    false,
    false,
  ]);
  expect(CANARY_SQL_FILTER).toBe("(user_id IS NULL OR user_id NOT LIKE 'canary#%')");
});

it('gives canary events no item contribution, so ItemStats never see them', () => {
  expect(contributionsOf(canaryView)).toEqual([]);
  expect(contributionsOf(realView)).toEqual([{ itemId: 'item-1', category: undefined, delta: { views: 1 } }]);
  const rows = itemContributions(records([canaryView, realView]));
  expect([...rows.values()].map((r) => r.key.itemId)).toEqual(['item-1', 'item-1']);
});

it('counts impressions and clicks per variant, without canary events or variant-less events', () => {
  const counts = recommendationCountsByVariant([
    event({
      type: 'recommendation_impression',
      userId: 'u1',
      recommendationId: 'r1',
      itemIds: ['a', 'b'],
      variant: 'control',
    }),
    event({
      type: 'recommendation_impression',
      userId: 'u2',
      recommendationId: 'r2',
      itemIds: ['a'],
      variant: 'control',
    }),
    event({
      type: 'recommendation_click',
      userId: 'u1',
      recommendationId: 'r1',
      itemId: 'a',
      variant: 'control',
    }),
    event({
      type: 'recommendation_impression',
      userId: 'u3',
      recommendationId: 'r3',
      itemIds: ['c'],
      variant: 'blend-b',
    }),
    event({
      type: 'recommendation_click',
      userId: 'canary#x',
      recommendationId: 'r4',
      itemId: 'c',
      variant: 'blend-b',
    }),
    event({ type: 'recommendation_click', userId: 'u4', recommendationId: 'r5', itemId: 'c' } as never),
    realView,
  ]);
  expect(Object.fromEntries(counts)).toEqual({
    control: { impressions: 2, clicks: 1 },
    'blend-b': { impressions: 1, clicks: 0 },
  });
});
