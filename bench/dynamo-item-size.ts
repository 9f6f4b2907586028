/**
 * DynamoDB item size, which write (and read) units are billed on, from a document-client value, by the
 * rules AWS documents: attribute names and strings count their UTF-8 bytes; a number about one byte per
 * two significant digits plus one; binary its length; booleans and null one byte; a list or map 3 bytes
 * plus 1 per element, plus its contents (map keys counted as names). An estimate to compare designs
 * with, not DynamoDB's own figure (which it does not return for writes).
 */
export function itemSizeBytes(item: object): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) {
    if (value === undefined) continue;
    size += Buffer.byteLength(name, 'utf8') + valueSize(value);
  }
  return size;
}

function valueSize(value: unknown): number {
  if (value === null || typeof value === 'boolean') return 1;
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (typeof value === 'number') return numberSize(value);
  if (value instanceof Uint8Array) return value.byteLength;
  if (Array.isArray(value)) return 3 + value.reduce((sum: number, v) => sum + 1 + valueSize(v), 0);
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return 3 + entries.reduce((sum, [k, v]) => sum + 1 + Buffer.byteLength(k, 'utf8') + valueSize(v), 0);
  }
  throw new Error(`no DynamoDB type for ${typeof value}`);
}

function numberSize(value: number): number {
  const digits = String(Math.abs(value))
    .replace(/e[+-]?\d+$/i, '')
    .replace('.', '')
    .replace(/^0+/, '')
    .replace(/0+$/, '');
  return Math.ceil(Math.max(1, digits.length) / 2) + 1;
}

/** Write units of a put of an item this size (1 KB each, rounded up). */
export function writeUnits(sizeBytes: number): number {
  return Math.max(1, Math.ceil(sizeBytes / 1024));
}
