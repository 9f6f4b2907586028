/**
 * Key roles: the admin authorizer (accepted roles `admin`) denies ordinary write keys; the catalogue authorizer
 * (`admin,catalog`) takes admin and catalogue keys; the ingest authorizer (`write,admin`) refuses catalogue keys.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { createAuthorizerHandler, UNAUTHORIZED } from '../../../lambdas/authorizer/handler';
import {
  basicAuthorizationFor,
  hashWriteKey,
  type KeyRole,
  parseKeyRoles,
  type WriteKeyRecord,
} from '../../../lambdas/authorizer/write-keys';

const ADMIN = 'rs_AdminKey0123456789abcdefghijklmnopqrstuvw';
const WRITER = 'rs_WriterKey0123456789abcdefghijklmnopqrstuv';
const CATALOG = 'rs_CatalogKey0123456789abcdefghijklmnopqrstu';
const rows = new Map<string, WriteKeyRecord>([
  [
    hashWriteKey(ADMIN),
    { keyHash: hashWriteKey(ADMIN), name: 'ops', createdAt: '2026-01-01', role: 'admin' },
  ],
  [hashWriteKey(WRITER), { keyHash: hashWriteKey(WRITER), name: 'web', createdAt: '2026-01-01' }],
  [
    hashWriteKey(CATALOG),
    { keyHash: hashWriteKey(CATALOG), name: 'pim', createdAt: '2026-01-01', role: 'catalog' },
  ],
]);
const decisions: string[] = [];
const authorize = (...acceptedRoles: KeyRole[]) =>
  createAuthorizerHandler({
    store: { get: async (h) => rows.get(h), put: async () => undefined },
    logger: new Logger({ logLevel: 'SILENT' }),
    onDecision: (d) => decisions.push(d),
    ...(acceptedRoles.length > 0 ? { acceptedRoles } : {}),
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

it('lets the catalogue authorizer take admin and catalogue keys, not ordinary ones', async () => {
  const catalogue = authorize('admin', 'catalog');
  expect(effect(await catalogue(request(basicAuthorizationFor(CATALOG))))).toBe('Allow');
  expect(effect(await catalogue(request(basicAuthorizationFor(ADMIN))))).toBe('Allow');
  expect(effect(await catalogue(request(basicAuthorizationFor(WRITER))))).toBe('Deny');
});

it('keeps catalogue keys off the ingest routes and admin methods', async () => {
  expect(effect(await authorize('write', 'admin')(request(basicAuthorizationFor(CATALOG))))).toBe('Deny');
  expect(effect(await authorize('write', 'admin')(request(basicAuthorizationFor(ADMIN))))).toBe('Allow');
  expect(effect(await authorize('admin')(request(basicAuthorizationFor(CATALOG))))).toBe('Deny');
});

it('parses ACCEPTED_ROLES and refuses an unknown role name', () => {
  expect(parseKeyRoles('admin, catalog')).toEqual(['admin', 'catalog']);
  expect(() => parseKeyRoles('admin,superuser')).toThrow("unknown key role 'superuser'");
  expect(() => parseKeyRoles(' , ')).toThrow('must not be empty');
});
