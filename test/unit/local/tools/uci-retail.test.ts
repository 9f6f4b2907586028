import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { CanonicalEventSchema } from '../../../../lambdas/shared/events';
import {
  convertUciRows,
  importUciRetail,
  MAX_LINES_PER_EVENT,
  parseCsv,
} from '../../../../local/tools/uci-retail';

const HEADER = 'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country';

describe('UCI Online Retail importer', () => {
  it('parses quoted CSV fields with commas, quotes and CRLF', () => {
    expect(parseCsv('a,"b, c","say ""hi"""\r\n1,,3\n')).toEqual([
      ['a', 'b, c', 'say "hi"'],
      ['1', '', '3'],
    ]);
  });

  it('turns each invoice of a known customer into one purchase and counts every skipped row by rule', () => {
    const csv = [
      HEADER,
      '536365,85123A,"WHITE HANGING HEART, T-LIGHT",6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom',
      '536365,71053,WHITE METAL LANTERN,6,2010-12-01 08:26:00,3.39,17850.0,United Kingdom',
      '536365,85123a,WHITE HANGING HEART T-LIGHT HOLDER,2,2010-12-01 08:26:00,2.55,17850.0,United Kingdom',
      '536366,22633,HAND WARMER UNION JACK,6,2010-12-01 08:28:00,1.85,17850.0,United Kingdom',
      '536367,22632,GUEST ROW,6,2010-12-01 09:00:00,1.85,,United Kingdom',
      'C536379,D,Discount,-1,2010-12-01 09:41:00,27.5,14527.0,United Kingdom',
      '536380,22961,JAM MAKING SET PRINTED,-24,2010-12-01 09:45:00,1.45,14527.0,United Kingdom',
      '536381,POST,POSTAGE,3,2010-12-01 09:50:00,18,12583.0,France',
      '536382,22139,RETROSPOT TEA SET,1,2010-12-01 09:55:00,0,12583.0,France',
      '536383,22139,RETROSPOT TEA SET,1,2010-12-02 10:05:00,4.95,12583.0,France',
    ].join('\n');

    const { events, report } = convertUciRows([{ name: '2010-12-01.csv', text: `${csv}\n` }]);

    expect(report.skipped).toEqual({
      noCustomer: 1,
      cancellation: 1,
      nonPositiveQuantity: 1,
      nonProduct: 1,
      zeroPrice: 1,
    });
    expect(report).toMatchObject({
      rows: 10,
      purchaseRows: 5,
      mergedDuplicateLines: 1,
      invoices: 3,
      events: 3,
    });
    expect(report).toMatchObject({ customers: 2, products: 4, splitInvoices: 0 });
    expect(events.map((e) => [e.eventId, e.userId, e.orderId, e.occurredAt])).toEqual([
      ['uci-536365', '17850', '536365', '2010-12-01T08:26:00.000Z'],
      ['uci-536366', '17850', '536366', '2010-12-01T08:28:00.000Z'],
      ['uci-536383', '12583', '536383', '2010-12-02T10:05:00.000Z'],
    ]);
    expect(events[0]?.lineItems).toEqual([
      { itemId: '85123A', quantity: 8, price: 2.55 },
      { itemId: '71053', quantity: 6, price: 3.39 },
    ]);
    expect(events[0]?.revenue).toBe(40.74);
    for (const event of events) expect(CanonicalEventSchema.safeParse(event).success).toBe(true);
  });

  it('splits an invoice with more lines than an event may carry, keeping the order id', () => {
    const rows = Array.from(
      { length: MAX_LINES_PER_EVENT + 2 },
      (_, i) => `540000,${String(10000 + i)},ITEM,1,2010-12-05 10:00:00,1.0,12000.0,UK`,
    );
    const { events, report } = convertUciRows([{ name: 'big.csv', text: [HEADER, ...rows].join('\n') }]);
    expect(events.map((e) => [e.eventId, e.orderId, e.lineItems.length])).toEqual([
      ['uci-540000', '540000', MAX_LINES_PER_EVENT],
      ['uci-540000-2', '540000', 2],
    ]);
    expect(report.splitInvoices).toBe(1);
  });

  it('names the file and line of a malformed date, and a missing column', () => {
    const bad = `${HEADER}\n536365,85123A,X,6,01/12/2010 08:26,2.55,17850.0,UK\n`;
    expect(() => convertUciRows([{ name: 'd.csv', text: bad }])).toThrow(/d\.csv line 2: InvoiceDate/);
    expect(() => convertUciRows([{ name: 'h.csv', text: 'InvoiceNo,StockCode\n1,2\n' }])).toThrow(
      /h\.csv: missing column\(s\) Description, Quantity, InvoiceDate, UnitPrice, CustomerID/,
    );
  });

  // The real December 2010 slice (see ../shared/data/NOTICE.md), read from where it lies, never copied.
  const uciDir = resolve(
    process.env.RECOSTREAM_UCI_DIR ??
      resolve(__dirname, '../../../../../shared/data/uci-online-retail-2010-12'),
  );
  (existsSync(uciDir) ? it : it.skip)(`imports the real slice in ${uciDir}`, () => {
    const { events, report } = importUciRetail(uciDir);
    expect(report).toMatchObject({
      files: 20,
      rows: 42481,
      skipped: {
        noCustomer: 15631,
        cancellation: 690,
        nonPositiveQuantity: 0,
        nonProduct: 101,
        zeroPrice: 3,
      },
      invoices: 1394,
      events: 1394,
      customers: 884,
    });
    expect(report.rows).toBe(report.purchaseRows + Object.values(report.skipped).reduce((a, b) => a + b, 0));
    expect(events.every((e) => CanonicalEventSchema.safeParse(e).success)).toBe(true);
  });
});
