/**
 * The local API Gateway: a REST API with Lambda proxy integrations (payload v1), served by node:http.
 *
 * Routes come from the synthesised template (`LocalRoute[]`, see template-topology.ts); each request is turned
 * into the `APIGatewayProxyEvent` API Gateway would send and handed to `invoke`, and the handler's result is
 * mapped back to HTTP with API Gateway's rules. What it reproduces, because handlers and clients depend on it:
 *
 * - matching: method + path template, `{param}` segments, greedy `{name+}`, `ANY`; literals beat parameters,
 *   parameters beat greedy segments; a `/{stage}` prefix on the path is accepted and ignored;
 * - Lambda REQUEST/TOKEN authorizers: missing identity headers -> 401 without invoking; `Unauthorized` thrown
 *   -> 401; any other failure -> 500; the policy is evaluated against the method ARN (explicit Deny wins) and
 *   the result is cached per identity-header values for the authorizer's TTL, the cached policy being
 *   evaluated again for each new method ARN, exactly as API Gateway does;
 * - API keys (`x-api-key`) on routes that require one, when a key set is given;
 * - the 10 MB payload limit (413), malformed or failed integrations (502), the 29 s integration timeout (504),
 *   `application/json` as the default response content type, and an `x-amzn-RequestId` on every response.
 *
 * Not reproduced: usage plans and throttling, request validators, mapping templates, binary media types
 * (request bodies are always passed as UTF-8 text with `isBase64Encoded: false`), CORS preflight mocks.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type {
  APIGatewayAuthorizerResultContext,
  APIGatewayEventRequestContextWithAuthorizer,
  APIGatewayProxyEvent,
  APIGatewayRequestAuthorizerEvent,
  APIGatewayTokenAuthorizerEvent,
} from 'aws-lambda';
import type { Invoke, LocalAuthorizer, LocalRoute } from '../topology';

export const LOCAL_ACCOUNT_ID = '000000000000';
export const LOCAL_API_ID = 'local';
export const LOCAL_REGION = 'local';
/** API Gateway's maximum payload size. */
export const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;
/** API Gateway's default (and, for REST APIs, usual maximum) integration timeout. */
export const DEFAULT_INTEGRATION_TIMEOUT_MS = 29_000;
/** Bound on cached authorizer answers; the oldest entry goes first when it is reached. */
const AUTHORIZER_CACHE_MAX_ENTRIES = 10_000;

