/**
 * The per-category new-arrivals rows: their packed format (lambdas/shared/new-arrivals.ts), which written
 * items they list (new-arrivals-index.ts), and the Items table adapter that keeps them (dynamo-catalogue.ts,
 * over aws-sdk-client-mock): one ADD per category per request, a DELETE that trims the set to its bound and
 * drops an item's stale creation dates, and an item reported failed when its category row was not updated.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { itemUpdateOf } from '../../../lambdas/catalogue/catalogue-request';
import { DynamoCatalogueWriter } from '../../../lambdas/catalogue/dynamo-catalogue';
import { arrivalsByCategory } from '../../../lambdas/catalogue/new-arrivals-index';
import { NEW_ARRIVALS_KEY_PREFIX, newArrivalsKey } from '../../../lambdas/shared/catalogue';
import { decodeArrivals, encodeArrival, surplusOf } from '../../../lambdas/shared/new-arrivals';

const T = Date.parse('2026-12-01T08:00:00.000Z');
const DAY = 86_400_000;

describe('the packed format', () => {
  it('round-trips, newest first, one entry per item (its newest), skipping foreign elements', () => {
    const elements = new Set([
      encodeArrival({ itemId: 'a', createdAt: T - DAY }),
      encodeArrival({ itemId: 'b', createdAt: T }),
      encodeArrival({ itemId: 'a', createdAt: T - 3 * DAY }),
      'garbage',
    ]);
    expect(decodeArrivals(elements)).toEqual([
      { itemId: 'b', createdAt: T },
      { itemId: 'a', createdAt: T - DAY },
    ]);
    expect(decodeArrivals(undefined)).toEqual([]);
  });

  it('refuses an id that would break the format', () => {
    expect(() => encodeArrival({ itemId: 'a\u001fb', createdAt: T })).toThrow(/cannot encode/);
  });

  it('keys rows where no item id can be (ids have no control characters)', () => {
    expect(newArrivalsKey('garden')).toBe(`${NEW_ARRIVALS_KEY_PREFIX}garden`);
    expect(NEW_ARRIVALS_KEY_PREFIX).toMatch(/\p{Cc}/u);
  });

  it('surplusOf trims to the newest `max` and drops other dates of the items just added', () => {
    const e = (itemId: string, days: number) => encodeArrival({ itemId, createdAt: T - days * DAY });
    const added = new Set([e('a', 0)]);
    const set = [e('a', 0), e('a', 9), e('b', 1), e('c', 2), e('d', 3), 'junk'];
    expect(surplusOf(set, added, 2).sort()).toEqual([e('a', 9), e('c', 2), e('d', 3), 'junk'].sort());
    expect(surplusOf(set.slice(0, 3), new Set(), 5)).toEqual([]);
  });
});

describe('arrivalsByCategory', () => {
  it('lists stored items with a category and a createdAt, grouped by category', () => {
    const groups = arrivalsByCategory([
      { itemId: 'a', category: 'garden', createdAt: '2026-11-30T00:00:00.000Z' },
      { itemId: 'b', category: 'garden', createdAt: '2026-11-29T00:00:00.000Z', title: 'B' },
      { itemId: 'c', category: 'books', createdAt: '2026-11-28T00:00:00.000Z' },
      { itemId: 'd', category: 'books' },
      { itemId: 'e', createdAt: '2026-11-28T00:00:00.000Z' },
    ]);
    expect([...groups.keys()]).toEqual(['garden', 'books']);
    expect(decodeArrivals(groups.get('garden')).map((a) => a.itemId)).toEqual(['a', 'b']);
    expect(decodeArrivals(groups.get('books')).map((a) => a.itemId)).toEqual(['c']);
  });
});

describe('DynamoCatalogueWriter keeps the new-arrivals rows', () => {
  const ddb = mockClient(DynamoDBDocumentClient);
  const writer = new DynamoCatalogueWriter(
    'Items',
    DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' })),
    1,
  );
  const now = new Date(T);
  const calls = () => ddb.commandCalls(UpdateCommand).map((c) => c.args[0].input as UpdateCommandInput);
  /** The Items table: stored items answer ALL_NEW; category rows hold a set. */
  let sets: Map<string, Set<string>>;
  let items: Map<string, Record<string, unknown>>;

  beforeEach(() => {
    ddb.reset();
    sets = new Map();
    items = new Map();
    ddb.on(UpdateCommand).callsFake((input: UpdateCommandInput) => {
      const itemId = input.Key?.itemId as string;
      if (itemId.startsWith(NEW_ARRIVALS_KEY_PREFIX)) {
        const set = sets.get(itemId) ?? new Set<string>();
        sets.set(itemId, set);
        const values = input.ExpressionAttributeValues ?? {};
        if (input.UpdateExpression?.startsWith('ADD')) for (const v of values[':elements']) set.add(v);
        else for (const v of values[':surplus']) set.delete(v);
        return { Attributes: { arrivals: new Set(set) } };
      }
      const row = { ...(items.get(itemId) ?? { itemId }) };
      for (const [name, value] of Object.entries(input.ExpressionAttributeValues ?? {})) {
        row[name.slice(1)] = value;
      }
      items.set(itemId, row);
      return { Attributes: row };
    });
  });

  const put = (item: Parameters<typeof itemUpdateOf>[0]) => itemUpdateOf(item, now);

  it('ADDs the items of a request to their category rows, once per category', async () => {
    const result = await writer.write([
      put({ itemId: 'a', category: 'garden', createdAt: '2026-11-30T00:00:00.000Z' }),
      put({ itemId: 'b', category: 'garden', createdAt: '2026-11-29T00:00:00.000Z' }),
      put({ itemId: 'c', title: 'no category' }),
    ]);
    expect(result).toEqual({ written: ['a', 'b', 'c'], failed: [] });
    const adds = calls().filter((c) => c.UpdateExpression === 'ADD #arrivals :elements');
    expect(adds).toHaveLength(1);
    expect(adds[0]?.Key).toEqual({ itemId: newArrivalsKey('garden') });
    expect(decodeArrivals(sets.get(newArrivalsKey('garden'))).map((a) => a.itemId)).toEqual(['a', 'b']);
  });

  it('lists an item whose category or createdAt arrives in a later, partial request', async () => {
    await writer.write([put({ itemId: 'a', category: 'garden' })]);
    expect(sets.size).toBe(0);
    await writer.write([put({ itemId: 'a', createdAt: '2026-11-30T00:00:00.000Z' })]);
    expect(decodeArrivals(sets.get(newArrivalsKey('garden')))).toEqual([
      { itemId: 'a', createdAt: Date.parse('2026-11-30T00:00:00.000Z') },
    ]);
  });

  it('a replayed request changes nothing; a changed createdAt replaces the old element', async () => {
    const request = [put({ itemId: 'a', category: 'garden', createdAt: '2026-11-30T00:00:00.000Z' })];
    await writer.write(request);
    const once = new Set(sets.get(newArrivalsKey('garden')));
    await writer.write(request);
    expect(sets.get(newArrivalsKey('garden'))).toEqual(once);
    await writer.write([put({ itemId: 'a', createdAt: '2026-11-20T00:00:00.000Z' })]);
    expect([...(sets.get(newArrivalsKey('garden')) ?? [])]).toEqual([
      encodeArrival({ itemId: 'a', createdAt: Date.parse('2026-11-20T00:00:00.000Z') }),
    ]);
  });

  it('trims a row to the newest 100 items', async () => {
    const updates = Array.from({ length: 120 }, (_, i) =>
      put({ itemId: `i${i}`, category: 'garden', createdAt: new Date(T - i * DAY).toISOString() }),
    );
    await writer.write(updates);
    const kept = decodeArrivals(sets.get(newArrivalsKey('garden')));
    expect(kept).toHaveLength(100);
    expect(kept.at(-1)?.itemId).toBe('i99');
  });

  it('reports the items of a category row it could not update, so the client resends them', async () => {
    ddb.on(UpdateCommand, { Key: { itemId: newArrivalsKey('garden') } }).rejects(new Error('throttled'));
    const result = await writer.write([
      put({ itemId: 'a', category: 'garden', createdAt: '2026-11-30T00:00:00.000Z' }),
      put({ itemId: 'b', title: 'B' }),
    ]);
    expect(result.written).toEqual(['b']);
    expect(result.failed).toEqual([
      { itemId: 'a', message: expect.stringMatching(/new arrivals of garden not updated: .*throttled/) },
    ]);
  });
});
