/**
 * `recostream import catalog`: CSV and JSON lines become API items (extra CSV columns -> attributes, empty
 * cells left out), invalid lines are rejected with their line number and reason and kept in
 * FILE.rejected.jsonl, and valid items go out in PUT requests of at most 500.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  importCatalogCommand,
  readCatalogueFile,
  validateCatalogue,
} from '../../../../local/cli/catalogue-import';

const dir = mkdtempSync(join(tmpdir(), 'catalogue-import-'));

it('reads CSV with attributes and empty cells, and rejects bad lines with their numbers', () => {
  const path = join(dir, 'items.csv');
  writeFileSync(
    path,
    [
      'itemId,title,category,price,currency,availability,colour',
      'sku-1,"Tea pot, blue",kitchen,24.5,EUR,in_stock,blue',
      'sku-2,,,,,,',
      'sku-3,Cup,kitchen,cheap,EUR,in_stock,',
      'sku-4,Mug,kitchen,3,EUR,sold_out,',
    ].join('\n'),
  );
  const { items, rejected } = validateCatalogue(readCatalogueFile(path));
  expect(items).toEqual([
    {
      itemId: 'sku-1',
      title: 'Tea pot, blue',
      category: 'kitchen',
      price: 24.5,
      currency: 'EUR',
      availability: 'in_stock',
      attributes: { colour: 'blue' },
    },
    { itemId: 'sku-2' },
  ]);
  expect(rejected.map((r) => [r.line, r.reason.split(':')[0]])).toEqual([
    [4, 'price'],
    [5, 'availability'],
  ]);
});

it('sends JSON lines in requests of at most 500 and keeps rejected lines in a file', async () => {
  const path = join(dir, 'items.jsonl');
  const lines = Array.from({ length: 1001 }, (_, i) =>
    JSON.stringify({ itemId: `i${i}`, availability: 'in_stock' }),
  );
  lines.splice(10, 0, '{"itemId": ');
  writeFileSync(path, `${lines.join('\n')}\n`);
  const bodies: Array<{ items: unknown[] }> = [];
  const fakeFetch = (async (_url: string, init: RequestInit) => {
    const body = JSON.parse(String(init.body)) as { items: unknown[] };
    bodies.push(body);
    return new Response(JSON.stringify({ updated: body.items.length, itemIds: [] }), { status: 200 });
  }) as typeof fetch;
  const out: string[] = [];
  const code = await importCatalogCommand(
    [path, '--api-url', 'http://api.example', '--key', 'rs_k'],
    { out: (t) => out.push(t), err: (t) => out.push(t) },
    fakeFetch,
  );
  expect(code).toBe(1); // one invalid line
  expect(bodies.map((b) => b.items.length)).toEqual([500, 500, 1]);
  expect(out.join('\n')).toContain('updated 1001 items');
  expect(out.join('\n')).toContain('line 11: not JSON');
  const kept = readFileSync(`${path}.rejected.jsonl`, 'utf8').trim().split('\n');
  expect(kept).toHaveLength(1);
  expect(JSON.parse(kept[0] as string)).toMatchObject({ line: 11, raw: '{"itemId": ' });
});
