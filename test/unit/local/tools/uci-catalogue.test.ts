/**
 * The UCI catalogue: one item per product code with its latest description and unit price (GBP); postage
 * and other non-product codes and zero prices are left out; every item passes the API's item schema. On the
 * real December slice when it is present (../shared/data, never copied), else skipped.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CatalogueItemSchema } from '../../../../lambdas/shared/catalogue';
import { uciCatalogue, uciCatalogueOfDir } from '../../../../local/tools/uci-catalogue';

const HEADER = 'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country';

it('keeps the latest description and price per product code', () => {
  const items = uciCatalogue([
    {
      name: 'a.csv',
      text: [
        HEADER,
        '536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,2010-12-01 08:26,2.55,17850.0,United Kingdom',
        '536366,POST,POSTAGE,1,2010-12-01 08:28,18,17850.0,France',
        '536367,22633,"HAND WARMER, UNION JACK",6,2010-12-01 08:28,0,17850.0,United Kingdom',
      ].join('\n'),
    },
    {
      name: 'b.csv',
      text: [
        HEADER,
        '536400,85123a,WHITE HEART T-LIGHT HOLDER,2,2010-12-02 09:00,2.95,13047.0,United Kingdom',
      ].join('\n'),
    },
  ]);
  expect(items).toEqual([
    { itemId: '85123A', title: 'WHITE HEART T-LIGHT HOLDER', price: 2.95, currency: 'GBP' },
  ]);
});

const december = join(__dirname, '..', '..', '..', '..', '..', 'shared', 'data', 'uci-online-retail-2010-12');
(existsSync(december) ? it : it.skip)(
  'gives every product of the December slice a valid catalogue item',
  () => {
    const items = uciCatalogueOfDir(december);
    expect(items.length).toBeGreaterThan(2000);
    for (const item of items) expect(CatalogueItemSchema.safeParse(item).success).toBe(true);
  },
);
