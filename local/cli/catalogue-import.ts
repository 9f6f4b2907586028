/**
 * `recostream import catalog FILE.csv|FILE.jsonl [--local [--data-dir DIR] | --api-url URL] [--key KEY]`:
 * loads a catalogue file through the public `PUT /v1/items` (so the API's own validation, authorisation and
 * write path apply, on AWS as locally), in requests of at most 500 items.
 *
 * Each line is checked against the same contract first (lambdas/shared/catalogue.ts): invalid lines are
 * listed with their line number and reason and written to FILE.rejected.jsonl, and only valid items are
 * sent. CSV: a header row; the columns itemId, title, category, price, currency, availability, createdAt;
 * any other column becomes a string attribute; an empty cell leaves the field out. JSON lines: one item
 * object per line, exactly as in the API.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { basicAuthorizationFor } from '../../lambdas/authorizer/write-keys';
import {
  CATALOGUE_FIELDS,
  type CatalogueItem,
  CatalogueItemSchema,
  MAX_CATALOGUE_ITEMS,
} from '../../lambdas/shared/catalogue';
import { parseCsv } from '../tools/uci-retail';
import { localRuntime } from './kit';

export const IMPORT_CATALOG_HELP = `Usage: recostream import catalog <FILE.csv|FILE.jsonl> [--local [--data-dir DIR] | --api-url URL] [--key KEY]

Loads an item catalogue through PUT /v1/items (500 items per request) with an admin or catalog key
(--key, or the environment variable RECOSTREAM_KEY; create one with: recostream keys create --role catalog).
Every line is validated first; invalid lines are listed and written to FILE.rejected.jsonl.
CSV columns: itemId (required), title, category, price, currency, availability (in_stock, out_of_stock,
discontinued), createdAt; other columns become string attributes; empty cells are left out.
JSON lines: one item per line, as in the API.

  --local          the running local runtime (npm start)
  --data-dir DIR   its data directory (with --local) [.data]
  --api-url URL    on AWS: the ingest API (stack output ApiUrl)
  --dry-run        validate only; nothing is sent`;

/** `recostream import catalog …`: returns the exit code (0 all written, 1 some refused, 2 usage). */
export async function importCatalogCommand(
  args: readonly string[],
  io: { out(text: string): void; err(text: string): void },
  fetchImpl: typeof fetch = fetch,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      local: { type: 'boolean', default: false },
      'data-dir': { type: 'string', default: '.data' },
      'api-url': { type: 'string' },
      key: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    io.out(IMPORT_CATALOG_HELP);
    return 0;
  }
  const usage = (message: string) => {
    io.err(`recostream import catalog: ${message}\n\n${IMPORT_CATALOG_HELP}`);
    return 2;
  };
  const [file, ...extra] = positionals;
  if (!file) return usage('give the catalogue file');
  if (extra.length > 0) return usage(`unexpected argument '${extra[0]}'`);
  if (!existsSync(file)) return usage(`${file} does not exist`);
  const key = values.key ?? process.env.RECOSTREAM_KEY;
  if (!values['dry-run']) {
    if (values.local === (values['api-url'] !== undefined)) return usage('pass --local or --api-url URL');
    if (!key) return usage('pass --key KEY (an admin or catalog key) or set RECOSTREAM_KEY');
  }
  const { items, rejected } = validateCatalogue(readCatalogueFile(resolve(file)));
  io.out(`${file}: ${items.length} valid items, ${rejected.length} invalid lines`);
  for (const r of rejected.slice(0, 10)) io.out(`  line ${r.line}: ${r.reason}`);
  if (rejected.length > 0) {
    const path = `${file}.rejected.jsonl`;
    writeRejectedLines(path, rejected);
    io.out(`  every invalid line, with its reason: ${path}`);
  }
  if (values['dry-run'] || items.length === 0) return rejected.length > 0 ? 1 : 0;
  const apiUrl = values.local ? localRuntime(values['data-dir']).apiUrl : values['api-url'];
  if (!apiUrl) throw new Error(`${values['data-dir']}/runtime.json has no apiUrl: is npm start running?`);
  const sent = await sendCatalogue(items, { apiUrl, key: key as string }, fetchImpl);
  io.out(`updated ${sent.updated} items through ${apiUrl}/v1/items`);
  for (const f of sent.failedRequests)
    io.err(`  a request was refused: HTTP ${f.status} ${f.body.slice(0, 500)}`);
  return sent.failedRequests.length > 0 || rejected.length > 0 ? 1 : 0;
}

export interface CatalogueLine {
  readonly line: number;
  readonly raw: unknown;
  /** Set when the line could not even be read as an object (JSON syntax). */
  readonly problem?: string;
}

