/**
 * Refused catalogue requests are kept, not dropped: every 400, 413 and 415 of PUT /v1/items leaves one
 * quarantine object (the ingest API's layout, lambdas/shared/quarantine-layout.ts) with the reason, the
 * message the client got and the raw body, so an operator can inspect and resend it; the response keeps its
 * specific error; a quarantine that cannot be written is counted and logged, and the client still gets its 4xx.
 */
import { createCatalogueHandler } from '../../../lambdas/catalogue/handler';
import { ObjectStoreQuarantine } from '../../../lambdas/ingest/quarantine';
import { putItemsEvent } from '../../support/catalogue-request-event';
import { MemoryObjectStore as MemoryStore } from '../../support/memory-object-store';

const at = new Date('2026-12-03T10:11:12.345Z');

const put = (body: string, contentType = 'application/json') => putItemsEvent(body, contentType);

function setup() {
  const store = new MemoryStore();
  const writes: string[][] = [];
  const lost: number[] = [];
  const handler = createCatalogueHandler({
    writer: {
      write: async (updates) => {
        writes.push(updates.map((u) => u.key.itemId));
        return { written: updates.map((u) => u.key.itemId), failed: [] };
      },
    },
    quarantine: new ObjectStoreQuarantine(store, 'lake', 'quarantine/'),
    clock: () => at,
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
    onQuarantineLost: (n) => lost.push(n),
  });
  return { store, writes, lost, handler };
}

const refusals: Array<[string, string, string | undefined, number, string]> = [
  ['bad JSON', '{"items": [}', undefined, 400, 'invalid_json'],
  [
    'an invalid item',
    JSON.stringify({ items: [{ itemId: 'a', availability: 'sold_out' }] }),
    undefined,
    400,
    'invalid_items',
  ],
  [
    'a duplicate item',
    JSON.stringify({ items: [{ itemId: 'a' }, { itemId: 'a' }] }),
    undefined,
    400,
    'duplicate_item',
  ],
  [
    'too many items',
    JSON.stringify({ items: Array.from({ length: 501 }, (_, i) => ({ itemId: `i${i}` })) }),
    undefined,
    413,
    'too_many_items',
  ],
  ['another content type', '{"items":[{"itemId":"a"}]}', 'text/plain', 415, 'unsupported_media_type'],
];

it.each(refusals)(
  'keeps %s in the quarantine with its reason, and answers with the specific error',
  async (_, body, type, status, code) => {
    const { store, writes, handler } = setup();
    const response = await handler(put(body, type));
    expect(response.statusCode).toBe(status);
    const answer = JSON.parse(response.body) as { code: string; message: string };
    expect(answer.code).toBe(code);
    expect(answer.message).not.toBe('');
    expect(writes).toEqual([]);

    const objects = [...store.objects];
    expect(objects).toHaveLength(1);
    const [key, text] = objects[0]!;
    expect(key).toBe(`lake/quarantine/dt=2026-12-03/reason=${code}/${at.getTime()}-req-1.jsonl`);
    const lines = text.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toEqual({
      reason: code,
      field: expect.any(String),
      message: answer.message,
      source: 'catalogue-api',
      route: '/v1/items',
      index: null,
      receivedAt: at.toISOString(),
      requestId: 'req-1',
      writeKeyName: 'pim',
      rawPayload: body,
    });
  },
);

it('writes nothing to the quarantine for an accepted request', async () => {
  const { store, writes, handler } = setup();
  const response = await handler(put(JSON.stringify({ items: [{ itemId: 'a' }] })));
  expect(response.statusCode).toBe(200);
  expect(writes).toEqual([['a']]);
  expect(store.objects.size).toBe(0);
});

it('still answers the 400 when the quarantine cannot be written, and counts the lost copy', async () => {
  const { store, lost, handler } = setup();
  store.fail = true;
  const response = await handler(put(JSON.stringify({ items: [{ itemId: 'a', price: 'cheap' }] })));
  expect(response.statusCode).toBe(400);
  expect(JSON.parse(response.body)).toMatchObject({
    code: 'invalid_items',
    errors: [{ field: 'items[0].price' }],
  });
  expect(lost).toEqual([1]);
});
