/**
 * Importer for the UCI "Online Retail" dataset (Chen, Sain & Guo 2012, doi:10.1057/dbm.2012.17; CC BY 4.0,
 * https://archive.ics.uci.edu/dataset/352/online+retail), in the daily CSV split of
 * github.com/databricks/Spark-The-Definitive-Guide (data/retail-data/by-day). The files are read from the
 * folder the user names; nothing is copied.
 *
 * Each invoice of a known customer becomes one canonical `purchase` event (two or more when it has more
 * lines than the event contract allows). Rows that are not purchases of a product by a known customer are
 * skipped deliberately and counted, each under the first rule that applies, in this order:
 *
 *   noCustomer          guest checkout: no CustomerID, nobody to recommend to
 *   cancellation        InvoiceNo `C…`: the file does not say which invoice it cancels, so nothing is
 *                       subtracted; the original purchase still says the customer wanted the item
 *   nonPositiveQuantity quantity <= 0 on an ordinary invoice: stock adjustments ("damaged", "lost")
 *   nonProduct          stock codes that are not products (POST, DOT, M, C2, D, BANK CHARGES, AMAZONFEE, gift
 *                       vouchers, …): real products are five digits with an optional letter suffix
 *   zeroPrice           unit price 0: free samples and manual corrections, not a choice the customer made
 *
 * The same product twice on one invoice becomes one line with the quantities added. InvoiceDate is UK
 * local time, which in December is UTC.
 *
 * `occurredAt` is the invoice time. `receivedAt` is the import time when one is given (`recostream import`
 * does: the lake is partitioned by receipt time, so the history lands in today's partitions, inside the
 * Glue projection range and the purge's reach, and `jobs run --as-of` replays it on event time); without
 * one, the invoice time, as if each invoice had been sent live (the offline evaluation's timeline).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CURRENT_SCHEMA_VERSION,
  type PurchaseEvent,
  PurchaseEventSchema,
  type PurchaseLineItem,
} from '../../lambdas/shared/events';

export const UCI_ATTRIBUTION =
  'UCI Online Retail (Chen, Sain & Guo 2012), CC BY 4.0, https://archive.ics.uci.edu/dataset/352/online+retail';

const HEADER = [
  'InvoiceNo',
  'StockCode',
  'Description',
  'Quantity',
  'InvoiceDate',
  'UnitPrice',
  'CustomerID',
];
export const PRODUCT_CODE = /^\d{5}[A-Za-z]*$/;
/** PurchaseEventSchema's limit on lines per event. */
export const MAX_LINES_PER_EVENT = 500;

export type SkipRule = 'noCustomer' | 'cancellation' | 'nonPositiveQuantity' | 'nonProduct' | 'zeroPrice';

export interface UciImportReport {
  readonly files: number;
  readonly rows: number;
  /** Rows that became purchase lines (before merging duplicates). */
  readonly purchaseRows: number;
  readonly skipped: Readonly<Record<SkipRule, number>>;
  readonly mergedDuplicateLines: number;
  readonly invoices: number;
  /** Invoices with more than MAX_LINES_PER_EVENT lines, sent as several events. */
  readonly splitInvoices: number;
  readonly events: number;
  readonly customers: number;
  readonly products: number;
  readonly firstAt?: string;
  readonly lastAt?: string;
}

export interface UciImport {
  /** Sorted by occurredAt, then orderId. */
  readonly events: PurchaseEvent[];
  readonly report: UciImportReport;
}

interface Line {
  readonly invoice: string;
  readonly stockCode: string;
  readonly quantity: number;
  readonly at: string;
  readonly price: number;
  readonly customer: string;
}

export interface UciImportOptions {
  /** The events' receipt time. @default each invoice's own time (as if sent live) */
  readonly receivedAt?: Date;
}

/** Reads every `*.csv` of the folder (in name order) and converts it. */
export function importUciRetail(dir: string, options: UciImportOptions = {}): UciImport {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.csv'))
    .sort();
  if (files.length === 0)
    throw new Error(`${dir} holds no .csv files: expected the UCI Online Retail daily CSVs`);
  return convertUciRows(
    files.map((f) => ({ name: f, text: readFileSync(join(dir, f), 'utf8') })),
    options,
  );
}

