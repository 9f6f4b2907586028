/**
 * Local API Gateway, over real HTTP on a random port with fake functions behind `invoke`. The handlers run
 * in the cloud behind API Gateway, so what they receive locally must be what API Gateway sends (checked
 * against Powertools' own event schemas) and the gateway must answer as API Gateway does where it matters to
 * clients: routing, authorizer results and caching, API keys, payload limit, broken integrations.
 */
import {
  APIGatewayProxyEventSchema,
  APIGatewayRequestAuthorizerEventSchema,
} from '@aws-lambda-powertools/parser/schemas/api-gateway';
import type { APIGatewayProxyEvent, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { proxyResponse } from '../../../../local/gateway/event-mapping';
import { evaluatePolicy, wildcardMatch } from '../../../../local/gateway/policy';
import { compileRoutes, matchRoute } from '../../../../local/gateway/routing';
import { type HttpGateway, MAX_PAYLOAD_BYTES, startHttpGateway } from '../../../../local/gateway/server';
import {
  LOCAL_ACCOUNT,
  LOCAL_REGION,
  type LocalAuthorizer,
  type LocalRoute,
} from '../../../../local/topology';

const ARN_PREFIX = `arn:aws:execute-api:${LOCAL_REGION}:${LOCAL_ACCOUNT}:local/prod`;
const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
/** The fake authorizer allows every key starting with `allow-` on the whole stage. */
const GOOD = basic('allow-good');
const DENIED = basic('denied-key');
/** Denied, after longer than the integration timeout. */
const SLOW_DENIED = basic('slow-denied-key');
/** Allowed on the exact method ARN of the first call only. */
const NARROW = basic('narrow-key');

const cachedAuthorizer: LocalAuthorizer = {
  logicalId: 'WriteKeyAuthorizer',
  functionId: 'Authorizer',
  type: 'REQUEST',
  identityHeaders: ['authorization'],
  resultTtlSeconds: 300,
};
const uncachedAuthorizer: LocalAuthorizer = {
  ...cachedAuthorizer,
  logicalId: 'Uncached',
  resultTtlSeconds: 0,
};

const routes: LocalRoute[] = [
  {
    method: 'POST',
    path: '/v1/events',
    functionId: 'Ingest',
    authorizer: cachedAuthorizer,
    apiKeyRequired: false,
  },
  {
    method: 'POST',
    path: '/v1/batch',
    functionId: 'Ingest',
    authorizer: cachedAuthorizer,
    apiKeyRequired: false,
  },
  {
    method: 'POST',
    path: '/v1/track',
    functionId: 'Ingest',
    authorizer: uncachedAuthorizer,
    apiKeyRequired: false,
  },
  { method: 'GET', path: '/v1/users/{userId}/recommendations', functionId: 'Recs', apiKeyRequired: true },
  { method: 'GET', path: '/v1/items/{itemId}', functionId: 'Echo', apiKeyRequired: false },
  { method: 'GET', path: '/v1/items/popular', functionId: 'Popular', apiKeyRequired: false },
  { method: 'ANY', path: '/files/{proxy+}', functionId: 'Echo', apiKeyRequired: false },
  { method: 'GET', path: '/v1/boom', functionId: 'Boom', apiKeyRequired: false },
  { method: 'GET', path: '/v1/malformed', functionId: 'Malformed', apiKeyRequired: false },
  { method: 'GET', path: '/v1/slow', functionId: 'Slow', apiKeyRequired: false },
  { method: 'GET', path: '/v1/fancy', functionId: 'Fancy', apiKeyRequired: false },
];

interface Call {
  readonly functionId: string;
  readonly event: unknown;
}

const calls: Call[] = [];
const logged: string[] = [];

function policy(effect: 'Allow' | 'Deny', resource: string, context?: Record<string, unknown>) {
  return {
    principalId: 'writer',
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resource }],
    },
    ...(context ? { context } : {}),
  };
}

