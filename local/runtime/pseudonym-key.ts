/**
 * The local pseudonym key secret (context `pseudonymizeLakeUserIds`): generated once per data directory and
 * kept in `<dataDir>/local-pseudonym-key` (like the local write key). The default emulators have no Secrets
 * Manager, so the functions get it as PSEUDONYM_KEY, which the handler prefers over PSEUDONYM_SECRET_ARN; with
 * the moto emulators it is a secret on moto under the template's name, read with GetSecretValue as on AWS.
 * Without a function that reads the secret, nothing is generated.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateSecretCommand,
  PutSecretValueCommand,
  ResourceExistsException,
} from '@aws-sdk/client-secrets-manager';
import { parsePseudonymKey } from '../../lambdas/shared/pseudonym';
import { localSecretsClient } from '../emulators';
import type { LocalTopology } from '../topology';

export const LOCAL_PSEUDONYM_KEY_FILE = 'local-pseudonym-key';

/** Whether any function of the template reads the pseudonym key secret. */
export function usesPseudonymKey(topology: Pick<LocalTopology, 'functions'>): boolean {
  return [...topology.functions.values()].some((f) => f.environment.PSEUDONYM_SECRET_ARN);
}

/** The data directory's key, generated (64 hex characters) on first use. */
export function ensureLocalPseudonymKey(dataDir: string): string {
  const file = join(dataDir, LOCAL_PSEUDONYM_KEY_FILE);
  if (existsSync(file)) {
    const key = readFileSync(file, 'utf8').trim();
    parsePseudonymKey(key);
    return key;
  }
  const key = randomBytes(32).toString('hex');
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return key;
}

/** `{ PSEUDONYM_KEY }` for the local functions when the template pseudonymises, else nothing. */
export function localPseudonymEnvironment(
  topology: Pick<LocalTopology, 'functions'>,
  dataDir: string,
): Record<string, string> {
  return usesPseudonymKey(topology) ? { PSEUDONYM_KEY: ensureLocalPseudonymKey(dataDir) } : {};
}

/**
 * With moto: the data directory's key stored as every secret the functions name in PSEUDONYM_SECRET_ARN (the
 * local topology resolves a secret's Ref to its name), and the functions pointed at moto's Secrets Manager.
 */
export async function motoPseudonymEnvironment(
  topology: Pick<LocalTopology, 'functions'>,
  dataDir: string,
  motoEndpoint: string,
): Promise<Record<string, string>> {
  const names = new Set(
    [...topology.functions.values()].flatMap((f) =>
      f.environment.PSEUDONYM_SECRET_ARN ? [f.environment.PSEUDONYM_SECRET_ARN] : [],
    ),
  );
  if (names.size === 0) return {};
  const key = ensureLocalPseudonymKey(dataDir);
  const client = localSecretsClient(motoEndpoint);
  try {
    for (const name of names) {
      try {
        await client.send(new CreateSecretCommand({ Name: name, SecretString: key }));
      } catch (error) {
        if (!(error instanceof ResourceExistsException)) throw error;
        await client.send(new PutSecretValueCommand({ SecretId: name, SecretString: key }));
      }
    }
  } finally {
    client.destroy();
  }
  return { AWS_ENDPOINT_URL_SECRETS_MANAGER: motoEndpoint };
}
