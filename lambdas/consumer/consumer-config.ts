/** The consumer's tunables, read once from the environment the CDK construct sets. */
import { numberEnv } from '../shared/env';
import { DEFAULT_WATERMARK_RETENTION_SECONDS, type UpdaterOptions } from './feature-updater';
import { DEFAULT_PROFILE_LIMITS } from './profile';

const DAY_MS = 24 * 3600 * 1000;

export function updaterOptionsFromEnv(): UpdaterOptions {
  return {
    limits: {
      ...DEFAULT_PROFILE_LIMITS,
      recentInteractions: numberEnv('RECENT_INTERACTIONS_LIMIT', DEFAULT_PROFILE_LIMITS.recentInteractions),
      halfLifeMs: numberEnv('AFFINITY_HALF_LIFE_DAYS', 14) * DAY_MS,
      ttlSeconds: numberEnv('PROFILE_TTL_DAYS', 400) * 24 * 3600,
      dedupHorizonMinutes: numberEnv('DEDUP_HORIZON_MINUTES', DEFAULT_PROFILE_LIMITS.dedupHorizonMinutes),
      ledgerMaxEntries: numberEnv('LEDGER_MAX_ENTRIES', DEFAULT_PROFILE_LIMITS.ledgerMaxEntries),
    },
    itemBucketTtlSeconds: numberEnv('ITEM_BUCKET_TTL_DAYS', 8) * 24 * 3600,
    concurrency: numberEnv('WRITE_CONCURRENCY', 16),
    retry: { attempts: numberEnv('WRITE_ATTEMPTS', 6), baseDelayMs: 25, maxDelayMs: 2000 },
    conflictAttempts: 5,
    watermarkRetentionSeconds: numberEnv('WATERMARK_RETENTION_SECONDS', DEFAULT_WATERMARK_RETENTION_SECONDS),
  };
}
