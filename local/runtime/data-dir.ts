/**
 * What the local runtime keeps in its data directory besides the emulators' data: the write keys and the API
 * key (generated on first start, as AWS would issue them, then reused), and `<dataDir>/lake`, a link to the
 * lake bucket's folder so the lake is where the documentation says.
 */
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmdirSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoWriteKeyStore } from '../../lambdas/authorizer/write-key-store';
import { newWriteKey } from '../../lambdas/authorizer/write-keys';
import type { LocalTopology } from '../topology';

/**
 * One write key per name and data directory: generated on first start, its hash stored like in AWS. The
 * key named `local` keeps its historical file name, `local-write-key`.
 */
export async function ensureLocalWriteKey(
  topology: LocalTopology,
  dynamo: DynamoDBDocumentClient,
  dataDir: string,
  name: string,
): Promise<string> {
  const keyFile = join(dataDir, name === 'local' ? 'local-write-key' : `${name}-write-key`);
  const authorizer = [...topology.functions.values()].find((f) => f.environment.WRITE_KEYS_TABLE_NAME);
  if (!authorizer) throw new Error('No function has WRITE_KEYS_TABLE_NAME: cannot seed a local write key');
  const store = new DynamoWriteKeyStore(authorizer.environment.WRITE_KEYS_TABLE_NAME as string, dynamo);
  if (existsSync(keyFile)) {
    const key = readFileSync(keyFile, 'utf8').trim();
    return key;
  }
  const { key, record } = newWriteKey(name);
  await store.put(record);
  writeFileSync(keyFile, `${key}\n`, { mode: 0o600 });
  return key;
}

/**
 * One API key per data directory for the recommendation API, like the write key: generated on first start.
 * API Gateway generates key values itself; locally any unguessable string does.
 */
export function ensureLocalApiKey(dataDir: string): string {
  const keyFile = join(dataDir, 'local-api-key');
  if (existsSync(keyFile)) return readFileSync(keyFile, 'utf8').trim();
  const key = `rk_${randomBytes(24).toString('base64url')}`;
  writeFileSync(keyFile, `${key}\n`, { mode: 0o600 });
  return key;
}

/**
 * The bucket the lake lives in: the destination of the delivery streams, or else the bucket the
 * ingest function quarantines rejected events to (the lake bucket before Firehose exists).
 */
export function lakeBucketId(topology: LocalTopology): string | undefined {
  const [delivery] = topology.deliveryStreams.values();
  if (delivery) return delivery.bucketId;
  const names = new Set(
    [...topology.functions.values()].map((f) => f.environment.QUARANTINE_BUCKET_NAME).filter(Boolean),
  );
  return [...topology.buckets.values()].find((b) => names.has(b.name))?.logicalId;
}

/**
 * Makes `<dataDir>/lake` a relative symlink to the lake bucket's folder, so `.data/lake/events/…`
 * and `.data/lake/quarantine/…` are where the documentation says. A real, non-empty `lake` folder
 * left by an older version is kept (and reported) rather than deleted.
 */
export function linkLakeDir(dataDir: string, bucketDir: string, log: (message: string) => void): string {
  mkdirSync(bucketDir, { recursive: true });
  const link = join(dataDir, 'lake');
  const target = bucketDir.slice(dataDir.length + 1);
  const existing = lstatSync(link, { throwIfNoEntry: false });
  if (existing?.isSymbolicLink()) {
    if (readlinkSync(link) === target) return link;
    unlinkSync(link);
  } else if (existing?.isDirectory()) {
    if (readdirSync(link).length > 0) {
      log(`${link} is a folder, not a link to ${bucketDir}: move it away to see the lake there`);
      return link;
    }
    rmdirSync(link);
  } else if (existing) {
    unlinkSync(link);
  }
  symlinkSync(target, link, 'dir');
  return link;
}

/**
 * Bucket folders used to be named after the bucket's logical id (`LakeStorageBucket5B470899`); buckets are
 * now named in lower case, as S3 requires. A data directory from before keeps its lake: the old folder is
 * renamed to the new name when that does not exist yet.
 */
export function adoptLogicalIdBucketDirs(
  dataDir: string,
  topology: Pick<LocalTopology, 'buckets'>,
  log: (message: string) => void,
): void {
  for (const { logicalId, name } of topology.buckets.values()) {
    const old = join(dataDir, 's3', logicalId);
    const current = join(dataDir, 's3', name);
    if (logicalId === name || !existsSync(old) || existsSync(current)) continue;
    renameSync(old, current);
    log(`moved ${old} to ${current} (S3 bucket names are lower case)`);
  }
}
