/** The feature updater's options in domain tests: default limits, no backoff, one attempt per write. */
import type { UpdaterOptions } from '../../lambdas/consumer/feature-updater';
import { DEFAULT_PROFILE_LIMITS } from '../../lambdas/consumer/profile';

export const TEST_UPDATER_OPTIONS: UpdaterOptions = {
  limits: DEFAULT_PROFILE_LIMITS,
  itemBucketTtlSeconds: 8 * 24 * 3600,
  concurrency: 4,
  retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
  conflictAttempts: 3,
};