async function fakeInvoke(functionId: string, event: unknown): Promise<unknown> {
  calls.push({ functionId, event });
  switch (functionId) {
    case 'Authorizer': {
      const e = event as APIGatewayRequestAuthorizerEvent;
      const auth = e.headers?.authorization ?? e.headers?.Authorization;
      const key = auth?.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString('utf8') : '';
      if (key.startsWith('allow-')) {
        return policy('Allow', `${ARN_PREFIX}/*/*`, { writeKeyName: 'demo', quota: 7, beta: true });
      }
      if (auth === DENIED) return policy('Deny', `${ARN_PREFIX}/*/*`);
      if (auth === NARROW) return policy('Allow', e.methodArn); // valid for the first route only
      if (auth === 'Basic broken') throw new Error('DynamoDB is down');
      // Answers after the 200 ms integration timeout, as a cold authorizer on a busy machine may.
      if (auth === SLOW_DENIED)
        return new Promise((resolve) => setTimeout(() => resolve(policy('Deny', `${ARN_PREFIX}/*/*`)), 500));
      throw new Error('Unauthorized');
    }
    case 'Echo':
    case 'Recs':
    case 'Ingest':
      return {
        statusCode: 200,
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ functionId }),
      };
    case 'Popular':
      return { statusCode: 200, body: '{"popular":true}' };
    case 'Boom':
      throw new Error('handler exploded');
    case 'Malformed':
      return { statusCode: 200, body: { not: 'a string' } };
    case 'Slow':
      return new Promise((resolve) => setTimeout(() => resolve({ statusCode: 200, body: '' }), 500));
    case 'Fancy':
      return {
        statusCode: 201,
        headers: { 'X-Single': 'one', 'X-Both': 'from-headers', 'X-Count': 3 },
        multiValueHeaders: { 'Set-Cookie': ['a=1', 'b=2'], 'X-Both': ['from-multi'] },
        body: Buffer.from('binary \u00e9 body').toString('base64'),
        isBase64Encoded: true,
      };
    default:
      throw new Error(`no fake for ${functionId}`);
  }
}

function callsTo(functionId: string): Call[] {
  return calls.filter((c) => c.functionId === functionId);
}

function lastEvent(functionId: string): APIGatewayProxyEvent {
  const list = callsTo(functionId);
  return list[list.length - 1].event as APIGatewayProxyEvent;
}

let gw: HttpGateway;

beforeAll(async () => {
  gw = await startHttpGateway({
    routes,
    invoke: fakeInvoke,
    port: 0,
    apiKeys: new Set(['key-123']),
    integrationTimeoutMs: 200,
    logError: (message) => logged.push(message),
    extraHandlers: (req, res) => {
      if (req.url !== '/health') return false;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      return true;
    },
  });
});

afterAll(async () => {
  await gw.close();
});

beforeEach(() => {
  calls.length = 0;
  logged.length = 0;
});

async function request(
  method: string,
  path: string,
  init: { headers?: Record<string, string>; body?: string } = {},
) {
  const response = await fetch(`${gw.url}${path}`, { method, headers: init.headers, body: init.body });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json: json as Record<string, unknown> };
}

describe('routing', () => {
  it('listens on a random port of 127.0.0.1', () => {
    expect(gw.port).toBeGreaterThan(0);
    expect(gw.url).toBe(`http://127.0.0.1:${gw.port}`);
  });

  it('passes path parameters (decoded) and query strings (last value + all values)', async () => {
    const res = await request('GET', '/v1/users/user%20one/recommendations?limit=5&tag=a&tag=b', {
      headers: { 'x-api-key': 'key-123' },
    });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ functionId: 'Recs' });
    const event = lastEvent('Recs');
    expect(event.resource).toBe('/v1/users/{userId}/recommendations');
    expect(event.path).toBe('/v1/users/user one/recommendations');
    expect(event.pathParameters).toEqual({ userId: 'user one' });
    expect(event.queryStringParameters).toEqual({ limit: '5', tag: 'b' });
    expect(event.multiValueQueryStringParameters).toEqual({ limit: ['5'], tag: ['a', 'b'] });
  });

  it('prefers literal segments over parameters', async () => {
    expect((await request('GET', '/v1/items/popular')).json).toEqual({ popular: true });
    expect((await request('GET', '/v1/items/item-00042')).json).toEqual({ functionId: 'Echo' });
    expect(lastEvent('Echo').pathParameters).toEqual({ itemId: 'item-00042' });
  });

  it('matches greedy {proxy+} segments and ANY methods', async () => {
    expect((await request('DELETE', '/files/a/b/c.txt')).status).toBe(200);
    expect(lastEvent('Echo')).toMatchObject({
      httpMethod: 'DELETE',
      resource: '/files/{proxy+}',
      pathParameters: { proxy: 'a/b/c.txt' },
    });
  });

  it('accepts the stage prefix and a trailing slash', async () => {
    expect((await request('GET', '/prod/v1/items/popular')).status).toBe(200);
    expect((await request('GET', '/v1/items/popular/')).status).toBe(200);
  });

  it('answers 404 for unknown paths and 405 for a wrong method, without invoking anything', async () => {
    const missing = await request('GET', '/v2/nothing');
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({ message: 'Not Found' });
    const wrongMethod = await request('DELETE', '/v1/items/popular');
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET');
    expect(calls).toEqual([]);
  });

  it('lets extra handlers serve their own paths first', async () => {
    const res = await request('GET', '/health');
    expect(res.json).toEqual({ ok: true });
    expect(calls).toEqual([]);
  });
});

