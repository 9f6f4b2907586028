/**
 * Event mapping between HTTP and a Lambda proxy integration (payload v1): the request's headers, query string
 * and client address as `APIGatewayProxyEvent` carries them, API Gateway's `requestTime`, and the function's
 * result mapped back to HTTP with API Gateway's rules (a malformed result is a 502; framing headers are
 * remapped; `application/json` is the default content type).
 */
/** Framing headers API Gateway sets itself (it renames the integration's copies to x-amzn-Remapped-*). */
const REMAPPED_HEADERS: ReadonlySet<string> = new Set(['content-length', 'transfer-encoding', 'connection']);

const RESULT_KEYS: ReadonlySet<string> = new Set([
  'statusCode',
  'headers',
  'multiValueHeaders',
  'body',
  'isBase64Encoded',
]);

/** Client header names as sent: `headers` keeps the last value, `multiValueHeaders` every value. */
export function collectHeaders(raw: readonly string[]): {
  headers: Record<string, string>;
  multiValueHeaders: Record<string, string[]>;
} {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    const value = raw[i + 1];
    headers[name] = value;
    const list = multiValueHeaders[name];
    if (list) list.push(value);
    else multiValueHeaders[name] = [value];
  }
  return { headers, multiValueHeaders };
}

export function parseQuery(query: string): {
  single: Record<string, string> | null;
  multi: Record<string, string[]> | null;
} {
  if (query === '') return { single: null, multi: null };
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  let any = false;
  for (const [key, value] of new URLSearchParams(query)) {
    any = true;
    single[key] = value;
    const list = multi[key];
    if (list) list.push(value);
    else multi[key] = [value];
  }
  return any ? { single, multi } : { single: null, multi: null };
}

export function normalizeIp(address: string | undefined): string {
  if (!address) return '127.0.0.1';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
let requestTimeSecond = -1;
let requestTimeText = '';

/** `09/Apr/2015:12:34:56 +0000`, API Gateway's `requestTime`; computed once per second. */
export function formatRequestTime(epochMs: number): string {
  const second = Math.floor(epochMs / 1000);
  if (second !== requestTimeSecond) {
    const d = new Date(second * 1000);
    const p = (n: number) => String(n).padStart(2, '0');
    requestTimeText =
      `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:` +
      `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
    requestTimeSecond = second;
  }
  return requestTimeText;
}

export interface ProxyReply {
  readonly statusCode: number;
  /** Flat [name, value, name, value, ...] list, so one header can repeat. */
  readonly headers: string[];
  readonly body: Buffer | string;
}

/** Maps a Lambda proxy result to HTTP, or says why it is malformed (API Gateway then answers 502). */
export function proxyResponse(result: unknown): ProxyReply | string {
  if (!result || typeof result !== 'object' || Array.isArray(result)) return 'result is not an object';
  const r = result as Record<string, unknown>;
  for (const key of Object.keys(r)) {
    if (!RESULT_KEYS.has(key)) return `unexpected field "${key}"`;
  }
  const { statusCode, headers, multiValueHeaders, body, isBase64Encoded } = r;
  if (
    typeof statusCode !== 'number' ||
    !Number.isInteger(statusCode) ||
    statusCode < 100 ||
    statusCode > 599
  ) {
    return `statusCode must be an integer HTTP status, got ${JSON.stringify(statusCode)}`;
  }
  if (body !== undefined && body !== null && typeof body !== 'string') return 'body must be a string';
  if (isBase64Encoded !== undefined && isBase64Encoded !== null && typeof isBase64Encoded !== 'boolean') {
    return 'isBase64Encoded must be a boolean';
  }
  const out: string[] = [];
  const seen = new Set<string>();
  if (multiValueHeaders !== undefined && multiValueHeaders !== null) {
    if (typeof multiValueHeaders !== 'object') return 'multiValueHeaders must be an object';
    for (const [name, values] of Object.entries(multiValueHeaders)) {
      if (!Array.isArray(values)) return `multiValueHeaders.${name} must be an array`;
      for (const v of values) {
        if (!isHeaderValue(v)) return `multiValueHeaders.${name} has a non-scalar value`;
      }
      const lower = name.toLowerCase();
      seen.add(lower);
      if (REMAPPED_HEADERS.has(lower)) continue;
      for (const v of values) out.push(name, String(v));
    }
  }
  if (headers !== undefined && headers !== null) {
    if (typeof headers !== 'object') return 'headers must be an object';
    for (const [name, v] of Object.entries(headers)) {
      if (!isHeaderValue(v)) return `headers.${name} must be a string, number or boolean`;
      // Where both maps name a header, API Gateway keeps the multi-value list.
      const lower = name.toLowerCase();
      if (seen.has(lower)) continue;
      seen.add(lower);
      if (!REMAPPED_HEADERS.has(lower)) out.push(name, String(v));
    }
  }
  if (!seen.has('content-type')) out.push('Content-Type', 'application/json');
  const text = typeof body === 'string' ? body : '';
  return { statusCode, headers: out, body: isBase64Encoded === true ? Buffer.from(text, 'base64') : text };
}

function isHeaderValue(v: unknown): v is string | number | boolean {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}
