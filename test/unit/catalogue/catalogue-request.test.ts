/**
 * PUT /v1/items: the contract (lambdas/shared/catalogue.ts) refuses bad items with a message per field, the
 * UpdateItem names only the fields an item carries (null removes one), and the handler maps parse and write
 * outcomes to 200, 400, 413, 415 and 503 without writing anything for a refused request.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { ItemUpdate } from '../../../lambdas/catalogue/catalogue-request';
import { itemUpdateOf, parseCatalogueRequest } from '../../../lambdas/catalogue/catalogue-request';
import type { CatalogueWriter } from '../../../lambdas/catalogue/dynamo-catalogue';
import { createCatalogueHandler } from '../../../lambdas/catalogue/handler';
import { buildCatalogueOpenApiDocument } from '../../../lambdas/catalogue/openapi';
import { isRecommendable } from '../../../lambdas/shared/catalogue';

const NOW = new Date('2026-12-03T10:00:00.000Z');

describe('parseCatalogueRequest', () => {
  it('accepts a full item and an item with only its id', () => {
    const result = parseCatalogueRequest({
      items: [
        {
          itemId: 'sku-1',
          title: 'Tea pot',
          category: 'kitchen',
          price: 24.5,
          currency: 'EUR',
          availability: 'in_stock',
          createdAt: '2026-11-01T10:00:00+01:00',
          attributes: { colour: 'blue', sizes: ['s', 'm'], organic: true, weight: 1.2 },
        },
        { itemId: 'sku-2' },
      ],
    });
    expect(result).toEqual({
      ok: true,
      items: [
        expect.objectContaining({ itemId: 'sku-1', createdAt: '2026-11-01T09:00:00.000Z' }),
        { itemId: 'sku-2' },
      ],
    });
  });

  it.each([
    [{ items: [{ title: 'x' }] }, 'items[0].itemId'],
    [{ items: [{ itemId: 'a', availability: 'sold_out' }] }, 'items[0].availability'],
    [{ items: [{ itemId: 'a', price: -1 }] }, 'items[0].price'],
    [{ items: [{ itemId: 'a', currency: 'euro' }] }, 'items[0].currency: expected an ISO 4217 code'],
    [{ items: [{ itemId: 'a', createdAt: 'yesterday' }] }, 'items[0].createdAt'],
    [{ items: [{ itemId: 'a', colour: 'red' }] }, 'items[0]: unknown field(s) colour'],
    [{ items: [{ itemId: 'a\u0000' }] }, 'items[0].itemId'],
    [{ items: [] }, 'items: at least one item'],
    [{ products: [] }, 'unknown field(s) products'],
  ])('refuses %j naming %s', (body, expected) => {
    const result = parseCatalogueRequest(body);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.map((e) => e.message).join('; ')).toContain(expected);
  });

  it('refuses more than 500 items and the same item twice', () => {
    const many = parseCatalogueRequest({
      items: Array.from({ length: 501 }, (_, i) => ({ itemId: `i${i}` })),
    });
    expect(many).toMatchObject({ ok: false, code: 'too_many_items' });
    const twice = parseCatalogueRequest({ items: [{ itemId: 'a' }, { itemId: 'b' }, { itemId: 'a' }] });
    expect(twice).toMatchObject({
      ok: false,
      code: 'duplicate_item',
      errors: [{ field: 'items[2].itemId' }],
    });
  });
});

describe('itemUpdateOf', () => {
  it('sets only the named fields (and updatedAt)', () => {
    expect(itemUpdateOf({ itemId: 'a', availability: 'out_of_stock' }, NOW)).toEqual({
      key: { itemId: 'a' },
      updateExpression: 'SET #updatedAt = :updatedAt, #availability = :availability',
      names: { '#updatedAt': 'updatedAt', '#availability': 'availability' },
      values: { ':updatedAt': NOW.toISOString(), ':availability': 'out_of_stock' },
    });
  });

  it('removes the fields named as null', () => {
    const update = itemUpdateOf({ itemId: 'a', title: 'T', price: null, attributes: null }, NOW);
    expect(update.updateExpression).toBe(
      'SET #updatedAt = :updatedAt, #title = :title REMOVE #price, #attributes',
    );
    expect(update.values).toEqual({ ':updatedAt': NOW.toISOString(), ':title': 'T' });
    expect(Object.values(update.names).sort()).toEqual(['attributes', 'price', 'title', 'updatedAt']);
  });
});

it('recommends items unless they are out of stock or discontinued', () => {
  expect(isRecommendable(undefined)).toBe(true);
  expect(isRecommendable({})).toBe(true);
  expect(isRecommendable({ availability: 'in_stock' })).toBe(true);
  expect(isRecommendable({ availability: 'out_of_stock' })).toBe(false);
  expect(isRecommendable({ availability: 'discontinued' })).toBe(false);
});

describe('handler', () => {
  function setup(fail: ReadonlySet<string> = new Set()) {
    const written: ItemUpdate[][] = [];
    const writer: CatalogueWriter = {
      write: async (updates) => {
        written.push([...updates]);
        const ids = updates.map((u) => u.key.itemId);
        return {
          written: ids.filter((id) => !fail.has(id)),
          failed: ids.filter((id) => fail.has(id)).map((itemId) => ({ itemId, message: 'throttled' })),
        };
      },
    };
    const handler = createCatalogueHandler({
      writer,
      quarantine: { write: async () => ({ written: [], failed: [] }) },
      clock: () => NOW,
      logger: { info() {}, warn() {}, error() {} },
    });
    return { handler, written };
  }
  const put = (body: string, contentType = 'application/json') =>
    ({
      resource: '/v1/items',
      path: '/v1/items',
      httpMethod: 'PUT',
      headers: { 'Content-Type': contentType },
      body,
      isBase64Encoded: false,
    }) as unknown as APIGatewayProxyEvent;

  it('writes the items and answers 200 with their ids', async () => {
    const { handler, written } = setup();
    const response = await handler(
      put(JSON.stringify({ items: [{ itemId: 'a', price: 3 }, { itemId: 'b' }] })),
    );
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ updated: 2, itemIds: ['a', 'b'] });
    expect(written[0]?.map((u) => u.key.itemId)).toEqual(['a', 'b']);
  });

  it('refuses bad JSON, a bad item, too many items and another content type, writing nothing', async () => {
    const { handler, written } = setup();
    const badJson = await handler(put('{"items": [}'));
    expect(badJson.statusCode).toBe(400);
    expect(JSON.parse(badJson.body)).toMatchObject({ code: 'invalid_json' });
    const badItem = await handler(
      put(JSON.stringify({ items: [{ itemId: 'a' }, { itemId: 'b', price: 'cheap' }] })),
    );
    expect(badItem.statusCode).toBe(400);
    expect(JSON.parse(badItem.body)).toMatchObject({
      code: 'invalid_items',
      errors: [{ field: 'items[1].price' }],
    });
    const many = await handler(
      put(JSON.stringify({ items: Array.from({ length: 501 }, (_, i) => ({ itemId: `i${i}` })) })),
    );
    expect(many.statusCode).toBe(413);
    expect((await handler(put('{}', 'text/plain'))).statusCode).toBe(415);
    expect(written).toEqual([]);
  });

  it('answers 503 with the ids to resend when some writes failed', async () => {
    const { handler } = setup(new Set(['b']));
    const response = await handler(put(JSON.stringify({ items: [{ itemId: 'a' }, { itemId: 'b' }] })));
    expect(response.statusCode).toBe(503);
    expect(response.headers?.['Retry-After']).toBe('1');
    expect(JSON.parse(response.body)).toMatchObject({
      code: 'write_failed',
      updated: 1,
      itemIds: ['a'],
      retry: ['b'],
    });
  });
});

describe('OpenAPI document of PUT /v1/items', () => {
  const document = buildCatalogueOpenApiDocument();

  it('is valid OpenAPI 3.1 (swagger-parser, in a plain Node process: it is ESM-only)', () => {
    const script =
      "require('@apidevtools/swagger-parser').validate(JSON.parse(require('fs').readFileSync(0, 'utf8')))" +
      ".then(() => process.stdout.write('valid'), (e) => { process.stdout.write(e.message); process.exit(1); })";
    const run = spawnSync(process.execPath, ['-e', script], {
      input: JSON.stringify(document),
      encoding: 'utf8',
    });
    expect(run.stdout).toBe('valid');
  });

  it('is what docs/openapi/catalogue.json holds (regenerate it when the contract changes)', () => {
    const file = join(__dirname, '..', '..', '..', 'docs', 'openapi', 'catalogue.json');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(document);
  });
});
