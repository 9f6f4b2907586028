/**
 * The service over the real DynamoDB adapter (aws-sdk-client-mock): what cold start by attributes and the
 * promotion slot of similar and trending cost in DynamoDB calls, and what they answer. The attributes of
 * the new arrivals and of the reference items (the user's recent items; the seed) come with the first
 * catalogue read the request makes anyway: for-you reads 1 GetItem and 5 BatchGetItem (pointers,
 * neighbours, trending, the new-arrivals rows, the catalogue), as before; similar 4 BatchGetItem (pointers,
 * neighbours, the seed's row, its category's new arrivals) and the catalogue, as before. A promotion adds one
 * BatchGetItem of the promoted-items row, in parallel with the first reads.
 */
import {
  BatchGetCommand,
  type BatchGetCommandInput,
  DynamoDBDocumentClient,
  GetCommand,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import {
  similarTo,
  trendingNow,
  userRecommendations,
} from '../../../lambdas/recommend/recommendation-service';
import { type RequestRules, resolveRequestRules } from '../../../lambdas/recommend/rules/request-rules';
import { DEFAULT_EXPLORATION, DEFAULT_WEIGHTS } from '../../../lambdas/recommend/scoring';
import { newArrivalsKey, PROMOTED_ITEMS_KEY } from '../../../lambdas/shared/catalogue';
import { encodeArrival } from '../../../lambdas/shared/new-arrivals';
import { checkRulesConfig } from '../../../lambdas/shared/recommend-rules';
import { mockedRecommendationReads } from '../../support/recommend-reads';

const dynamoMock = mockClient(DynamoDBDocumentClient);
const NOW = Date.parse('2026-12-01T08:00:00.000Z');
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** The Items table: catalogue rows, the kitchen's new-arrivals row, the promoted-items row. */
let items: Record<string, Record<string, unknown>>;
let batchGets: BatchGetCommandInput[];

const kim = {
  userId: 'kim',
  recent: [{ type: 'product_view', itemId: 'kettle', category: 'kitchen', at: iso(NOW - 3_600_000) }],
  purchased: [],
  cart: {},
  affinities: { kitchen: { score: 1, at: NOW } },
};

beforeEach(() => {
  dynamoMock.reset();
  batchGets = [];
  items = {
    kettle: {
      itemId: 'kettle',
      title: 'Red kettle',
      category: 'kitchen',
      attributes: { colour: 'red' },
    },
    'new-blue': {
      itemId: 'new-blue',
      category: 'kitchen',
      createdAt: iso(NOW - DAY),
      attributes: { colour: 'blue' },
    },
    'new-red': {
      itemId: 'new-red',
      category: 'kitchen',
      createdAt: iso(NOW - 10 * DAY),
      attributes: { colour: 'red' },
    },
    [newArrivalsKey('kitchen')]: {
      itemId: newArrivalsKey('kitchen'),
      arrivals: new Set([
        encodeArrival({ itemId: 'new-blue', createdAt: NOW - DAY }),
        encodeArrival({ itemId: 'new-red', createdAt: NOW - 10 * DAY }),
      ]),
    },
  };
  dynamoMock.on(GetCommand).callsFake((input: { Key: { userId: string } }) => ({
    Item: input.Key.userId === 'kim' ? kim : undefined,
  }));
  dynamoMock.on(BatchGetCommand).callsFake((input: BatchGetCommandInput) => {
    batchGets.push(input);
    const [table, request] = Object.entries(input.RequestItems ?? {})[0] as [
      string,
      { Keys: Record<string, string>[] },
    ];
    const rows = request.Keys.flatMap((key) => {
      if (table === 'JobRuns') return [{ job: key.job, runId: 'ACTIVE', activeVersion: `${key.job}-1` }];
      if (table === 'Trending' && key.scope === 'global')
        return [{ ...key, items: [{ itemId: 'pop', score: 5, category: 'garden' }] }];
      const row = table === 'Items' ? items[key.itemId as string] : undefined;
      return row ? [row] : [];
    });
    return { Responses: { [table]: rows } };
  });
  dynamoMock.on(ScanCommand).resolves({ Items: [], ScannedCount: 0 });
});

const reads = () => mockedRecommendationReads({ now: () => NOW });

/** Calls per table (GetItem counted as `Profiles`), and every key the Items reads asked for, per call. */
function calls() {
  const byTable: Record<string, number> = { Profiles: dynamoMock.commandCalls(GetCommand).length };
  const itemReads: string[][] = [];
  for (const input of batchGets) {
    const [table, request] = Object.entries(input.RequestItems ?? {})[0] as [
      string,
      { Keys: Record<string, string>[] },
    ];
    byTable[table] = (byTable[table] ?? 0) + 1;
    if (table === 'Items') itemReads.push(request.Keys.map((k) => k.itemId as string).sort());
  }
  return { byTable, itemReads };
}

const answer = (result: { items: ReadonlyArray<{ itemId: string; reason: string }> }) =>
  result.items.map((i) => [i.itemId, i.reason]);

describe('cold start by attributes', () => {
  it('for-you: the arrival sharing the recent item’s colour first, with no DynamoDB call added', async () => {
    const result = await userRecommendations(reads(), {
      userId: 'kim',
      placement: 'for-you',
      limit: 5,
      now: NOW,
      scoring: { weights: { ...DEFAULT_WEIGHTS, reminders: 0 }, exploration: DEFAULT_EXPLORATION },
    });
    expect(answer(result)).toEqual([
      ['pop', 'popular'],
      ['new-red', 'new in kitchen: colour red, like Red kettle'],
      ['new-blue', 'new in kitchen'],
    ]);
    const { byTable, itemReads } = calls();
    // As before: 1 GetItem and 5 BatchGetItem; the arrivals' and the recent item's rows ride along with
    // the candidates' in the one catalogue read.
    expect(byTable).toEqual({ Profiles: 1, JobRuns: 1, Similarities: 1, Trending: 1, Items: 2 });
    expect(itemReads).toEqual([[newArrivalsKey('kitchen')], ['kettle', 'new-blue', 'new-red', 'pop']]);
  });

  it('similar: the arrival sharing the seed’s colour first; the seed’s row is the one read before', async () => {
    const result = await similarTo(reads(), {
      itemId: 'kettle',
      limit: 5,
      exploration: DEFAULT_EXPLORATION,
      now: NOW,
    });
    expect(answer(result)).toEqual([
      ['new-red', 'new in kitchen: colour red, like Red kettle'],
      ['new-blue', 'new in kitchen'],
    ]);
    const { byTable, itemReads } = calls();
    expect(byTable).toEqual({ Profiles: 0, JobRuns: 1, Similarities: 1, Items: 3 });
    expect(itemReads).toEqual([['kettle'], [newArrivalsKey('kitchen')], ['new-blue', 'new-red']]);
  });

  it('an unavailable arrival never ranks, even when it shares the attribute', async () => {
    (items['new-red'] as Record<string, unknown>).availability = 'out_of_stock';
    const result = await similarTo(reads(), {
      itemId: 'kettle',
      limit: 5,
      exploration: DEFAULT_EXPLORATION,
      now: NOW,
    });
    expect(answer(result)).toEqual([['new-blue', 'new in kitchen']]);
    expect(calls().itemReads).toHaveLength(3);
  });
});

describe('the promotion slot of similar and trending', () => {
  const config = checkRulesConfig({
    filters: {
      promoted: { match: [{ field: 'attribute', name: 'promoted', in: [true] }] },
      cheap: { match: [{ field: 'price', max: 20 }] },
    },
    promotion: { filter: 'promoted', within: 3, slots: 1 },
  });
  const rules = (filter: string[] = []): RequestRules => {
    const resolved = resolveRequestRules(config, { filter }, {}, NOW);
    if (!resolved.ok) throw new Error(JSON.stringify(resolved.problems));
    return resolved.rules;
  };
  const promoted = (itemId: string, category: string, extra: Record<string, unknown> = {}) => {
    items[itemId] = { itemId, category, price: 10, attributes: { promoted: true }, ...extra };
  };
  beforeEach(() => {
    promoted('promo-kitchen', 'kitchen', { createdAt: iso(NOW - 40 * DAY) });
    promoted('promo-kitchen-gone', 'kitchen', { availability: 'out_of_stock' });
    promoted('promo-kitchen-pricey', 'kitchen', { price: 90, createdAt: iso(NOW - DAY) });
    promoted('promo-garden', 'garden', { createdAt: iso(NOW - 2 * DAY) });
    items[PROMOTED_ITEMS_KEY] = {
      itemId: PROMOTED_ITEMS_KEY,
      promoted: new Set(
        ['promo-kitchen', 'promo-kitchen-gone', 'promo-kitchen-pricey', 'promo-garden', 'kettle'].map(
          (itemId) => encodeArrival({ itemId, createdAt: 0 }),
        ),
      ),
    };
  });

  it('similar: a promoted item of the seed’s category that is no candidate takes the slot', async () => {
    const result = await similarTo(reads(), { itemId: 'kettle', limit: 3, rules: rules() });
    // Not the seed itself, not the out-of-stock one, not the garden one; the newest of the kitchen.
    expect(answer(result)).toEqual([['promo-kitchen-pricey', 'promoted']]);
    expect(calls().byTable).toEqual({ Profiles: 0, JobRuns: 1, Similarities: 1, Items: 3 });
  });

  it('similar: the request’s filters and excludeItems apply to the promoted items', async () => {
    const cheap = await similarTo(reads(), { itemId: 'kettle', limit: 3, rules: rules(['cheap']) });
    expect(answer(cheap)).toEqual([['promo-kitchen', 'promoted']]);
    const excluded = await similarTo(reads(), {
      itemId: 'kettle',
      limit: 3,
      rules: rules(),
      excludeItems: ['promo-kitchen-pricey', 'promo-kitchen'],
    });
    expect(answer(excluded)).toEqual([]);
  });

  it('similar of an uncatalogued seed offers no promoted item from outside its neighbours', async () => {
    const result = await similarTo(reads(), { itemId: 'unknown', limit: 3, rules: rules() });
    expect(answer(result)).toEqual([]);
  });

  it('trending: the promoted items reach the global list and a category’s, within the slot', async () => {
    const global = await trendingNow(reads(), { limit: 2, rules: rules() });
    // The newest promoted item of any category, in the last place of the first `within`.
    expect(answer(global)).toEqual([
      ['pop', 'popular'],
      ['promo-kitchen-pricey', 'promoted'],
    ]);
    const garden = await trendingNow(reads(), { limit: 3, category: 'garden', rules: rules() });
    expect(answer(garden)).toEqual([['promo-garden', 'promoted']]);
    const cheapKitchen = await trendingNow(reads(), {
      limit: 3,
      category: 'kitchen',
      rules: rules(['cheap']),
    });
    expect(answer(cheapKitchen)).toEqual([['promo-kitchen', 'promoted']]);
  });

  it('without a promotion neither route reads the promoted row', async () => {
    await similarTo(reads(), { itemId: 'kettle', limit: 3 });
    await trendingNow(reads(), { limit: 3 });
    expect(calls().itemReads.flat()).not.toContain(PROMOTED_ITEMS_KEY);
  });
});
