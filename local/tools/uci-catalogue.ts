/**
 * The item catalogue of the UCI Online Retail data (CC BY 4.0, see uci-retail.ts): one item per product
 * code, titled with its description and priced with its unit price (GBP), both from the product's latest
 * row in file order (the daily files are in date order). Rows that are not products (postage, manual
 * adjustments: the same PRODUCT_CODE rule as the purchase import) or have no positive price are left out.
 * `recostream import uci DIR --catalog-out FILE.jsonl` writes it for `recostream import catalog`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CatalogueItem } from '../../lambdas/shared/catalogue';
import { PRODUCT_CODE, parseCsv } from './uci-retail';

export function uciCatalogue(files: ReadonlyArray<{ name: string; text: string }>): CatalogueItem[] {
  const items = new Map<string, CatalogueItem>();
  for (const file of files) {
    const records = parseCsv(file.text);
    const header = records.shift() ?? [];
    const [iStock, iDescription, iPrice] = ['StockCode', 'Description', 'UnitPrice'].map((c) =>
      header.indexOf(c),
    );
    if (iStock === -1 || iDescription === -1 || iPrice === -1)
      throw new Error(`${file.name}: needs the StockCode, Description and UnitPrice columns`);
    for (const record of records) {
      const code = (record[iStock as number] ?? '').trim().toUpperCase();
      const title = (record[iDescription as number] ?? '').trim();
      const price = Number((record[iPrice as number] ?? '').trim());
      if (!PRODUCT_CODE.test(code) || !(price > 0) || title === '') continue;
      items.delete(code); // keep insertion order = the latest sighting last
      items.set(code, { itemId: code, title: title.slice(0, 1000), price, currency: 'GBP' });
    }
  }
  return [...items.values()];
}

export function uciCatalogueOfDir(dir: string): CatalogueItem[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.csv'))
    .sort();
  return uciCatalogue(files.map((f) => ({ name: f, text: readFileSync(join(dir, f), 'utf8') })));
}
