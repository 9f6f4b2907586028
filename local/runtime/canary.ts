/**
 * The freshness canary on the local runtime: the same measurement and adapters as the Lambda, on a
 * timer, with the last result kept for `/local/health` (`canary`). With the local API key it also
 * measures until the recommendation API (served by the same gateway) reflects the event.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  dynamoProfileCheck,
  httpIngestSender,
  httpItemPicker,
  httpRecommendationsCheck,
} from '../../lambdas/canary/adapters';
import { measureFreshness } from '../../lambdas/canary/freshness';
import type { CanaryHealth } from './health';

export interface LocalCanary {
  last(): CanaryHealth | undefined;
  stop(): Promise<void>;
}

export function startLocalCanary(options: {
  readonly apiUrl: string;
  readonly writeKey: string;
  /** Recommendation API key (same gateway URL); absent: only the profile is measured. */
  readonly apiKey?: string;
  readonly dynamo: DynamoDBDocumentClient;
  readonly profilesTable: string;
  readonly intervalMs: number;
  readonly log?: (message: string) => void;
}): LocalCanary {
  let last: CanaryHealth | undefined;
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  const client = options.apiKey ? { baseUrl: options.apiUrl, apiKey: options.apiKey } : undefined;
  // Created once, so the picked item is cached across runs like in a Lambda container.
  const recommendation = client
    ? { pickItem: httpItemPicker(client), recommendationsReflect: httpRecommendationsCheck(client) }
    : {};
  const runOnce = async () => {
    const result = await measureFreshness(
      {
        ...recommendation,
        send: httpIngestSender(options.apiUrl, options.writeKey),
        profileHasEvent: dynamoProfileCheck(options.dynamo, options.profilesTable),
        now: Date.now,
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      },
      { name: 'local', timeoutMs: Math.min(45_000, options.intervalMs - 1000) },
    );
    last = {
      lastRunAt: new Date().toISOString(),
      profileVisibleMs: result.profileVisibleMs,
      recommendationVisibleMs: result.recommendationVisibleMs,
      recommendationSkipped: result.recommendationSkipped,
      itemId: result.itemId,
      ok: result.ok,
      error: result.error,
    };
    if (!result.ok) options.log?.(`freshness canary: ${result.error}`);
  };
  const tick = () => {
    if (stopped) return;
    running = runOnce().catch((error: unknown) => options.log?.(`freshness canary failed: ${String(error)}`));
  };
  const first = setTimeout(tick, 5_000);
  const timer = setInterval(tick, options.intervalMs);
  return {
    last: () => last,
    stop: async () => {
      stopped = true;
      clearTimeout(first);
      clearInterval(timer);
      await running;
    },
  };
}
