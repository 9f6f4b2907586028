/**
 * The catalogue's change log in the lake (lambdas/shared/catalogue-lake.ts, lambdas/catalogue/item-change-log.ts):
 * a row per accepted item naming what it set and what it removed, one object per request under
 * `items/dt=<day>/`, written only for the items the table accepted; a lake failure is a 503 naming the items to
 * resend, never a silent loss.
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { createCatalogueHandler } from '../../../lambdas/catalogue/handler';
import { ObjectStoreItemChangeLog } from '../../../lambdas/catalogue/item-change-log';
import { ObjectStoreQuarantine } from '../../../lambdas/ingest/quarantine';
import { itemChangeRow, itemChangesKey } from '../../../lambdas/shared/catalogue-lake';
import { MemoryObjectStore as MemoryStore } from '../../support/memory-object-store';

const at = new Date('2026-12-03T10:11:12.345Z');

const put = (items: object[]): APIGatewayProxyEvent =>
  ({
    httpMethod: 'PUT',
    resource: '/v1/items',
    path: '/v1/items',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ items }),
    isBase64Encoded: false,
  }) as unknown as APIGatewayProxyEvent;

describe('item change rows', () => {
  it('name the fields set, the fields removed, and the attributes as JSON text', () => {
    expect(
      itemChangeRow(
        { itemId: 'sku-1', title: 'Lamp', price: 20, availability: null, attributes: { colour: 'red' } },
        at,
      ),
    ).toEqual({
      item_id: 'sku-1',
      title: 'Lamp',
      price: 20,
      attributes: '{"colour":"red"}',
      removed_fields: ['availability'],
      updated_at: '2026-12-03T10:11:12.345Z',
    });
  });

  it('are keyed by the day of the change', () => {
    expect(itemChangesKey('items/', at, 'r1')).toBe('items/dt=2026-12-03/2026-12-03T10-11-12-345Z-r1.jsonl');
  });
});

describe('PUT /v1/items and the lake', () => {
  const writer = (failed: string[] = []) => ({
    write: async (updates: ReadonlyArray<{ key: { itemId: string } }>) => ({
      written: updates.map((u) => u.key.itemId).filter((id) => !failed.includes(id)),
      failed: failed.map((itemId) => ({ itemId, message: 'throttled' })),
    }),
  });
  const logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

  it('logs the written items only, in one object', async () => {
    const store = new MemoryStore();
    const handler = createCatalogueHandler({
      writer: writer(['b']),
      changes: new ObjectStoreItemChangeLog(store, 'lake', 'items/', () => 'req'),
      quarantine: new ObjectStoreQuarantine(store, 'lake', 'quarantine/'),
      clock: () => at,
      logger,
    });
    const response = await handler(put([{ itemId: 'a', category: 'garden' }, { itemId: 'b' }]));
    expect(response.statusCode).toBe(503);
    expect([...store.objects.entries()]).toEqual([
      [
        'lake/items/dt=2026-12-03/2026-12-03T10-11-12-345Z-req.jsonl',
        `${JSON.stringify({ item_id: 'a', category: 'garden', removed_fields: [], updated_at: at.toISOString() })}\n`,
      ],
    ]);
  });

  it('answers 503 with every written item to resend when the lake refuses the log', async () => {
    const store = new MemoryStore();
    store.fail = true;
    const handler = createCatalogueHandler({
      writer: writer(),
      changes: new ObjectStoreItemChangeLog(store, 'lake', 'items/'),
      quarantine: new ObjectStoreQuarantine(store, 'lake', 'quarantine/'),
      clock: () => at,
      logger,
    });
    const response = await handler(put([{ itemId: 'a', title: 'A' }]));
    expect(response.statusCode).toBe(503);
    expect(JSON.parse(response.body)).toMatchObject({ code: 'write_failed', retry: ['a'] });
  });
});