export interface HttpGatewayOptions {
  readonly routes: readonly LocalRoute[];
  readonly invoke: Invoke;
  /** 0 picks a free port. @default 0 */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** @default 'prod' */
  readonly stageName?: string;
  /**
   * Runs first for every request; return true when the request was handled (a dashboard, a health JSON),
   * false to let the gateway route it.
   */
  readonly extraHandlers?: (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;
  /**
   * Valid API keys for routes with `apiKeyRequired`. When omitted, keys are not checked at all (there is no
   * usage-plan emulation to issue them); when given, a missing or unknown `x-api-key` is a 403.
   */
  readonly apiKeys?: ReadonlySet<string>;
  /** @default 29000 */
  readonly integrationTimeoutMs?: number;
  /** Where integration and authorizer failures are reported. @default console.error */
  readonly logError?: (message: string, error?: unknown) => void;
}

export interface HttpGateway {
  /** `http://host:port`, without the stage: routes are served at their template paths. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

type Segment =
  | { readonly kind: 0; readonly value: string } // literal
  | { readonly kind: 1; readonly name: string } // {param}
  | { readonly kind: 2; readonly name: string }; // {param+}, last segment only

interface Resource {
  readonly template: string;
  readonly segments: readonly Segment[];
  /** Upper-case method (or ANY) -> route. */
  readonly methods: Map<string, LocalRoute>;
  /** Stable id, the `resourceId` of the request context. */
  readonly resourceId: string;
}

export interface RouteMatch {
  readonly resource: Resource;
  /** Undefined when the path matched but no method did. */
  readonly route: LocalRoute | undefined;
  readonly pathParameters: Record<string, string> | null;
}

/** Compiles and orders the routes: literal segments first, then parameters, then greedy parameters. */
export function compileRoutes(routes: readonly LocalRoute[]): Resource[] {
  const byTemplate = new Map<string, Resource>();
  for (const route of routes) {
    const template = normalizeTemplate(route.path);
    let resource = byTemplate.get(template);
    if (!resource) {
      resource = {
        template,
        segments: parseTemplate(template),
        methods: new Map(),
        resourceId: resourceIdFor(template),
      };
      byTemplate.set(template, resource);
    }
    const method = route.method.toUpperCase();
    if (resource.methods.has(method)) throw new Error(`duplicate route ${method} ${template}`);
    resource.methods.set(method, route);
  }
  return [...byTemplate.values()].sort(compareResources);
}

/** Finds the resource and method for a request path (without query string), as API Gateway would. */
export function matchRoute(
  resources: readonly Resource[],
  method: string,
  path: string,
): RouteMatch | undefined {
  const parts = splitPath(path);
  for (const resource of resources) {
    const params = matchSegments(resource.segments, parts);
    if (params === undefined) continue;
    const route = resource.methods.get(method) ?? resource.methods.get('ANY');
    return { resource, route, pathParameters: params };
  }
  return undefined;
}

function normalizeTemplate(path: string): string {
  const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  return trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}

function parseTemplate(template: string): Segment[] {
  const parts = template === '/' ? [] : template.slice(1).split('/');
  return parts.map((part, i) => {
    const param = /^\{([A-Za-z0-9_.-]+)(\+?)\}$/.exec(part);
    if (!param) {
      if (part.includes('{') || part.includes('}') || part === '') {
        throw new Error(`invalid path template "${template}": bad segment "${part}"`);
      }
      return { kind: 0, value: part };
    }
    if (param[2] === '+') {
      if (i !== parts.length - 1)
        throw new Error(`invalid path template "${template}": {${param[1]}+} must be last`);
      return { kind: 2, name: param[1] };
    }
    return { kind: 1, name: param[1] };
  });
}

function compareResources(a: Resource, b: Resource): number {
  const n = Math.min(a.segments.length, b.segments.length);
  for (let i = 0; i < n; i++) {
    const sa = a.segments[i];
    const sb = b.segments[i];
    if (sa.kind !== sb.kind) return sa.kind - sb.kind;
  }
  if (a.segments.length !== b.segments.length) return b.segments.length - a.segments.length;
  return a.template < b.template ? -1 : a.template > b.template ? 1 : 0;
}

function resourceIdFor(template: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < template.length; i++) h = Math.imul(h ^ template.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(36).padStart(6, '0').slice(0, 6);
}

/** Path segments, percent-decoded, ignoring one trailing slash. */
function splitPath(path: string): string[] {
  if (path === '/' || path === '') return [];
  const end = path.endsWith('/') ? path.length - 1 : path.length;
  return path.slice(1, end).split('/').map(safeDecode);
}

function matchSegments(
  segments: readonly Segment[],
  parts: readonly string[],
): Record<string, string> | null | undefined {
  let params: Record<string, string> | null = null;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i];
    if (segment.kind === 2) {
      if (i >= parts.length) return undefined;
      params ??= {};
      params[segment.name] = parts.slice(i).join('/');
      return params;
    }
    if (i >= parts.length) return undefined;
    const part = parts[i];
    if (segment.kind === 0) {
      if (segment.value !== part) return undefined;
    } else {
      if (part === '') return undefined;
      params ??= {};
      params[segment.name] = part;
    }
  }
  return parts.length === segments.length ? params : undefined;
}