describe('proxy event', () => {
  it('is a valid API Gateway REST proxy event (Powertools schema) with the expected fields', async () => {
    const sentAfter = Date.now();
    const res = await request('POST', '/v1/events?debug=1', {
      headers: { Authorization: GOOD, 'content-type': 'application/json', 'user-agent': 'jest-agent' },
      body: '{"events":[]}',
    });
    expect(res.status).toBe(200);
    const event = lastEvent('Ingest');
    expect(() => APIGatewayProxyEventSchema.parse(event)).not.toThrow();
    expect(event).toMatchObject({
      resource: '/v1/events',
      path: '/v1/events',
      httpMethod: 'POST',
      body: '{"events":[]}',
      isBase64Encoded: false,
      stageVariables: null,
      pathParameters: null,
      queryStringParameters: { debug: '1' },
      requestContext: {
        accountId: '000000000000',
        apiId: 'local',
        stage: 'prod',
        resourcePath: '/v1/events',
        httpMethod: 'POST',
        path: '/prod/v1/events',
        identity: { sourceIp: '127.0.0.1', userAgent: 'jest-agent' },
        authorizer: { principalId: 'writer', writeKeyName: 'demo', quota: '7', beta: 'true' },
      },
    });
    expect(event.headers['content-type']).toBe('application/json');
    expect(event.multiValueHeaders['content-type']).toEqual(['application/json']);
    expect(event.requestContext.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get('x-amzn-requestid')).toBe(event.requestContext.requestId);
    // Between sending and answering, however long that took.
    expect(event.requestContext.requestTimeEpoch).toBeGreaterThanOrEqual(sentAfter);
    expect(event.requestContext.requestTimeEpoch).toBeLessThanOrEqual(Date.now());
    expect(typeof event.requestContext.authorizer?.integrationLatency).toBe('number');
  });

  it('uses null for an empty body, no query string and no path parameters', async () => {
    await request('GET', '/v1/items/popular');
    const event = lastEvent('Popular');
    expect(event.body).toBeNull();
    expect(event.queryStringParameters).toBeNull();
    expect(event.multiValueQueryStringParameters).toBeNull();
    expect(event.pathParameters).toBeNull();
    expect(event.requestContext.authorizer).toBeUndefined();
  });
});

