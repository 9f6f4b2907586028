/**
 * The authorizer step on its own: the answer is cached per identity for the TTL (and evaluated again for each
 * method ARN), the cache is bounded, a missing identity header is a 401 without invoking, and a thrown
 * `Unauthorized` is a 401 while an invalid answer is a 500. The authorizer Lambda is a counting fake.
 */
import type { IncomingMessage } from 'node:http';
import { AuthorizerCache, createAuthorize } from '../../../../local/gateway/authorizer-cache';
import { ACCESS_DENIED, AUTHORIZER_FAILURE, UNAUTHORIZED } from '../../../../local/gateway/errors';
import type { LocalAuthorizer } from '../../../../local/topology';

const authorizer: LocalAuthorizer = {
  logicalId: 'Auth',
  functionId: 'AuthFn',
  type: 'REQUEST',
  identityHeaders: ['x-api-key'],
  resultTtlSeconds: 300,
};
const ARN = 'arn:aws:execute-api:us-east-1:000000000000:local/prod/';
const request = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;
const event = {
  resource: '/v1/events',
  path: '/v1/events',
  httpMethod: 'POST',
  headers: {},
  multiValueHeaders: {},
  queryStringParameters: null,
  multiValueQueryStringParameters: null,
  pathParameters: null,
  requestContext: {} as never,
};
const allowOnly = (resource: string) => ({
  principalId: 'client-1',
  policyDocument: {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: resource }],
  },
  context: { tenant: 'a', n: 1 },
});

it('caches an answer per identity and evaluates it again for another method ARN', async () => {
  let calls = 0;
  const authorize = createAuthorize({
    invoke: async () => {
      calls++;
      return allowOnly(`${ARN}POST/v1/events`);
    },
    logError: () => undefined,
  });
  const first = await authorize(authorizer, `${ARN}POST/v1/events`, request({ 'x-api-key': 'k' }), event);
  expect(first).toEqual({
    ok: true,
    context: expect.objectContaining({ tenant: 'a', n: '1', principalId: 'client-1' }),
  });
  expect(await authorize(authorizer, `${ARN}GET/v1/other`, request({ 'x-api-key': 'k' }), event)).toEqual({
    ok: false,
    error: ACCESS_DENIED,
  });
  expect(calls).toBe(1);
  await authorize(authorizer, `${ARN}POST/v1/events`, request({ 'x-api-key': 'other' }), event);
  expect(calls).toBe(2);
});

it('refuses without invoking when the identity header is missing; Unauthorized is 401, a bad answer 500', async () => {
  let calls = 0;
  const failing = (answer: () => unknown) =>
    createAuthorize({
      invoke: async () => {
        calls++;
        return answer();
      },
      logError: () => undefined,
    });
  const ok = failing(() => allowOnly('*'));
  expect(await ok(authorizer, `${ARN}POST/v1/events`, request({}), event)).toEqual({
    ok: false,
    error: UNAUTHORIZED,
  });
  expect(calls).toBe(0);
  const unauthorized = failing(() => {
    throw new Error('Unauthorized');
  });
  expect(await unauthorized(authorizer, ARN, request({ 'x-api-key': 'k' }), event)).toEqual({
    ok: false,
    error: UNAUTHORIZED,
  });
  const invalid = failing(() => ({ principalId: 'x' }));
  expect(await invalid(authorizer, ARN, request({ 'x-api-key': 'k' }), event)).toEqual({
    ok: false,
    error: AUTHORIZER_FAILURE,
  });
});

it('forgets an answer once its TTL has passed', () => {
  const cache = new AuthorizerCache();
  const answer = { principalId: 'p', policyDocument: {}, context: {} };
  cache.set('k', answer, 1000);
  expect(cache.get('k', 999)).toBe(answer);
  expect(cache.get('k', 1000)).toBeUndefined();
});
