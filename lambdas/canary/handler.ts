/**
 * Freshness canary (EventBridge rule, every minute): one canary event through the public ingest API,
 * then the time until it is visible in the profile, published as CanaryProfileFreshness (ms), or a
 * CanaryFailures count when it was not visible in time. The write key comes from Secrets Manager; its
 * hash is registered in the WriteKeys table on the first run (conditional put, never overwrites).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoWriteKeyStore } from '../authorizer/write-key-store';
import { hashWriteKey } from '../authorizer/write-keys';
import { dynamoDocumentClient } from '../shared/aws-clients';
import { requireEnv } from '../shared/env';
import { CANARY_METRICS, SERVICES } from '../shared/metric-names';
import { instrumented } from '../shared/observability';
import { dynamoProfileCheck, httpIngestSender } from './adapters';
import { type CanaryResult, measureFreshness } from './freshness';

const logger = new Logger({ serviceName: SERVICES.canary });
const metrics = new Metrics({ serviceName: SERVICES.canary });
const tracer = new Tracer({ serviceName: SERVICES.canary });

let writeKey: Promise<string> | undefined;

async function loadWriteKey(): Promise<string> {
  const client = new SecretsManagerClient({});
  const out = await client.send(
    new GetSecretValueCommand({ SecretId: requireEnv('CANARY_WRITE_KEY_SECRET_ARN') }),
  );
  const key = out.SecretString?.trim();
  if (!key) throw new Error('the canary write-key secret is empty');
  try {
    await new DynamoWriteKeyStore(requireEnv('WRITE_KEYS_TABLE_NAME'), dynamoDocumentClient()).put({
      keyHash: hashWriteKey(key),
      name: SERVICES.canary,
      createdAt: new Date().toISOString(),
    });
  } catch (error) {
    if (!(error instanceof Error && error.message.includes('already exists'))) throw error;
  }
  return key;
}

export function publish(result: CanaryResult, sink: Pick<Metrics, 'addMetric'>): void {
  if (result.profileVisibleMs !== undefined)
    sink.addMetric(CANARY_METRICS.profileFreshness, MetricUnit.Milliseconds, result.profileVisibleMs);
  if (result.recommendationVisibleMs !== undefined)
    sink.addMetric(
      CANARY_METRICS.recommendationFreshness,
      MetricUnit.Milliseconds,
      result.recommendationVisibleMs,
    );
  sink.addMetric(CANARY_METRICS.failures, MetricUnit.Count, result.ok ? 0 : 1);
}

export const handler = instrumented({ logger, metrics, tracer }, async (): Promise<CanaryResult> => {
  writeKey ??= loadWriteKey().catch((error: unknown) => {
    writeKey = undefined;
    throw error;
  });
  const result = await measureFreshness(
    {
      send: httpIngestSender(requireEnv('INGEST_BASE_URL'), await writeKey),
      profileHasEvent: dynamoProfileCheck(dynamoDocumentClient(), requireEnv('PROFILES_TABLE_NAME')),
      now: Date.now,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    },
    {
      name: process.env.CANARY_NAME ?? 'default',
      timeoutMs: Number(process.env.CANARY_TIMEOUT_MS ?? 45_000),
    },
  );
  publish(result, metrics);
  if (result.ok) logger.info('canary visible', { ...result });
  else logger.warn('canary failed', { ...result });
  return result;
});
