/**
 * The AWS JSON proxy between the functions and an emulator: the call reaches the upstream as sent (or as a
 * middleware rewrote it), the upstream's answer comes back with its status and headers, a middleware may
 * answer itself, and a middleware that throws becomes an AWS-style 500, not a dropped connection.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { type AwsJsonProxy, awsJsonError, startAwsJsonProxy } from '../../../../local/faults/aws-json-proxy';

interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

let upstream: Server;
let upstreamUrl: string;
const received: Received[] = [];
const proxies: AwsJsonProxy[] = [];

beforeAll(async () => {
  upstream = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'req-1' });
      res.end(JSON.stringify({ ConsumedCapacity: [] }));
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const address = upstream.address();
  upstreamUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

beforeEach(() => {
  received.length = 0;
});

afterEach(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()));
});

afterAll(async () => {
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
});

async function proxyWith(...middlewares: Parameters<typeof startAwsJsonProxy>[0]['middlewares']) {
  const proxy = await startAwsJsonProxy({ upstream: upstreamUrl, middlewares });
  proxies.push(proxy);
  return proxy;
}

const call = (endpoint: string, target: string, body: string) =>
  fetch(endpoint, {
    method: 'POST',
    headers: { 'x-amz-target': target, 'content-type': 'application/x-amz-json-1.0' },
    body,
  });

it('forwards the call untouched when no middleware changes it, and returns the answer with its headers', async () => {
  const seen: string[] = [];
  const proxy = await proxyWith(async (c, next) => {
    seen.push(c.operation);
    return next(c);
  });
  const body = '{"TableName":"Profiles",  "Key":{}}';
  const answer = await call(proxy.endpoint, 'DynamoDB_20120810.GetItem', body);
  expect(answer.status).toBe(200);
  expect(answer.headers.get('x-amzn-requestid')).toBe('req-1');
  expect(await answer.json()).toEqual({ ConsumedCapacity: [] });
  expect(seen).toEqual(['GetItem']);
  // The exact bytes, spacing included: nothing was re-serialised.
  expect(received[0]?.body).toBe(body);
  expect(received[0]?.headers['x-amz-target']).toBe('DynamoDB_20120810.GetItem');
});

it('sends a rewritten input with a content-length that matches it', async () => {
  const proxy = await proxyWith(async (c, next) => next({ ...c, input: { ...c.input, Limit: 1 } }));
  await call(proxy.endpoint, 'DynamoDB_20120810.Query', '{"TableName":"T"}');
  expect(JSON.parse(received[0]?.body ?? '')).toEqual({ TableName: 'T', Limit: 1 });
  expect(received[0]?.headers['content-length']).toBe(String(received[0]?.body.length));
});

it('lets a middleware answer without reaching the upstream', async () => {
  const proxy = await proxyWith(async () =>
    awsJsonError('1.1', 'ResourceNotFoundException', 'no such stream'),
  );
  const answer = await call(proxy.endpoint, 'Kinesis_20131202.DescribeStream', '{}');
  expect(answer.status).toBe(400);
  expect(answer.headers.get('x-amzn-errortype')).toBe('ResourceNotFoundException');
  expect(await answer.json()).toEqual({ __type: 'ResourceNotFoundException', message: 'no such stream' });
  expect(received).toHaveLength(0);
});

it('answers 500 InternalFailure when a middleware throws', async () => {
  const proxy = await proxyWith(async () => {
    throw new Error('plan broken');
  });
  const answer = await call(proxy.endpoint, 'DynamoDB_20120810.PutItem', '{}');
  expect(answer.status).toBe(500);
  expect(await answer.json()).toEqual({ __type: 'InternalFailure', message: 'fault proxy: plan broken' });
});

it('passes a body that is not JSON on as it came, with no input for the middlewares', async () => {
  const inputs: unknown[] = [];
  const proxy = await proxyWith(async (c, next) => {
    inputs.push(c.input);
    return next(c);
  });
  await call(proxy.endpoint, 'DynamoDB_20120810.PutItem', 'not json');
  expect(inputs).toEqual([undefined]);
  expect(received[0]?.body).toBe('not json');
});
