/**
 * An HTTP proxy for the AWS JSON protocol (DynamoDB `x-amz-json-1.0`, Kinesis `x-amz-json-1.1`) that runs
 * every call through a chain of middlewares before it reaches the emulator. A middleware sees the operation
 * (from `X-Amz-Target`) and the parsed input, and may pass the call on (possibly rewritten), answer it
 * itself (an AWS error), rewrite the emulator's answer, or never answer (a call held until the process dies).
 * The SDK clients in the functions cannot tell the proxy from the service: they get the same status codes,
 * headers and JSON bodies.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { Socket } from 'node:net';

export interface AwsJsonCall {
  /** `PutRecords`, `UpdateItem`, … (the part of `X-Amz-Target` after the dot). */
  readonly operation: string;
  /** The JSON input; undefined when the body is not JSON (passed on untouched). */
  readonly input: Record<string, unknown> | undefined;
}

export interface AwsJsonResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** The raw body, as the emulator sent it (or as a middleware wrote it). */
  readonly body: Buffer;
}

export type Next = (call: AwsJsonCall) => Promise<AwsJsonResponse>;
export type AwsJsonMiddleware = (call: AwsJsonCall, next: Next) => Promise<AwsJsonResponse>;

export interface AwsJsonProxy {
  readonly endpoint: string;
  /** Stops listening and drops every connection, held calls included. */
  close(): Promise<void>;
}

/** DynamoDB speaks `x-amz-json-1.0`, Kinesis `x-amz-json-1.1`. */
export type AwsJsonVersion = '1.0' | '1.1';

/**
 * An AWS JSON-protocol error as the services send it: HTTP 400 (by default) with `__type` and `message`
 * in the body and the short type in `x-amzn-ErrorType`. DynamoDB qualifies the type with its namespace
 * (`com.amazonaws.dynamodb.v20120810#…`), Kinesis does not; the SDKs read the part after `#`.
 */
export function awsJsonError(
  version: AwsJsonVersion,
  type: string,
  message: string,
  status = 400,
): AwsJsonResponse {
  const shortType = type.slice(type.indexOf('#') + 1);
  return jsonResponse(version, status, { __type: type, message }, { 'x-amzn-ErrorType': shortType });
}

export function jsonResponse(
  version: AwsJsonVersion,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): AwsJsonResponse {
  return {
    status,
    headers: { 'content-type': `application/x-amz-json-${version}`, ...headers },
    body: Buffer.from(JSON.stringify(body)),
  };
}

/** Parses an emulator's JSON answer; undefined when it is not JSON. */
export function responseJson(response: AwsJsonResponse): Record<string, unknown> | undefined {
  try {
    return JSON.parse(response.body.toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

export async function startAwsJsonProxy(options: {
  readonly upstream: string;
  /** Run in order; the last one's `next` sends the call to `upstream`. */
  readonly middlewares: readonly AwsJsonMiddleware[];
}): Promise<AwsJsonProxy> {
  const upstream = new URL(options.upstream);
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const target = String(req.headers['x-amz-target'] ?? '');
      const call: AwsJsonCall = { operation: target.slice(target.indexOf('.') + 1), input: parseJson(raw) };
      const forward: Next = (c) =>
        send(
          upstream,
          req.method ?? 'POST',
          req.url ?? '/',
          req.headers,
          c === call ? raw : serialise(c, raw),
        );
      const chain = options.middlewares.reduceRight<Next>(
        (next, middleware) => (c) => middleware(c, next),
        forward,
      );
      chain(call).then(
        (response) => {
          res.writeHead(response.status, { ...response.headers, 'content-length': response.body.length });
          res.end(response.body);
        },
        (error: unknown) => {
          const message = error instanceof Error ? error.message : String(error);
          const failure = awsJsonError('1.1', 'InternalFailure', `fault proxy: ${message}`, 500);
          res.writeHead(failure.status, { ...failure.headers, 'content-length': failure.body.length });
          res.end(failure.body);
        },
      );
    });
  });
  server.keepAliveTimeout = 60_000;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

function parseJson(raw: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(raw.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function serialise(call: AwsJsonCall, raw: Buffer): Buffer {
  return call.input === undefined ? raw : Buffer.from(JSON.stringify(call.input));
}

/** Headers that describe the hop or the old body, not the call. */
const HOP_HEADERS = new Set(['host', 'content-length', 'connection', 'keep-alive', 'transfer-encoding']);

function send(
  upstream: URL,
  method: string,
  path: string,
  headers: IncomingHttpHeaders,
  body: Buffer,
): Promise<AwsJsonResponse> {
  const outgoing: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_HEADERS.has(name)) outgoing[name] = String(value);
  }
  outgoing['content-length'] = String(body.length);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { hostname: upstream.hostname, port: upstream.port, method, path, headers: outgoing },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const responseHeaders: Record<string, string> = {};
          for (const [name, value] of Object.entries(res.headers)) {
            if (value !== undefined && !HOP_HEADERS.has(name)) responseHeaders[name] = String(value);
          }
          resolve({ status: res.statusCode ?? 502, headers: responseHeaders, body: Buffer.concat(chunks) });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
