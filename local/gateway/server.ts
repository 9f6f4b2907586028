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
 * The parts: ./routing (matching), ./authorizer-cache (the Lambda authorizer and its result cache),
 * ./policy (IAM policy evaluation), ./event-mapping (HTTP <-> proxy event and result), ./errors (error answers);
 * this file is the node:http server that runs a request through them.
 *
 * Not reproduced: usage plans and throttling, request validators, mapping templates, binary media types
 * (request bodies are always passed as UTF-8 text with `isBase64Encoded: false`), CORS preflight mocks.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayEventRequestContextWithAuthorizer, APIGatewayProxyEvent } from 'aws-lambda';
import { type Invoke, LOCAL_ACCOUNT, LOCAL_REGION, type LocalRoute } from '../topology';
import { type AuthorizerContext, createAuthorize } from './authorizer-cache';
import {
  BAD_GATEWAY,
  FORBIDDEN,
  INTERNAL,
  NOT_FOUND,
  sendError,
  sendJson,
  TIMED_OUT,
  TIMEOUT,
  TOO_LARGE,
  withTimeout,
} from './errors';
import { collectHeaders, formatRequestTime, normalizeIp, parseQuery, proxyResponse } from './event-mapping';
import { compileRoutes, matchRoute, safeDecode } from './routing';

export const LOCAL_API_ID = 'local';
/** API Gateway's maximum payload size. */
export const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;
/** API Gateway's default (and, for REST APIs, usual maximum) integration timeout. */
export const DEFAULT_INTEGRATION_TIMEOUT_MS = 29_000;

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

// ---------------------------------------------------------------------------------------------------------
// The server

export async function startHttpGateway(options: HttpGatewayOptions): Promise<HttpGateway> {
  const resources = compileRoutes(options.routes);
  const stage = options.stageName ?? 'prod';
  const stagePrefix = `/${stage}`;
  const host = options.host ?? '127.0.0.1';
  const timeoutMs = options.integrationTimeoutMs ?? DEFAULT_INTEGRATION_TIMEOUT_MS;
  const logError =
    options.logError ?? ((message: string, error?: unknown) => console.error(message, error ?? ''));
  const { invoke, extraHandlers, apiKeys } = options;
  const authorize = createAuthorize({ invoke, logError });
  const arnPrefix = `arn:aws:execute-api:${LOCAL_REGION}:${LOCAL_ACCOUNT}:${LOCAL_API_ID}/${stage}/`;

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
      accountId: LOCAL_ACCOUNT,
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

    // What the authorizer's REQUEST event and the proxy event both carry.
    const request = {
      resource: resource.template,
      path,
      httpMethod: method,
      headers,
      multiValueHeaders,
      queryStringParameters,
      multiValueQueryStringParameters,
      pathParameters: match.pathParameters,
      requestContext,
    };
    if (route.authorizer) {
      const methodArn = `${arnPrefix}${method}${path}`;
      const outcome = await authorize(route.authorizer, methodArn, req, request);
      if (!outcome.ok) return sendError(res, requestId, outcome.error);
      requestContext.authorizer = outcome.context;
    }

    if (route.apiKeyRequired && apiKeys && (apiKeyValue === null || !apiKeys.has(apiKeyValue))) {
      return sendError(res, requestId, FORBIDDEN);
    }

    const event: APIGatewayProxyEvent = {
      ...request,
      stageVariables: null,
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
