/**
 * The local S3 endpoint: the S3 REST calls the app makes, served on loopback over a folder of plain files
 * (s3-directory-store.ts), so the functions call S3 through the SDK (AWS_ENDPOINT_URL_S3) while the lake
 * stays a folder that DuckDB, the console and the local Firehose delivery read and write directly.
 *
 * Why not s3rver or moto (README, "Local emulators"): s3rver keeps each object as `<key>._S3rver_object`
 * beside metadata files, so DuckDB could not read the lake and files the delivery writes would not be
 * objects, and its PutObject ignores If-None-Match; moto keeps objects in memory in a Python process.
 *
 * Served: CreateBucket, HeadBucket, ListObjectsV2 (prefix, delimiter, max-keys, continuation, start-after,
 * encoding-type=url), PutObject (If-None-Match: * as a create-if-absent), GetObject, HeadObject,
 * DeleteObject, DeleteObjects. Anything else (versions, copies, multipart, ranges) answers NotImplemented.
 * Signatures are not checked; objects keep no metadata (Content-Type is application/octet-stream).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { RunningEmulator } from './emulator';
import { listenOnLoopback } from './loopback-server';
import { DirectoryObjectStore, type ListedObject, S3Failure } from './s3-directory-store';

export interface S3DirectoryEmulator extends RunningEmulator {
  readonly store: DirectoryObjectStore;
}

export async function startS3Directory(options: {
  rootDir: string;
  port?: number;
}): Promise<S3DirectoryEmulator> {
  const store = new DirectoryObjectStore(options.rootDir);
  const server = createServer((req, res) => {
    serve(store, req, res).catch((error: unknown) => {
      const failure =
        error instanceof S3Failure
          ? error
          : new S3Failure(500, 'InternalError', error instanceof Error ? error.message : String(error));
      sendError(res, req.method === 'HEAD', failure);
    });
  });
  return { ...(await listenOnLoopback(server, options.port)), store };
}

/** Query parameters that name an S3 sub-resource or feature this stand-in does not serve. */
const UNSERVED = ['versions', 'versionId', 'uploads', 'uploadId', 'partNumber', 'tagging', 'acl', 'policy'];

async function serve(store: DirectoryObjectStore, req: IncomingMessage, res: ServerResponse): Promise<void> {
  // The path is split as sent: URL parsing would resolve `..` segments and so read another key or bucket.
  const target = req.url ?? '/';
  const queryStart = target.indexOf('?');
  const path = queryStart < 0 ? target : target.slice(0, queryStart);
  const query = new URLSearchParams(queryStart < 0 ? '' : target.slice(queryStart + 1));
  const [, bucketPart = '', ...keyParts] = path.split('/');
  const bucket = decodeURIComponent(bucketPart);
  const key = decodeURIComponent(keyParts.join('/'));
  const method = req.method ?? 'GET';
  const unserved = UNSERVED.find((name) => query.has(name));
  if (unserved || req.headers['x-amz-copy-source'] || req.headers.range)
    throw notImplemented(`${method} with ${unserved ?? (req.headers.range ? 'Range' : 'a copy source')}`);
  if (bucket === '') throw notImplemented(`${method} /`);

  if (keyParts.length === 0 || (keyParts.length === 1 && key === '')) {
    if (method === 'PUT') {
      await readBody(req);
      await store.createBucket(bucket);
      return send(res, 200, '', { location: `/${bucket}` });
    }
    if (method === 'HEAD') {
      if (!(await store.bucketExists(bucket))) throw new S3Failure(404, 'NoSuchBucket', bucket);
      return send(res, 200, '');
    }
    if (method === 'GET' && query.get('list-type') === '2')
      return sendXml(res, listObjectsV2(bucket, await store.list(bucket, query.get('prefix') ?? ''), query));
    if (method === 'POST' && query.has('delete'))
      return sendXml(res, await deleteObjects(store, bucket, (await readBody(req)).toString('utf8')));
    throw notImplemented(`${method} on a bucket`);
  }

  switch (method) {
    case 'PUT': {
      const ifNoneMatch = req.headers['if-none-match'];
      if (req.headers['if-match']) throw notImplemented('If-Match on a write');
      const etag = await store.put(bucket, key, await readBody(req), { ifNoneMatch });
      return send(res, 200, '', { etag });
    }
    case 'GET':
    case 'HEAD': {
      const object = await store.get(bucket, key);
      const headers = {
        etag: object.etag,
        'last-modified': object.lastModified.toUTCString(),
        'content-type': 'application/octet-stream',
        'content-length': String(object.body.length),
      };
      res.writeHead(200, headers);
      res.end(method === 'HEAD' ? undefined : object.body);
      return;
    }
    case 'DELETE':
      await store.delete(bucket, key);
      return send(res, 204, '');
    default:
      throw notImplemented(`${method} on an object`);
  }
}

function notImplemented(what: string): S3Failure {
  return new S3Failure(501, 'NotImplemented', `the local S3 stand-in does not serve ${what}`);
}

/**
 * The request body. The SDK may send it `aws-chunked` (a streaming body with a trailing checksum): then the
 * chunks are unwrapped, as S3 does before storing.
 */
async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  const chunked =
    String(req.headers['content-encoding'] ?? '').includes('aws-chunked') ||
    String(req.headers['x-amz-content-sha256'] ?? '').startsWith('STREAMING-');
  return chunked ? decodeAwsChunked(raw) : raw;
}

