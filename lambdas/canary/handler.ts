/**
 * Freshness canary (EventBridge rule, every minute): one canary event through the public ingest API,
 * then the time until it is visible in the profile (CanaryProfileFreshness, ms) and until the
 * recommendation API reflects it (CanaryRecommendationFreshness, ms; skipped while nothing is
 * published), or a CanaryFailures count when it was not visible in time. The write key comes from
 * Secrets Manager; its hash was registered in WriteKeys at deploy (lambdas/canary-key), so this function has
 * no write on that table. The recommendation API key is another secret, the value of the canary's API key.
 */
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import middy from '@middy/core';
import { dynamoDocumentClient } from '../shared/aws-clients';
import { requireEnv } from '../shared/env';
import { CANARY_METRICS } from '../shared/metric-names';
import { observability, powertools } from '../shared/observability';
import {
  dynamoProfileCheck,
  httpIngestSender,
  httpItemPicker,
  httpRecommendationsCheck,
  type RecommendationApiClient,
} from './adapters';
import { type CanaryPorts, type CanaryResult, measureFreshness } from './freshness';
import { readSecretString } from './write-key-secret';

const tools = powertools();
const { logger, metrics } = tools;

let writeKey: Promise<string> | undefined;
/** Per container: the API key and the item picker, whose cached choice outlives one run. */
let recommendationPorts: Promise<RecommendationPorts | undefined> | undefined;

type RecommendationPorts = Required<Pick<CanaryPorts, 'pickItem' | 'recommendationsReflect'>>;

const secrets = new SecretsManagerClient({});

function loadWriteKey(): Promise<string> {
  return readSecretString(secrets, requireEnv('CANARY_WRITE_KEY_SECRET_ARN'), 'write-key');
}

/** The recommendation API's ports, or undefined when the stack gives the canary no API (env unset). */
async function loadRecommendationPorts(): Promise<RecommendationPorts | undefined> {
  const baseUrl = process.env.RECOMMENDATION_API_URL;
  const secretArn = process.env.CANARY_API_KEY_SECRET_ARN;
  if (!baseUrl || !secretArn) return undefined;
  const client: RecommendationApiClient = {
    baseUrl,
    apiKey: await readSecretString(secrets, secretArn, 'API-key'),
  };
  return { pickItem: httpItemPicker(client), recommendationsReflect: httpRecommendationsCheck(client) };
}

function forgetOnFailure<T>(load: () => Promise<T>, reset: () => void): Promise<T> {
  return load().catch((error: unknown) => {
    reset();
    throw error;
  });
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

export const handler = middy(async (): Promise<CanaryResult> => {
  writeKey ??= forgetOnFailure(loadWriteKey, () => {
    writeKey = undefined;
  });
  recommendationPorts ??= forgetOnFailure(loadRecommendationPorts, () => {
    recommendationPorts = undefined;
  });
  const result = await measureFreshness(
    {
      ...(await recommendationPorts),
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
}).use(observability(tools));