describe('authorizer', () => {
  it('answers 401 without invoking the authorizer when an identity header is missing', async () => {
    const res = await request('POST', '/v1/events', { body: '{}' });
    expect(res.status).toBe(401);
    expect(res.json).toEqual({ message: 'Unauthorized' });
    expect(calls).toEqual([]);
  });

  it('sends a REQUEST authorizer event with the method ARN', async () => {
    await request('POST', '/v1/track?x=1', { headers: { Authorization: GOOD }, body: '{}' });
    const event = callsTo('Authorizer')[0].event as APIGatewayRequestAuthorizerEvent;
    expect(() => APIGatewayRequestAuthorizerEventSchema.parse(event)).not.toThrow();
    expect(event).toMatchObject({
      type: 'REQUEST',
      methodArn: `${ARN_PREFIX}/POST/v1/track`,
      resource: '/v1/track',
      path: '/v1/track',
      httpMethod: 'POST',
      headers: { Authorization: GOOD },
      queryStringParameters: { x: '1' },
    });
  });

  it('answers 401 when the authorizer throws Unauthorized, 500 when it fails otherwise', async () => {
    const unauthorized = await request('POST', '/v1/track', { headers: { Authorization: 'Basic nope' } });
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.json).toEqual({ message: 'Unauthorized' });
    const broken = await request('POST', '/v1/track', { headers: { Authorization: 'Basic broken' } });
    expect(broken.status).toBe(500);
    expect(broken.json).toEqual({ message: null });
    expect(callsTo('Ingest')).toEqual([]);
    expect(logged.join('\n')).toMatch(/authorizer Authorizer failed/);
  });

  it("waits for the authorizer's answer beyond the integration timeout (its own function timeout bounds it)", async () => {
    const res = await request('POST', '/v1/events', { headers: { authorization: SLOW_DENIED }, body: '{}' });
    expect(res.status).toBe(403);
    expect(callsTo('Ingest')).toHaveLength(0);
  });

  it('answers 403 on an explicit Deny without invoking the integration', async () => {
    const res = await request('POST', '/v1/track', { headers: { Authorization: DENIED }, body: '{}' });
    expect(res.status).toBe(403);
    expect(res.json).toEqual({ message: 'User is not authorized to access this resource' });
    expect(callsTo('Ingest')).toEqual([]);
  });

  it('caches the answer per identity header within the TTL', async () => {
    const headers = { Authorization: basic('allow-cache-1') };
    expect((await request('POST', '/v1/events', { headers, body: '{}' })).status).toBe(200);
    expect((await request('POST', '/v1/events', { headers, body: '{}' })).status).toBe(200);
    expect((await request('POST', '/v1/batch', { headers, body: '{}' })).status).toBe(200);
    expect(callsTo('Authorizer')).toHaveLength(1);
    expect(callsTo('Ingest')).toHaveLength(3);
    // The cached context reaches the integration too.
    expect(lastEvent('Ingest').requestContext.authorizer).toMatchObject({
      principalId: 'writer',
      writeKeyName: 'demo',
    });
    // A different identity is a different cache entry.
    await request('POST', '/v1/events', { headers: { Authorization: basic('allow-cache-2') }, body: '{}' });
    expect(callsTo('Authorizer')).toHaveLength(2);
  });

  it('evaluates a cached policy against each new method ARN', async () => {
    const first = await request('POST', '/v1/events', { headers: { Authorization: NARROW }, body: '{}' });
    expect(first.status).toBe(200);
    const other = await request('POST', '/v1/batch', { headers: { Authorization: NARROW }, body: '{}' });
    expect(other.status).toBe(403);
    expect(callsTo('Authorizer')).toHaveLength(1);
    expect(
      (await request('POST', '/v1/events', { headers: { Authorization: NARROW }, body: '{}' })).status,
    ).toBe(200);
    expect(callsTo('Authorizer')).toHaveLength(1);
  });

  it('invokes the authorizer on every request when the TTL is 0', async () => {
    await request('POST', '/v1/track', { headers: { Authorization: GOOD }, body: '{}' });
    await request('POST', '/v1/track', { headers: { Authorization: GOOD }, body: '{}' });
    expect(callsTo('Authorizer')).toHaveLength(2);
  });
});

describe('API keys', () => {
  it('answers 403 Forbidden for a missing or unknown key on a route that requires one', async () => {
    const missing = await request('GET', '/v1/users/u1/recommendations');
    expect(missing.status).toBe(403);
    expect(missing.json).toEqual({ message: 'Forbidden' });
    expect(
      (await request('GET', '/v1/users/u1/recommendations', { headers: { 'x-api-key': 'nope' } })).status,
    ).toBe(403);
    expect(callsTo('Recs')).toEqual([]);
    const ok = await request('GET', '/v1/users/u1/recommendations', { headers: { 'x-api-key': 'key-123' } });
    expect(ok.status).toBe(200);
    expect(lastEvent('Recs').requestContext.identity.apiKey).toBe('key-123');
  });

  it('does not check keys when no key set is configured', async () => {
    const open = await startHttpGateway({ routes, invoke: fakeInvoke, logError: () => {} });
    try {
      const res = await fetch(`${open.url}/v1/users/u1/recommendations`);
      expect(res.status).toBe(200);
    } finally {
      await open.close();
    }
  });
});

