/**
 * Values JSON allows that used to slip through: a top-level `"__proto__"` key became the prototype of the
 * normaliser's copy of the event, so the fields it carried were read as the event's own; and a number
 * beyond the double range (`1e400`) parsed to Infinity, was refused as "expected number, received
 * number" in a typed field and silently became null in a custom event's properties. Both go through the
 * whole request path here: our API and Segment's.
 */
import { parseIngestRequest } from '../../../lambdas/ingest/ingest-request';
import { normalizeEvent } from '../../../lambdas/shared/events';

const receivedAt = new Date('2026-11-26T03:00:00.000Z');

function parse(route: 'events' | 'batch' | 'track', body: string) {
  const parsed = parseIngestRequest({
    route,
    headers: { 'content-type': 'application/json' },
    body,
    receivedAt,
  });
  if (!parsed.ok) throw new Error(parsed.rejection.message);
  return parsed.batch;
}

describe('__proto__', () => {
  it('does not smuggle fields into an event of our API', () => {
    const batch = parse(
      'events',
      '{"events":[{"type":"product_view","userId":"u","itemId":"i","__proto__":{"category":"smuggled","price":1}}]}',
    );
    expect(batch.errors).toEqual([]);
    const [accepted] = batch.accepted;
    expect(accepted?.event).not.toHaveProperty('category');
    expect(accepted?.event).not.toHaveProperty('price');
    expect(JSON.stringify(accepted?.event)).not.toContain('smuggled');
  });

  it('does not smuggle an identity past the identity check', () => {
    const result = normalizeEvent(JSON.parse('{"type":"page_view","__proto__":{"userId":"victim"}}'), {
      receivedAt,
    });
    expect(result).toMatchObject({ ok: false, rejection: { code: 'missing_identity' } });
  });

  it("does not smuggle context fields through a Segment batch's merged context", () => {
    const batch = parse(
      'batch',
      '{"context":{"locale":"en-GB"},"batch":[{"type":"page","userId":"u","context":{"__proto__":{"userAgent":"smuggled"}}}]}',
    );
    expect(batch.accepted[0]?.event.context).toEqual({ locale: 'en-GB' });
  });
});

describe('numbers beyond the double range', () => {
  it('a typed field: non_finite_number with a clear message', () => {
    const batch = parse(
      'events',
      '{"events":[{"type":"product_view","userId":"u","itemId":"i","price":1e400}]}',
    );
    expect(batch.errors).toEqual([
      {
        index: 0,
        code: 'non_finite_number',
        field: 'events[0].price',
        message: 'price: Infinity is not a finite number (a JSON number beyond ±1.8e308 overflows)',
      },
    ]);
  });

  it('a custom property: rejected (and so quarantined), never stored as null', () => {
    const batch = parse(
      'events',
      '{"events":[{"type":"custom","userId":"u","name":"n","properties":{"totals":[1,-1e400]}}]}',
    );
    expect(batch.accepted).toEqual([]);
    expect(batch.errors[0]).toMatchObject({
      code: 'non_finite_number',
      field: 'events[0].properties.totals[1]',
      message:
        'properties.totals[1]: -Infinity is not a finite number (a JSON number beyond ±1.8e308 overflows)',
    });
  });

  it("a Segment message: named by Segment's field", () => {
    const batch = parse(
      'track',
      '{"userId":"u","event":"Product Viewed","properties":{"product_id":"p","price":1e400}}',
    );
    expect(batch.errors[0]).toMatchObject({ code: 'non_finite_number', field: 'properties.price' });
  });
});
