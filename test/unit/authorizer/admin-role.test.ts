/** The admin authorizer: the same code with requiredRole 'admin' denies ordinary write keys. */
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { createAuthorizerHandler, UNAUTHORIZED } from '../../../lambdas/authorizer/handler';
import {
  basicAuthorizationFor,
  hashWriteKey,
  type WriteKeyRecord,
} from '../../../lambdas/authorizer/write-keys';

const ADMIN = 'rs_AdminKey0123456789abcdefghijklmnopqrstuvw';
const WRITER = 'rs_WriterKey0123456789abcdefghijklmnopqrstuv';
const rows = new Map<string, WriteKeyRecord>([
  [
    hashWriteKey(ADMIN),
    { keyHash: hashWriteKey(ADMIN), name: 'ops', createdAt: '2026-01-01', role: 'admin' },
  ],
  [hashWriteKey(WRITER), { keyHash: hashWriteKey(WRITER), name: 'web', createdAt: '2026-01-01' }],
]);
const decisions: string[] = [];
const authorize = (requiredRole?: 'admin') =>
  createAuthorizerHandler({
    store: { get: async (h) => rows.get(h), put: async () => undefined },
    logger: new Logger({ logLevel: 'SILENT' }),
    onDecision: (d) => decisions.push(d),
    requiredRole,
  });
const METHOD = 'arn:aws:execute-api:eu-west-1:123456789012:abc/prod/DELETE/v1/users/u1';
const request = (authorization?: string) =>
  ({
    type: 'REQUEST',
    methodArn: METHOD,
    headers: authorization ? { Authorization: authorization } : {},
  }) as unknown as APIGatewayRequestAuthorizerEvent;
const effect = (r: { policyDocument: { Statement: Array<{ Effect?: string }> } }) =>
  r.policyDocument.Statement[0]?.Effect;

it('allows an admin key and names it as principal', async () => {
  const result = await authorize('admin')(request(basicAuthorizationFor(ADMIN)));
  expect(effect(result)).toBe('Allow');
  expect(result.context).toEqual({ writeKeyName: 'ops' });
});

it('denies an ordinary write key (403) and refuses a missing header (401)', async () => {
  decisions.length = 0;
  expect(effect(await authorize('admin')(request(basicAuthorizationFor(WRITER))))).toBe('Deny');
  await expect(authorize('admin')(request())).rejects.toThrow(UNAUTHORIZED);
  expect(decisions).toEqual(['deny_role', 'unauthorized']);
});

it('keeps the ingest authorizer (no required role) accepting ordinary keys', async () => {
  expect(effect(await authorize()(request(basicAuthorizationFor(WRITER))))).toBe('Allow');
});