describe('integration responses and failures', () => {
  it('maps status, headers, multi-value headers and base64 bodies to HTTP', async () => {
    const res = await fetch(`${gw.url}/v1/fancy`);
    expect(res.status).toBe(201);
    expect(res.headers.get('x-single')).toBe('one');
    expect(res.headers.get('x-count')).toBe('3');
    expect(res.headers.get('x-both')).toBe('from-multi');
    expect(res.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(Buffer.from(await res.arrayBuffer()).toString('utf8')).toBe('binary \u00e9 body');
  });

  it('answers 502 when the handler throws, and logs the error', async () => {
    const res = await request('GET', '/v1/boom');
    expect(res.status).toBe(502);
    expect(res.json).toEqual({ message: 'Internal server error' });
    expect(logged.join('\n')).toMatch(/Boom failed/);
  });

  it('answers 502 for a malformed proxy result', async () => {
    const res = await request('GET', '/v1/malformed');
    expect(res.status).toBe(502);
    expect(logged.join('\n')).toMatch(/body must be a string/);
  });

  it('answers 504 when the integration exceeds its timeout', async () => {
    const res = await request('GET', '/v1/slow');
    expect(res.status).toBe(504);
    expect(res.json).toEqual({ message: 'Endpoint request timed out' });
  });

  it('answers 413 for a body over 10 MB without invoking anything, and keeps serving', async () => {
    const res = await request('POST', '/v1/events', {
      headers: { Authorization: GOOD },
      body: 'x'.repeat(MAX_PAYLOAD_BYTES + 1),
    });
    expect(res.status).toBe(413);
    expect(res.json).toEqual({ message: 'Request Too Long' });
    expect(calls).toEqual([]);
    expect((await request('GET', '/v1/items/popular')).status).toBe(200);
  });
});

describe('pure helpers', () => {
  it('matches wildcards like IAM', () => {
    expect(wildcardMatch(`${ARN_PREFIX}/*/*`, `${ARN_PREFIX}/POST/v1/events`)).toBe(true);
    expect(wildcardMatch(`${ARN_PREFIX}/GET/*`, `${ARN_PREFIX}/POST/v1/events`)).toBe(false);
    expect(wildcardMatch('*', 'anything')).toBe(true);
    expect(wildcardMatch('a?c', 'abc')).toBe(true);
    expect(wildcardMatch('a*b*c', 'aXXbYYc')).toBe(true);
    expect(wildcardMatch('a*b*c', 'aXXbYY')).toBe(false);
  });

  it('lets an explicit Deny win over an Allow', () => {
    const arn = `${ARN_PREFIX}/POST/v1/events`;
    const doc = {
      Statement: [
        { Effect: 'Allow', Action: 'execute-api:*', Resource: '*' },
        { Effect: 'Deny', Action: ['execute-api:Invoke'], Resource: [`${ARN_PREFIX}/POST/*`] },
      ],
    };
    expect(evaluatePolicy(doc, arn)).toBe('Deny');
    expect(evaluatePolicy(doc, `${ARN_PREFIX}/GET/v1/items`)).toBe('Allow');
    expect(evaluatePolicy({ Statement: [] }, arn)).toBe('NoMatch');
    expect(
      evaluatePolicy({ Statement: { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' } }, arn),
    ).toBe('NoMatch');
  });

  it('rejects duplicate routes and bad templates at start', () => {
    expect(() => compileRoutes([routes[0], routes[0]])).toThrow(/duplicate route POST \/v1\/events/);
    expect(() =>
      compileRoutes([{ method: 'GET', path: '/a/{rest+}/b', functionId: 'X', apiKeyRequired: false }]),
    ).toThrow(/must be last/);
  });

  it('reports a route match without a method so the gateway can answer 405', () => {
    const match = matchRoute(compileRoutes(routes), 'PUT', '/v1/items/popular');
    expect(match?.route).toBeUndefined();
    expect(match?.resource.template).toBe('/v1/items/popular');
  });

  it('refuses proxy results API Gateway would refuse', () => {
    expect(proxyResponse({ statusCode: '200', body: '' })).toMatch(/statusCode/);
    expect(proxyResponse({ statusCode: 200, body: '', extra: 1 })).toMatch(/unexpected field "extra"/);
    expect(proxyResponse(null)).toMatch(/not an object/);
    expect(proxyResponse({ statusCode: 204 })).toMatchObject({ statusCode: 204, body: '' });
  });
});
