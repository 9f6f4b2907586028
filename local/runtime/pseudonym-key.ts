/**
 * The local stand-in for the pseudonym key secret (context `pseudonymizeLakeUserIds`): there is no Secrets
 * Manager locally, so the key is generated once per data directory, kept in `<dataDir>/local-pseudonym-key`
 * (like the local write key), and given to the functions as PSEUDONYM_KEY, which the handler prefers over
 * PSEUDONYM_SECRET_ARN. Without a function that reads the secret, nothing is generated.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePseudonymKey } from '../../lambdas/shared/pseudonym';
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