export function convertUciRows(
  files: ReadonlyArray<{ name: string; text: string }>,
  options: UciImportOptions = {},
): UciImport {
  const importedAt = options.receivedAt?.toISOString();
  const skipped: Record<SkipRule, number> = {
    noCustomer: 0,
    cancellation: 0,
    nonPositiveQuantity: 0,
    nonProduct: 0,
    zeroPrice: 0,
  };
  let rows = 0;
  const lines: Line[] = [];
  for (const file of files) {
    const records = parseCsv(file.text);
    const header = records.shift() ?? [];
    const index = HEADER.map((name) => header.indexOf(name));
    const missing = HEADER.filter((_, i) => index[i] === -1);
    if (missing.length > 0) throw new Error(`${file.name}: missing column(s) ${missing.join(', ')}`);
    const [iInvoice, iStock, , iQuantity, iDate, iPrice, iCustomer] = index as number[];
    records.forEach((record, n) => {
      if (record.length === 1 && record[0] === '') return;
      rows++;
      const field = (i: number | undefined) => (record[i as number] ?? '').trim();
      const where = `${file.name} line ${n + 2}`;
      const invoice = field(iInvoice);
      const customer = field(iCustomer);
      const quantity = Number(field(iQuantity));
      const price = Number(field(iPrice));
      const stockCode = field(iStock);
      if (!Number.isFinite(quantity) || !Number.isFinite(price))
        throw new Error(`${where}: Quantity and UnitPrice must be numbers`);
      let rule: SkipRule | undefined;
      if (customer === '') rule = 'noCustomer';
      else if (invoice.startsWith('C')) rule = 'cancellation';
      else if (quantity <= 0) rule = 'nonPositiveQuantity';
      else if (!PRODUCT_CODE.test(stockCode)) rule = 'nonProduct';
      else if (price <= 0) rule = 'zeroPrice';
      if (rule) {
        skipped[rule]++;
        return;
      }
      lines.push({
        invoice,
        stockCode: stockCode.toUpperCase(),
        quantity,
        price,
        at: toUtcIso(field(iDate), where),
        customer: customerId(customer, where),
      });
    });
  }

  const byInvoice = new Map<string, Line[]>();
  for (const line of lines) {
    const list = byInvoice.get(line.invoice);
    if (list) list.push(line);
    else byInvoice.set(line.invoice, [line]);
  }

  let merged = 0;
  let split = 0;
  const events: PurchaseEvent[] = [];
  for (const [invoice, invoiceLines] of byInvoice) {
    const first = invoiceLines[0] as Line;
    const items = new Map<string, PurchaseLineItem>();
    for (const line of invoiceLines) {
      const existing = items.get(line.stockCode);
      if (existing) {
        merged++;
        items.set(line.stockCode, { ...existing, quantity: existing.quantity + line.quantity });
      } else {
        items.set(line.stockCode, { itemId: line.stockCode, quantity: line.quantity, price: line.price });
      }
    }
    const all = [...items.values()];
    if (all.length > MAX_LINES_PER_EVENT) split++;
    for (let part = 0; part * MAX_LINES_PER_EVENT < all.length; part++) {
      const lineItems = all.slice(part * MAX_LINES_PER_EVENT, (part + 1) * MAX_LINES_PER_EVENT);
      events.push(
        PurchaseEventSchema.parse({
          schemaVersion: CURRENT_SCHEMA_VERSION,
          type: 'purchase',
          eventId: part === 0 ? `uci-${invoice}` : `uci-${invoice}-${part + 1}`,
          userId: first.customer,
          orderId: invoice,
          currency: 'GBP',
          lineItems,
          revenue: round2(lineItems.reduce((sum, l) => sum + l.price * l.quantity, 0)),
          occurredAt: first.at,
          receivedAt: importedAt ?? first.at,
        }),
      );
    }
  }
  events.sort((a, b) => a.occurredAt.localeCompare(b.occurredAt) || a.eventId.localeCompare(b.eventId));

  return {
    events,
    report: {
      files: files.length,
      rows,
      purchaseRows: lines.length,
      skipped,
      mergedDuplicateLines: merged,
      invoices: byInvoice.size,
      splitInvoices: split,
      events: events.length,
      customers: new Set(lines.map((l) => l.customer)).size,
      products: new Set(lines.map((l) => l.stockCode)).size,
      firstAt: events[0]?.occurredAt,
      lastAt: events.at(-1)?.occurredAt,
    },
  };
}

export function formatUciReport(report: UciImportReport): string {
  const s = report.skipped;
  return [
    `${report.rows} rows in ${report.files} files -> ${report.events} purchase events (${report.invoices} invoices, ${report.customers} customers, ${report.products} products, ${report.firstAt} .. ${report.lastAt})`,
    `skipped: ${s.noCustomer} without customer, ${s.cancellation} cancellations, ${s.nonPositiveQuantity} non-positive quantities, ${s.nonProduct} non-product codes, ${s.zeroPrice} zero prices`,
    `${report.mergedDuplicateLines} duplicate lines merged, ${report.splitInvoices} invoices split (more than ${MAX_LINES_PER_EVENT} lines)`,
    `data: ${UCI_ATTRIBUTION}`,
  ].join('\n');
}

/** `17850.0` -> `17850`. */
function customerId(raw: string, where: string): string {
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0)
    throw new Error(`${where}: CustomerID ${JSON.stringify(raw)} is not an id`);
  return String(n);
}

/** `2010-12-01 08:26:00` (UK time, = UTC in December) -> `2010-12-01T08:26:00.000Z`. */
function toUtcIso(raw: string, where: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(raw);
  if (!m) throw new Error(`${where}: InvoiceDate ${JSON.stringify(raw)} is not yyyy-mm-dd hh:mm[:ss]`);
  const iso = `${m[1]}T${(m[2] as string).padStart(2, '0')}:${m[3]}:${m[4] ?? '00'}.000Z`;
  if (Number.isNaN(Date.parse(iso))) throw new Error(`${where}: InvoiceDate ${raw} is not a date`);
  return iso;
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

/** RFC 4180: fields separated by commas, optionally double-quoted with `""` for a quote; CRLF or LF. */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  return records;
}