function safeDecode(value: string): string {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

// ---------------------------------------------------------------------------------------------------------
// IAM policy evaluation (the subset API Gateway applies to authorizer policies)

interface PolicyStatement {
  readonly Effect?: unknown;
  readonly Action?: unknown;
  readonly Resource?: unknown;
}

export type PolicyDecision = 'Allow' | 'Deny' | 'NoMatch';

/**
 * Evaluates `execute-api:Invoke` on `methodArn`: an explicit Deny wins over any Allow; no matching statement
 * is an implicit deny (`NoMatch`). `*` and `?` wildcards as in IAM; actions compare case-insensitively.
 */
export function evaluatePolicy(policyDocument: unknown, methodArn: string): PolicyDecision {
  const statements = (policyDocument as { Statement?: unknown } | null)?.Statement;
  const list = Array.isArray(statements) ? statements : statements ? [statements] : [];
  let allowed = false;
  for (const raw of list as PolicyStatement[]) {
    if (!raw || typeof raw !== 'object') continue;
    const effect = typeof raw.Effect === 'string' ? raw.Effect.toLowerCase() : '';
    if (effect !== 'allow' && effect !== 'deny') continue;
    if (!anyMatches(raw.Action, 'execute-api:invoke', true) || !anyMatches(raw.Resource, methodArn, false))
      continue;
    if (effect === 'deny') return 'Deny';
    allowed = true;
  }
  return allowed ? 'Allow' : 'NoMatch';
}

function anyMatches(patterns: unknown, value: string, ignoreCase: boolean): boolean {
  const list = Array.isArray(patterns) ? patterns : [patterns];
  for (const p of list) {
    if (typeof p === 'string' && wildcardMatch(ignoreCase ? p.toLowerCase() : p, value)) return true;
  }
  return false;
}

/** Glob match with `*` (any run, including `/` and `:`) and `?` (one character); linear-ish backtracking. */
export function wildcardMatch(pattern: string, value: string): boolean {
  let p = 0;
  let v = 0;
  let star = -1;
  let mark = 0;
  while (v < value.length) {
    const c = pattern.charCodeAt(p);
    if (p < pattern.length && (c === 63 /* ? */ || c === value.charCodeAt(v))) {
      p++;
      v++;
    } else if (p < pattern.length && c === 42 /* * */) {
      star = p++;
      mark = v;
    } else if (star !== -1) {
      p = star + 1;
      v = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern.charCodeAt(p) === 42) p++;
  return p === pattern.length;
}

// ---------------------------------------------------------------------------------------------------------
// Authorizer cache

/** `requestContext.authorizer` of the proxy event: the authorizer's context, principalId, integrationLatency. */
type AuthorizerContext = Record<string, string | number>;

interface AuthorizerAnswer {
  readonly principalId: string;
  readonly policyDocument: unknown;
  /** Context as the integration sees it: values stringified, as API Gateway does for REST APIs. */
  readonly context: Readonly<Record<string, string>>;
}

class AuthorizerCache {
  private readonly entries = new Map<string, { expiresAt: number; answer: AuthorizerAnswer }>();

  get(key: string, now: number): AuthorizerAnswer | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt > now) return entry.answer;
    this.entries.delete(key);
    return undefined;
  }

  set(key: string, answer: AuthorizerAnswer, expiresAt: number): void {
    if (this.entries.size >= AUTHORIZER_CACHE_MAX_ENTRIES) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.delete(key);
    this.entries.set(key, { expiresAt, answer });
  }
}

/** Why an authorizer result is unusable, or undefined when it is fine. */
function authorizerAnswerFrom(result: unknown): AuthorizerAnswer | string {
  if (!result || typeof result !== 'object') return 'authorizer returned no object';
  const r = result as { principalId?: unknown; policyDocument?: unknown; context?: unknown };
  if (typeof r.principalId !== 'string' && typeof r.principalId !== 'number') return 'principalId is missing';
  if (!r.policyDocument || typeof r.policyDocument !== 'object') return 'policyDocument is missing';
  const context: Record<string, string> = {};
  if (r.context !== undefined && r.context !== null) {
    if (typeof r.context !== 'object' || Array.isArray(r.context)) return 'context must be an object';
    for (const [key, value] of Object.entries(r.context as APIGatewayAuthorizerResultContext)) {
      if (value === undefined || value === null) continue;
      if (typeof value === 'object') return `context.${key} must be a string, number or boolean`;
      context[key] = String(value);
    }
  }
  return { principalId: String(r.principalId), policyDocument: r.policyDocument, context };
}

// ---------------------------------------------------------------------------------------------------------
// The server

interface ErrorReply {
  readonly status: number;
  readonly type: string;
  readonly message: string | null;
}

