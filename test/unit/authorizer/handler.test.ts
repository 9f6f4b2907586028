/**
 * REQUEST authorizer: the three outcomes API Gateway distinguishes (401 via a thrown 'Unauthorized',
 * 403 via a Deny policy, Allow), the stage-wide resource that makes per-key caching safe across routes,
 * the context the ingest Lambda reads, and the promise that neither the key nor the header ever reaches
 * the logs (checked on the bytes written to stdout/stderr at DEBUG level).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayRequestAuthorizerEvent, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { createAuthorizerHandler, handler } from '../../../lambdas/authorizer/handler';
import type { WriteKeyStore } from '../../../lambdas/authorizer/write-key-store';
import {
  basicAuthorizationFor,
  hashWriteKey,
  type WriteKeyRecord,
} from '../../../lambdas/authorizer/write-keys';

const GOOD_KEY = 'rs_GoodKey0123456789abcdefghijklmnopqrstuvwxy';
const DISABLED_KEY = 'rs_DisabledKey0123456789abcdefghijklmnopqrst';
const UNKNOWN_KEY = 'rs_UnknownKey0123456789abcdefghijklmnopqrstu';
const METHOD_ARN = 'arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/POST/v1/events';

class MemoryStore implements WriteKeyStore {
  readonly rows = new Map<string, WriteKeyRecord>();
  async get(hash: string) {
    return this.rows.get(hash);
  }
  async put(record: WriteKeyRecord) {
    this.rows.set(record.keyHash, record);
  }
}

function eventWith(headers: Record<string, string> | null): APIGatewayRequestAuthorizerEvent {
  return {
    type: 'REQUEST',
    methodArn: METHOD_ARN,
    resource: '/v1/events',
    path: '/v1/events',
    httpMethod: 'POST',
    headers,
    multiValueHeaders: null,
    pathParameters: null,
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    requestContext: {} as APIGatewayRequestAuthorizerEvent['requestContext'],
  };
}

const store = new MemoryStore();
store.rows.set(hashWriteKey(GOOD_KEY), {
  keyHash: hashWriteKey(GOOD_KEY),
  name: 'web-shop',
  createdAt: '2024-01-01',
});
store.rows.set(hashWriteKey(DISABLED_KEY), {
  keyHash: hashWriteKey(DISABLED_KEY),
  name: 'leaked-key',
  createdAt: '2024-01-01',
  disabled: true,
});

let output = '';
beforeEach(() => {
  output = '';
  const capture = (chunk: string | Uint8Array) => {
    output += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  };
  jest.spyOn(process.stdout, 'write').mockImplementation(capture);
  jest.spyOn(process.stderr, 'write').mockImplementation(capture);
});
afterEach(() => jest.restoreAllMocks());

const decisions: string[] = [];
const authorize = createAuthorizerHandler({
  store,
  logger: new Logger({ serviceName: 'authorizer-test', logLevel: 'DEBUG' }),
  onDecision: (d) => decisions.push(d),
});

describe('authorizer', () => {
  it.each([
    ['no headers', null],
    ['no Authorization header', { 'Content-Type': 'application/json' }],
    ['a non-Basic scheme', { Authorization: `Bearer ${GOOD_KEY}` }],
    ['garbled credentials', { Authorization: 'Basic !!!' }],
  ])('answers 401 (throws Unauthorized) for %s', async (_label, headers) => {
    await expect(authorize(eventWith(headers))).rejects.toThrow(/^Unauthorized$/);
    expect(decisions.at(-1)).toBe('unauthorized');
  });

  it('denies an unknown key for the whole stage', async () => {
    const result = await authorize(eventWith({ Authorization: basicAuthorizationFor(UNKNOWN_KEY) }));
    expect(result.policyDocument.Statement).toEqual([
      {
        Action: 'execute-api:Invoke',
        Effect: 'Deny',
        Resource: 'arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/*/*',
      },
    ]);
    expect(result.context).toBeUndefined();
    expect(decisions.at(-1)).toBe('deny_unknown');
  });

  it('denies a disabled key', async () => {
    const result = await authorize(eventWith({ authorization: basicAuthorizationFor(DISABLED_KEY) }));
    expect(result.principalId).toBe('leaked-key');
    expect(result.policyDocument.Statement[0]).toMatchObject({ Effect: 'Deny' });
    expect(decisions.at(-1)).toBe('deny_disabled');
  });

  it('allows a known key on every method and route of the stage, named by the key name', async () => {
    const result = await authorize(eventWith({ AUTHORIZATION: basicAuthorizationFor(GOOD_KEY) }));
    expect(result).toEqual({
      principalId: 'web-shop',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Action: 'execute-api:Invoke',
            Effect: 'Allow',
            Resource: 'arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/*/*',
          },
        ],
      },
      context: { writeKeyName: 'web-shop' },
    });
  });

  it('lets a store failure surface as an error (500), never as a cached Deny', async () => {
    const failing = createAuthorizerHandler({
      store: { get: () => Promise.reject(new Error('throttled')), put: () => Promise.resolve() },
      logger: new Logger({ serviceName: 'authorizer-test' }),
    });
    await expect(failing(eventWith({ Authorization: basicAuthorizationFor(GOOD_KEY) }))).rejects.toThrow(
      'throttled',
    );
  });

  it('never writes the key or the header to the logs', async () => {
    for (const key of [GOOD_KEY, DISABLED_KEY, UNKNOWN_KEY]) {
      await authorize(eventWith({ Authorization: basicAuthorizationFor(key) }));
    }
    await authorize(eventWith({ Authorization: `Bearer ${GOOD_KEY}` })).catch(() => undefined);
    expect(output).toContain('web-shop'); // proves the capture sees the DEBUG logs
    for (const key of [GOOD_KEY, DISABLED_KEY, UNKNOWN_KEY]) {
      expect(output).not.toContain(key);
      expect(output).not.toContain(basicAuthorizationFor(key).slice('Basic '.length));
    }
  });
});

describe('handler (env wiring)', () => {
  const ddb = mockClient(DynamoDBDocumentClient);
  const context = { functionName: 'authorizer', awsRequestId: 'req-1' } as Context;

  beforeAll(() => {
    process.env.WRITE_KEYS_TABLE_NAME = 'write-keys-table';
  });
  afterAll(() => {
    delete process.env.WRITE_KEYS_TABLE_NAME;
    ddb.restore();
  });

  it('looks the key hash up in WRITE_KEYS_TABLE_NAME and allows a known key', async () => {
    ddb
      .on(GetCommand, { TableName: 'write-keys-table', Key: { keyHash: hashWriteKey(GOOD_KEY) } })
      .resolves({ Item: { keyHash: hashWriteKey(GOOD_KEY), name: 'web-shop', createdAt: '2024-01-01' } });
    const result = await handler(eventWith({ Authorization: basicAuthorizationFor(GOOD_KEY) }), context);
    expect(result.principalId).toBe('web-shop');
    expect(result.context).toEqual({ writeKeyName: 'web-shop' });
    expect(output).not.toContain(GOOD_KEY);
  });

  it('still throws Unauthorized for a missing header', async () => {
    await expect(handler(eventWith({}), context)).rejects.toThrow('Unauthorized');
  });
});
