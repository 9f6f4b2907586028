/**
 * The consumer's Kinesis event source mapping as the topology reads it from the template (batch size 50,
 * bisect on error, one retry, ReportBatchItemFailures, from TRIM_HORIZON), for tests that build a poller or a
 * topology by hand; each test overrides what it is about.
 */
import type { LocalEventSourceMapping } from '../../local/topology';

export function consumerMapping(overrides: Partial<LocalEventSourceMapping> = {}): LocalEventSourceMapping {
  return {
    logicalId: 'ConsumerMapping',
    functionId: 'Consumer',
    streamId: 'Events',
    batchSize: 50,
    maxBatchingWindowSeconds: 0,
    bisectBatchOnError: true,
    maxRetryAttempts: 1,
    maxRecordAgeSeconds: -1,
    parallelizationFactor: 1,
    reportBatchItemFailures: true,
    startingPosition: 'TRIM_HORIZON',
    ...overrides,
  };
}
