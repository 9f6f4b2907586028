// Tests CanonicalEventSchema as consumers use it on stored events: it is the contract between the ingest API,
// the stream consumers and the lake, so the rules that are not obvious from the types are pinned here.

import { CanonicalEventSchema, EVENT_TYPES } from '../../../../lambdas/shared/events';
import purchase from '../../../fixtures/events/v1/purchase.json';

describe('CanonicalEventSchema', () => {
  it('discriminates on every event type', () => {
    expect(CanonicalEventSchema.options.map((option) => option.shape.type.value)).toEqual([...EVENT_TYPES]);
  });

  it('requires userId or anonymousId', () => {
    const { userId: _removed, ...anonymous } = purchase;

    const result = CanonicalEventSchema.safeParse(anonymous);

    expect(result.success).toBe(false);
    expect(result.error?.issues).toEqual([
      expect.objectContaining({ path: ['userId'], message: 'either userId or anonymousId is required' }),
    ]);
  });

  it('strips unknown keys rather than rejecting them', () => {
    const result = CanonicalEventSchema.safeParse({
      ...purchase,
      legacyField: 'x',
      context: { ip: '1.2.3.4' },
    });

    expect(result.success).toBe(true);
    expect(result.data).not.toHaveProperty('legacyField');
    expect(result.data?.context).toEqual({});
  });

  it.each([
    ['a lower-case currency', { currency: 'eur' }],
    ['a timestamp with an offset', { occurredAt: '2024-05-01T14:05:44+02:00' }],
    ['another schema version', { schemaVersion: 2 }],
    ['a fractional quantity', { lineItems: [{ itemId: 'sku-1', quantity: 1.5, price: 1 }] }],
    ['a negative price', { lineItems: [{ itemId: 'sku-1', quantity: 1, price: -1 }] }],
  ])('rejects %s, which only the normalizer may accept and convert', (_label, override) => {
    expect(CanonicalEventSchema.safeParse({ ...purchase, ...override }).success).toBe(false);
  });
});
