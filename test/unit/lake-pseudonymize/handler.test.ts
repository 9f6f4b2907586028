import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { FirehoseTransformationEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import {
  createPseudonymizeHandler,
  keyFromEnvironmentOrSecret,
} from '../../../lambdas/lake-pseudonymize/handler';

const KEY_TEXT = 'local-test-key-0123456789abcdef0123456789';
const ALICE = 'p1_a3d34e18c2829a3fb6adea1e4870d82bce419cfaae320b418ee368cb3c26e46c';
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:pseudonym-AbCdEf';

const secrets = mockClient(SecretsManagerClient);

function firehoseEvent(...payloads: string[]): FirehoseTransformationEvent {
  return {
    invocationId: 'inv-1',
    deliveryStreamArn: 'arn:aws:firehose:eu-west-1:123456789012:deliverystream/lake',
    region: 'eu-west-1',
    records: payloads.map((p, i) => ({
      recordId: `r${i}`,
      approximateArrivalTimestamp: 1_700_000_000_000,
      data: Buffer.from(p).toString('base64'),
    })),
  };
}

const decode = (data: string | undefined) => Buffer.from(data ?? '', 'base64').toString('utf8');

describe('lake-pseudonymize handler', () => {
  const saved = { ...process.env };
  beforeEach(() => {
    secrets.reset();
    process.env = { ...saved, PSEUDONYM_SECRET_ARN: SECRET_ARN };
    delete process.env.PSEUDONYM_KEY;
  });
  afterAll(() => {
    process.env = saved;
  });

  const quiet = { warn: jest.fn() };
  const handlerWithSecret = () =>
    createPseudonymizeHandler(
      keyFromEnvironmentOrSecret(() => new SecretsManagerClient({ region: 'eu-west-1' })),
      quiet,
      () => undefined,
    );

  it('returns Ok with the pseudonymised JSON and ProcessingFailed (original data) for unparsable records', async () => {
    secrets.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).resolves({ SecretString: KEY_TEXT });
    const counts: Record<string, number> = {};
    const handler = createPseudonymizeHandler(
      keyFromEnvironmentOrSecret(() => new SecretsManagerClient({ region: 'eu-west-1' })),
      quiet,
      (name, value) => {
        counts[name] = value;
      },
    );
    const event = firehoseEvent('{"type":"page_view","userId":"alice"}', 'not json', '[1,2]');
    const out = await handler(event);

    expect(out.records.map((r) => [r.recordId, r.result])).toEqual([
      ['r0', 'Ok'],
      ['r1', 'ProcessingFailed'],
      ['r2', 'ProcessingFailed'],
    ]);
    expect(JSON.parse(decode(out.records[0]?.data))).toEqual({ type: 'page_view', userId: ALICE });
    expect(out.records[1]?.data).toBe(event.records[1]?.data);
    expect(quiet.warn).toHaveBeenCalledWith(expect.any(String), {
      recordId: 'r2',
      reason: 'record is not a JSON object',
    });
    expect(counts).toEqual({ LakeRecordsPseudonymized: 1, LakeRecordsPseudonymizeFailed: 2 });
  });

  it('reads the secret once per container', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: KEY_TEXT });
    const handler = handlerWithSecret();
    await handler(firehoseEvent('{"userId":"alice"}'));
    await handler(firehoseEvent('{"userId":"bob"}'));
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('retries the secret after a failed read instead of caching the failure', async () => {
    secrets
      .on(GetSecretValueCommand)
      .rejectsOnce(new Error('throttled'))
      .resolves({ SecretString: KEY_TEXT });
    const handler = handlerWithSecret();
    await expect(handler(firehoseEvent('{"userId":"alice"}'))).rejects.toThrow('throttled');
    const out = await handler(firehoseEvent('{"userId":"alice"}'));
    expect(JSON.parse(decode(out.records[0]?.data)).userId).toBe(ALICE);
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  it('fails the invocation when the secret is too short to be a key', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: 'tiny' });
    await expect(handlerWithSecret()(firehoseEvent('{"userId":"alice"}'))).rejects.toThrow(
      'pseudonym key must be at least 32 characters, got 4',
    );
  });

  it('takes PSEUDONYM_KEY (local runtime) without calling Secrets Manager', async () => {
    process.env.PSEUDONYM_KEY = KEY_TEXT;
    const out = await handlerWithSecret()(firehoseEvent('{"userId":"alice"}'));
    expect(JSON.parse(decode(out.records[0]?.data)).userId).toBe(ALICE);
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });
});