const NOT_FOUND: ErrorReply = { status: 404, type: 'NotFoundException', message: 'Not Found' };
const UNAUTHORIZED: ErrorReply = { status: 401, type: 'UnauthorizedException', message: 'Unauthorized' };
const ACCESS_DENIED: ErrorReply = {
  status: 403,
  type: 'AccessDeniedException',
  message: 'User is not authorized to access this resource',
};
const FORBIDDEN: ErrorReply = { status: 403, type: 'ForbiddenException', message: 'Forbidden' };
const AUTHORIZER_FAILURE: ErrorReply = {
  status: 500,
  type: 'AuthorizerConfigurationException',
  message: null,
};
const TOO_LARGE: ErrorReply = {
  status: 413,
  type: 'RequestEntityTooLargeException',
  message: 'Request Too Long',
};
const BAD_GATEWAY: ErrorReply = {
  status: 502,
  type: 'InternalServerErrorException',
  message: 'Internal server error',
};
const TIMEOUT: ErrorReply = {
  status: 504,
  type: 'IntegrationTimeoutException',
  message: 'Endpoint request timed out',
};
const INTERNAL: ErrorReply = {
  status: 500,
  type: 'InternalServerErrorException',
  message: 'Internal server error',
};

/** Framing headers API Gateway sets itself (it renames the integration's copies to x-amzn-Remapped-*). */
const REMAPPED_HEADERS: ReadonlySet<string> = new Set(['content-length', 'transfer-encoding', 'connection']);

const RESULT_KEYS: ReadonlySet<string> = new Set([
  'statusCode',
  'headers',
  'multiValueHeaders',
  'body',
  'isBase64Encoded',
]);

