/**
 * A Kinesis event source mapping reduced to what exactly-once depends on, for domain tests: batches of
 * one shard in order, ReportBatchItemFailures (retry from the first failed record), a function error
 * (retry the whole batch), and giving up after `maxRetries` retries, when the records left go to the
 * on-failure destination and the mapping moves on to the next batch.
 */
import type { FeatureUpdater, PoisonRecord, StreamRecord } from '../../lambdas/consumer/feature-updater';

export interface MappingOptions {
  readonly maxRetries: number;
  /** Makes an invocation end in a function error after the updater ran (a crash after its writes). */
  readonly crashAfter?: (batch: readonly StreamRecord[]) => boolean;
  readonly deadLetter?: (poison: readonly PoisonRecord[]) => Promise<void>;
  /** Called before each invocation (e.g. to start or end a fault). */
  readonly beforeInvoke?: (batchNumber: number, attempt: number) => void;
}

/** Runs `batches` through `updater`; returns the records given up, in order. */
export async function runMapping(
  updater: FeatureUpdater,
  batches: readonly (readonly StreamRecord[])[],
  options: MappingOptions,
): Promise<StreamRecord[]> {
  const givenUp: StreamRecord[] = [];
  for (const [batchNumber, batch] of batches.entries()) {
    let pending = [...batch];
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > options.maxRetries) {
        givenUp.push(...pending);
        break;
      }
      options.beforeInvoke?.(batchNumber, attempt);
      const invocation = pending.map((r, index) => ({ ...r, index }));
      const outcome = await updater.process(invocation, options.deadLetter ?? (async () => undefined));
      if (options.crashAfter?.(invocation)) continue;
      if (outcome.failedFromIndex === undefined) break;
      pending = pending.slice(outcome.failedFromIndex);
    }
  }
  return givenUp;
}

/** Batches of `size` consecutive records. */
export function batchesOf(records: readonly StreamRecord[], size: number): StreamRecord[][] {
  const out: StreamRecord[][] = [];
  for (let i = 0; i < records.length; i += size) out.push(records.slice(i, i + size));
  return out;
}
