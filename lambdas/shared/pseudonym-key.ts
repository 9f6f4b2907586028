/**
 * Where the pseudonym HMAC key comes from, for every function that needs it (the lake's Firehose processor,
 * the lake purge): PSEUDONYM_KEY when set (the local runtime, which has no Secrets Manager), else the secret
 * PSEUDONYM_SECRET_ARN.
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { requireEnv } from './env';
import { parsePseudonymKey } from './pseudonym';

export type KeyLoader = () => Promise<Buffer>;

export function keyFromEnvironmentOrSecret(client: () => SecretsManagerClient): KeyLoader {
  return async () => {
    const local = process.env.PSEUDONYM_KEY;
    if (local) return parsePseudonymKey(local);
    const arn = requireEnv('PSEUDONYM_SECRET_ARN');
    const out = await client().send(new GetSecretValueCommand({ SecretId: arn }));
    if (out.SecretString === undefined) throw new Error(`secret ${arn} has no SecretString`);
    return parsePseudonymKey(out.SecretString);
  };
}