export async function startHttpGateway(options: HttpGatewayOptions): Promise<HttpGateway> {
  const resources = compileRoutes(options.routes);
  const stage = options.stageName ?? 'prod';
  const stagePrefix = `/${stage}`;
  const host = options.host ?? '127.0.0.1';
  const timeoutMs = options.integrationTimeoutMs ?? DEFAULT_INTEGRATION_TIMEOUT_MS;
  const logError =
    options.logError ?? ((message: string, error?: unknown) => console.error(message, error ?? ''));
  const { invoke, extraHandlers, apiKeys } = options;
  const authorizerCache = new AuthorizerCache();
  const arnPrefix = `arn:aws:execute-api:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:${LOCAL_API_ID}/${stage}/`;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (extraHandlers && (await extraHandlers(req, res))) return;

    const requestId = randomUUID();
    const method = (req.method ?? 'GET').toUpperCase();
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    let rawPath = q === -1 ? rawUrl : rawUrl.slice(0, q);
    const rawQuery = q === -1 ? '' : rawUrl.slice(q + 1);

    let match = matchRoute(resources, method, rawPath);
    if (!match && (rawPath === stagePrefix || rawPath.startsWith(`${stagePrefix}/`))) {
      rawPath = rawPath.slice(stagePrefix.length) || '/';
      match = matchRoute(resources, method, rawPath);
    }
    if (!match) return sendError(res, requestId, NOT_FOUND);
    const { resource, route } = match;
    if (!route) {
      const allow = [...resource.methods.keys()].join(', ');
      return sendJson(res, requestId, 405, { message: 'Method Not Allowed' }, [
        'x-amzn-ErrorType',
        'MethodNotAllowedException',
        'Allow',
        allow,
      ]);
    }

    const body = await readBody(req);
    if (body === undefined) return sendError(res, requestId, TOO_LARGE);

    const path = safeDecode(rawPath);
    const { headers, multiValueHeaders } = collectHeaders(req.rawHeaders);
    const { single: queryStringParameters, multi: multiValueQueryStringParameters } = parseQuery(rawQuery);
    const now = Date.now();
    const sourceIp = normalizeIp(req.socket.remoteAddress);
    const apiKey = req.headers['x-api-key'];
    const apiKeyValue = typeof apiKey === 'string' ? apiKey : null;
    const requestContext: APIGatewayEventRequestContextWithAuthorizer<AuthorizerContext | undefined> = {
      accountId: LOCAL_ACCOUNT_ID,
      apiId: LOCAL_API_ID,
      authorizer: undefined,
      domainName: req.headers.host ?? host,
      domainPrefix: LOCAL_API_ID,
      extendedRequestId: requestId,
      httpMethod: method,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: apiKeyValue,
        apiKeyId: apiKeyValue === null ? null : 'local',
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp,
        user: null,
        userAgent: req.headers['user-agent'] ?? null,
        userArn: null,
      },
      path: `${stagePrefix}${path}`,
      protocol: `HTTP/${req.httpVersion}`,
      requestId,
      requestTime: formatRequestTime(now),
      requestTimeEpoch: now,
      resourceId: resource.resourceId,
      resourcePath: resource.template,
      stage,
    };

    if (route.authorizer) {
      const methodArn = `${arnPrefix}${method}${path}`;
      const outcome = await authorize(route.authorizer, methodArn, req, {
        resource: resource.template,
        path,
        httpMethod: method,
        headers,
        multiValueHeaders,
        queryStringParameters,
        multiValueQueryStringParameters,
        pathParameters: match.pathParameters,
        requestContext,
      });
      if (!outcome.ok) return sendError(res, requestId, outcome.error);
      requestContext.authorizer = outcome.context;
    }

    if (route.apiKeyRequired && apiKeys && (apiKeyValue === null || !apiKeys.has(apiKeyValue))) {
      return sendError(res, requestId, FORBIDDEN);
    }

    const event: APIGatewayProxyEvent = {
      resource: resource.template,
      path,
      httpMethod: method,
      headers,
      multiValueHeaders,
      queryStringParameters,
      multiValueQueryStringParameters,
      pathParameters: match.pathParameters,
      stageVariables: null,
      requestContext,
      body: body.length === 0 ? null : body.toString('utf8'),
      isBase64Encoded: false,
    };

    let result: unknown;
    try {
      result = await withTimeout(invoke(route.functionId, event), timeoutMs);
    } catch (error) {
      if (error === TIMED_OUT) {
        logError(
          `[http-gateway] ${requestId} ${method} ${path}: ${route.functionId} timed out after ${timeoutMs} ms`,
        );
        return sendError(res, requestId, TIMEOUT);
      }
      logError(`[http-gateway] ${requestId} ${method} ${path}: ${route.functionId} failed`, error);
      return sendError(res, requestId, BAD_GATEWAY);
    }
    const reply = proxyResponse(result);
    if (typeof reply === 'string') {
      logError(`[http-gateway] ${requestId} ${method} ${path}: malformed Lambda proxy response: ${reply}`);
      return sendError(res, requestId, BAD_GATEWAY);
    }
    reply.headers.push(
      'Content-Length',
      String(Buffer.byteLength(reply.body)),
      'x-amzn-RequestId',
      requestId,
    );
    res.writeHead(reply.statusCode, reply.headers);
    res.end(reply.body);
  };

  const authorize = async (
    authorizer: LocalAuthorizer,
    methodArn: string,
    req: IncomingMessage,
    request: Omit<
      APIGatewayRequestAuthorizerEvent,
      'type' | 'methodArn' | 'stageVariables' | 'requestContext' | 'pathParameters'
    > & {
      pathParameters: Record<string, string> | null;
      requestContext: APIGatewayEventRequestContextWithAuthorizer<unknown>;
    },
  ): Promise<{ ok: true; context: AuthorizerContext } | { ok: false; error: ErrorReply }> => {
    const identity: string[] = [];
    for (const name of authorizer.identityHeaders) {
      const value = req.headers[name];
      const text = Array.isArray(value) ? value.join(',') : value;
      if (!text) return { ok: false, error: UNAUTHORIZED };
      identity.push(text);
    }
    const ttlMs = authorizer.resultTtlSeconds * 1000;
    const cacheKey = ttlMs > 0 ? `${authorizer.logicalId}\u0000${identity.join('\u0000')}` : undefined;
    const started = Date.now();
    let answer = cacheKey === undefined ? undefined : authorizerCache.get(cacheKey, started);
    let latency = 0;
    if (!answer) {
      const event: APIGatewayRequestAuthorizerEvent | APIGatewayTokenAuthorizerEvent =
        authorizer.type === 'TOKEN'
          ? { type: 'TOKEN', methodArn, authorizationToken: identity[0] ?? '' }
          : {
              type: 'REQUEST',
              methodArn,
              resource: request.resource,
              path: request.path,
              httpMethod: request.httpMethod,
              headers: request.headers ?? {},
              multiValueHeaders: request.multiValueHeaders ?? {},
              queryStringParameters: request.queryStringParameters ?? {},
              multiValueQueryStringParameters: request.multiValueQueryStringParameters ?? {},
              pathParameters: request.pathParameters ?? {},
              stageVariables: {},
              requestContext: { ...request.requestContext, authorizer: undefined },
            };
      let result: unknown;
      try {
        result = await withTimeout(invoke(authorizer.functionId, event), timeoutMs);
      } catch (error) {
        const message = error instanceof Error ? error.message : typeof error === 'string' ? error : '';
        if (message === 'Unauthorized') return { ok: false, error: UNAUTHORIZED };
        logError(`[http-gateway] authorizer ${authorizer.functionId} failed for ${methodArn}`, error);
        return { ok: false, error: AUTHORIZER_FAILURE };
      }
      const parsed = authorizerAnswerFrom(result);
      if (typeof parsed === 'string') {
        logError(`[http-gateway] authorizer ${authorizer.functionId} returned an invalid result: ${parsed}`);
        return { ok: false, error: AUTHORIZER_FAILURE };
      }
      answer = parsed;
      latency = Date.now() - started;
      if (cacheKey !== undefined) authorizerCache.set(cacheKey, answer, started + ttlMs);
    }
    if (evaluatePolicy(answer.policyDocument, methodArn) !== 'Allow')
      return { ok: false, error: ACCESS_DENIED };
    return {
      ok: true,
      context: { ...answer.context, principalId: answer.principalId, integrationLatency: latency },
    };
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      logError(`[http-gateway] ${req.method} ${req.url}: unexpected failure`, error);
      if (!res.headersSent) sendError(res, randomUUID(), INTERNAL);
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  return {
    url: `http://${urlHost}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeIdleConnections();
        // Requests still running get a short grace period, then their connections are cut.
        setTimeout(() => server.closeAllConnections(), 2000).unref();
      }),
  };
}

/**
 * The request body, or undefined when it exceeds the payload limit. An oversized body is still read to the
 * end (and dropped), so the 413 reaches the client and the connection stays usable.
 */
function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const declared = Number(req.headers['content-length']);
  if (declared === 0) {
    req.resume();
    return Promise.resolve(EMPTY);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = declared > MAX_PAYLOAD_BYTES;
    req.on('data', (chunk: Buffer) => {
      if (tooLarge) return;
      size += chunk.length;
      if (size > MAX_PAYLOAD_BYTES) {
        tooLarge = true;
        chunks.length = 0;
      } else {
        chunks.push(chunk);
      }
    });
    req.on('end', () => {
      if (tooLarge) resolve(undefined);
      else resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    });
    req.on('error', reject);
  });
}

const EMPTY = Buffer.alloc(0);

/** Client header names as sent: `headers` keeps the last value, `multiValueHeaders` every value. */
function collectHeaders(raw: readonly string[]): {
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

function parseQuery(query: string): {
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

function normalizeIp(address: string | undefined): string {
  if (!address) return '127.0.0.1';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
let requestTimeSecond = -1;
let requestTimeText = '';

/** `09/Apr/2015:12:34:56 +0000`, API Gateway's `requestTime`; computed once per second. */
function formatRequestTime(epochMs: number): string {
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

const TIMED_OUT = Symbol('timed out');

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  if (!(ms > 0) || !Number.isFinite(ms)) return promise;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(TIMED_OUT), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

interface ProxyReply {
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

function sendError(res: ServerResponse, requestId: string, error: ErrorReply): void {
  sendJson(res, requestId, error.status, { message: error.message }, ['x-amzn-ErrorType', error.type]);
}

function sendJson(
  res: ServerResponse,
  requestId: string,
  status: number,
  payload: object,
  extra: string[],
): void {
  const body = JSON.stringify(payload);
  res.writeHead(status, [
    'Content-Type',
    'application/json',
    'Content-Length',
    String(Buffer.byteLength(body)),
    'x-amzn-RequestId',
    requestId,
    ...extra,
  ]);
  res.end(body);
}