export interface RejectedLine {
  readonly line: number;
  readonly reason: string;
  readonly raw: unknown;
}

export interface ParsedCatalogue {
  readonly items: CatalogueItem[];
  readonly rejected: RejectedLine[];
}

/** Reads a .csv or .jsonl catalogue file into candidate items with their line numbers. */
export function readCatalogueFile(path: string): CatalogueLine[] {
  const text = readFileSync(path, 'utf8');
  const ext = extname(path).toLowerCase();
  if (ext === '.csv') return csvLines(text);
  if (ext === '.jsonl' || ext === '.ndjson') return jsonLines(text);
  throw new Error(`${path}: expected a .csv or .jsonl file`);
}

/** Validates every line with the API's item schema; a repeated itemId keeps its last line (file order). */
export function validateCatalogue(lines: readonly CatalogueLine[]): ParsedCatalogue {
  const byId = new Map<string, CatalogueItem>();
  const rejected: RejectedLine[] = [];
  for (const { line, raw, problem } of lines) {
    if (problem !== undefined) {
      rejected.push({ line, reason: problem, raw });
      continue;
    }
    const parsed = CatalogueItemSchema.safeParse(raw);
    if (parsed.success) {
      byId.delete(parsed.data.itemId);
      byId.set(parsed.data.itemId, parsed.data);
    } else {
      const reason = parsed.error.issues
        .map((i) =>
          i.code === 'unrecognized_keys'
            ? `unknown field(s) ${i.keys.join(', ')}`
            : `${i.path.map(String).join('.') || 'line'}: ${i.message}`,
        )
        .join('; ');
      rejected.push({ line, reason, raw });
    }
  }
  return { items: [...byId.values()], rejected };
}

export interface SendResult {
  readonly updated: number;
  readonly failedRequests: Array<{ status: number; body: string }>;
}

/** PUTs the items in requests of at most 500; a refused request is reported with the API's answer. */
export async function sendCatalogue(
  items: readonly CatalogueItem[],
  target: { readonly apiUrl: string; readonly key: string },
  fetchImpl: typeof fetch = fetch,
): Promise<SendResult> {
  let updated = 0;
  const failedRequests: SendResult['failedRequests'] = [];
  for (let i = 0; i < items.length; i += MAX_CATALOGUE_ITEMS) {
    const batch = items.slice(i, i + MAX_CATALOGUE_ITEMS);
    const response = await fetchImpl(`${target.apiUrl.replace(/\/$/, '')}/v1/items`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: basicAuthorizationFor(target.key) },
      body: JSON.stringify({ items: batch }),
    });
    const body = await response.text();
    if (response.ok) updated += (JSON.parse(body) as { updated: number }).updated;
    else failedRequests.push({ status: response.status, body });
  }
  return { updated, failedRequests };
}

export function writeRejectedLines(path: string, rejected: readonly RejectedLine[]): void {
  writeFileSync(path, rejected.map((r) => `${JSON.stringify(r)}\n`).join(''));
}

const NUMBER_FIELDS: ReadonlySet<string> = new Set(['price']);

function csvLines(text: string): CatalogueLine[] {
  const records = parseCsv(text.replace(/^\uFEFF/, ''));
  const header = (records.shift() ?? []).map((h) => h.trim());
  if (!header.includes('itemId')) throw new Error('the CSV header has no itemId column');
  const known = new Set<string>(['itemId', ...CATALOGUE_FIELDS]);
  const lines: CatalogueLine[] = [];
  records.forEach((record, n) => {
    if (record.length === 1 && record[0]?.trim() === '') return;
    const item: Record<string, unknown> = {};
    const attributes: Record<string, string> = {};
    header.forEach((column, i) => {
      const cell = (record[i] ?? '').trim();
      if (cell === '') return;
      if (!known.has(column)) attributes[column] = cell;
      else item[column] = NUMBER_FIELDS.has(column) && cell !== '' ? Number(cell) : cell;
    });
    if (Object.keys(attributes).length > 0) item.attributes = attributes;
    lines.push({ line: n + 2, raw: item });
  });
  return lines;
}

function jsonLines(text: string): CatalogueLine[] {
  const lines: CatalogueLine[] = [];
  text.split(/\r?\n/).forEach((content, n) => {
    if (content.trim() === '') return;
    try {
      lines.push({ line: n + 1, raw: JSON.parse(content) });
    } catch (error) {
      lines.push({
        line: n + 1,
        raw: content,
        problem: `not JSON: ${error instanceof Error ? error.message.split(', "')[0] : String(error)}`,
      });
    }
  });
  return lines;
}
