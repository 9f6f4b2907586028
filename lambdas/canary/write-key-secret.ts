/** Reads a secret's string value (the canary's write key, its API key): trimmed, and never empty. */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

export async function readSecretString(
  client: SecretsManagerClient,
  arn: string,
  what: string,
): Promise<string> {
  const out = await client.send(new GetSecretValueCommand({ SecretId: arn }));
  const value = out.SecretString?.trim();
  if (!value) throw new Error(`the canary ${what} secret is empty`);
  return value;
}