/** `<hex size>[;chunk-signature=…]\r\n<data>\r\n` … `0\r\n<trailers>\r\n\r\n` -> the data. */
export function decodeAwsChunked(raw: Buffer): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const lineEnd = raw.indexOf('\r\n', offset);
    if (lineEnd < 0)
      throw new S3Failure(400, 'IncompleteBody', 'aws-chunked body ends inside a chunk header');
    const size = Number.parseInt(raw.subarray(offset, lineEnd).toString('latin1').split(';')[0] ?? '', 16);
    if (!Number.isFinite(size))
      throw new S3Failure(400, 'InvalidRequest', 'aws-chunked chunk size is not hex');
    if (size === 0) return Buffer.concat(parts);
    const start = lineEnd + 2;
    if (start + size > raw.length)
      throw new S3Failure(400, 'IncompleteBody', 'aws-chunked body ends inside a chunk');
    parts.push(raw.subarray(start, start + size));
    offset = start + size + 2;
  }
}

function listObjectsV2(bucket: string, objects: readonly ListedObject[], params: URLSearchParams): string {
  const prefix = params.get('prefix') ?? '';
  const delimiter = params.get('delimiter') ?? '';
  const maxKeys = Math.min(Number(params.get('max-keys') ?? 1000), 1000);
  const startAfter = params.get('start-after') ?? '';
  const token = params.get('continuation-token');
  const after = token ? Buffer.from(token, 'base64url').toString('utf8') : startAfter;
  const encode = params.get('encoding-type') === 'url' ? urlEncodeKey : (value: string) => value;

  // Keys grouped under their common prefix when a delimiter follows the prefix, in key order.
  const entries: Array<{ name: string; object?: ListedObject }> = [];
  for (const object of objects) {
    const cut = delimiter ? object.key.indexOf(delimiter, prefix.length) : -1;
    const name = cut >= 0 ? object.key.slice(0, cut + delimiter.length) : object.key;
    if (name <= after) continue;
    if (cut >= 0) {
      if (entries[entries.length - 1]?.name !== name) entries.push({ name });
    } else entries.push({ name, object });
  }
  const page = entries.slice(0, Math.max(maxKeys, 0));
  const truncated = entries.length > page.length;
  const last = page[page.length - 1];

  const xml = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">',
    element('Name', bucket),
    element('Prefix', encode(prefix)),
    delimiter ? element('Delimiter', encode(delimiter)) : '',
    element('MaxKeys', String(maxKeys)),
    element('KeyCount', String(page.length)),
    element('IsTruncated', String(truncated)),
    token ? element('ContinuationToken', token) : '',
    startAfter ? element('StartAfter', encode(startAfter)) : '',
    truncated && last ? element('NextContinuationToken', Buffer.from(last.name).toString('base64url')) : '',
    params.get('encoding-type') === 'url' ? element('EncodingType', 'url') : '',
  ];
  for (const { name, object } of page)
    xml.push(
      object
        ? `<Contents>${element('Key', encode(name))}${element('LastModified', object.lastModified.toISOString())}` +
            `${element('Size', String(object.size))}${element('StorageClass', 'STANDARD')}</Contents>`
        : `<CommonPrefixes>${element('Prefix', encode(name))}</CommonPrefixes>`,
    );
  xml.push('</ListBucketResult>');
  return xml.join('');
}

async function deleteObjects(store: DirectoryObjectStore, bucket: string, body: string): Promise<string> {
  const keys = [...body.matchAll(/<Key>([\s\S]*?)<\/Key>/g)].map((m) => unescapeXml(m[1] ?? ''));
  const quiet = /<Quiet>\s*true\s*<\/Quiet>/i.test(body);
  const results: string[] = [];
  for (const key of keys) {
    try {
      await store.delete(bucket, key);
      if (!quiet) results.push(`<Deleted>${element('Key', key)}</Deleted>`);
    } catch (error) {
      const failure = error instanceof S3Failure ? error : new S3Failure(500, 'InternalError', String(error));
      results.push(
        `<Error>${element('Key', key)}${element('Code', failure.code)}${element('Message', failure.message)}</Error>`,
      );
    }
  }
  return `<?xml version="1.0" encoding="UTF-8"?><DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${results.join('')}</DeleteResult>`;
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, headers);
  res.end(body);
}

function sendXml(res: ServerResponse, xml: string): void {
  send(res, 200, xml, { 'content-type': 'application/xml' });
}

function sendError(res: ServerResponse, head: boolean, failure: S3Failure): void {
  if (res.headersSent) return void res.destroy();
  const xml =
    `<?xml version="1.0" encoding="UTF-8"?><Error>${element('Code', failure.code)}` +
    `${element('Message', failure.message)}</Error>`;
  send(res, failure.status, head ? '' : xml, head ? {} : { 'content-type': 'application/xml' });
}

function element(name: string, value: string): string {
  return `<${name}>${escapeXml(value)}</${name}>`;
}

function escapeXml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function unescapeXml(value: string): string {
  return value
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))
    .replace(/&#x([0-9a-f]+);/gi, (_, code: string) => String.fromCharCode(Number.parseInt(code, 16)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

/** S3's `encoding-type=url`: each key percent-encoded, `/` kept. */
function urlEncodeKey(value: string): string {
  return encodeURIComponent(value).replace(/%2F/g, '/');
}
