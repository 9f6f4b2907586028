/**
 * Reads a query step's JSON output from the lake bucket: newline-delimited JSON objects, plain (DuckDB
 * locally) or gzip-compressed (Athena UNLOAD's default), in any number of objects under the prefix.
 */
import { gunzipSync } from 'node:zlib';
import type { ObjectReader } from '../shared/object-store';

export interface ResultRowsReader {
  readRows(prefix: string): Promise<Array<Record<string, unknown>>>;
}

export class LakeResultReader implements ResultRowsReader {
  constructor(
    private readonly objects: ObjectReader,
    private readonly bucket: string,
  ) {}

  async readRows(prefix: string): Promise<Array<Record<string, unknown>>> {
    const keys = (await this.objects.list(this.bucket, prefix)).filter((key) => !isMarker(key));
    const rows: Array<Record<string, unknown>> = [];
    for (const key of keys) {
      const body = await this.objects.get(this.bucket, key);
      rows.push(...parseJsonLines(decompress(body), `${this.bucket}/${key}`));
    }
    return rows;
  }
}

/** Athena and Hadoop-style writers leave marker and manifest objects next to the data. */
function isMarker(key: string): boolean {
  const name = key.slice(key.lastIndexOf('/') + 1);
  return name === '' || name.startsWith('_') || name.startsWith('.') || name.endsWith('.csv.metadata');
}

/** Gzip is recognised by its magic bytes, not the name: Athena's UNLOAD names carry no fixed extension. */
export function decompress(body: Buffer): string {
  const gzipped = body.length >= 2 && body[0] === 0x1f && body[1] === 0x8b;
  return (gzipped ? gunzipSync(body) : body).toString('utf8');
}

export function parseJsonLines(text: string, source: string): Array<Record<string, unknown>> {
  const rows: Array<Record<string, unknown>> = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new Error(`${source} line ${i + 1} is not JSON: ${(error as Error).message}`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new Error(`${source} line ${i + 1} is not a JSON object`);
    rows.push(value as Record<string, unknown>);
  }
  return rows;
}
