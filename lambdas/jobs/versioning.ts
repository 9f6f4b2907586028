/**
 * Which versions to keep, which to expire, and which a rollback may go to. Pure decisions over the run
 * records; the publisher and the rollback command carry them out.
 */

import type { ActivePointer, RunRecord } from '../shared/published';
import type { EaseSolveSettings } from './ease-solve';

/** A run record as stored: the contract's fields plus what the control plane tracks about its version. */
export interface StoredRunRecord extends RunRecord {
  /** When the version's published items were given a TTL (they are gone, or about to be). */
  readonly expiredAt?: string;
  /** Items written under this version (Similarities: items; Trending: scopes). */
  readonly publishedItems?: number;
  /** Lake prefix of the rows this run published (to find the keys again when expiring it). */
  readonly resultPrefix?: string;
  /** The run the drift checks compared with (see JobService.driftBaseline). */
  readonly baselineRunId?: string;
  /** cf: the run whose state this run merged with (none: a full recomputation). */
  readonly previousStateRunId?: string;
  /** cf: window end of the full recomputation this run's incremental chain started from. */
  readonly fullRecomputeAt?: string;
  /** cf with EASE: how its Gram rows are solved (again when its version is expired). */
  readonly solve?: EaseSolveSettings;
  /** An as-of replay of history (PlanInput.asOf): its window is on event time, not on receipt time. */
  readonly asOf?: string;
}

export const DEFAULT_KEEP_VERSIONS = 3;

/** A version counts as published when it reached the tables and was not expired since. */
export function isLiveVersion(run: StoredRunRecord): boolean {
  return (run.status === 'published' || run.status === 'rolled_back') && run.expiredAt === undefined;
}

/**
 * Versions to expire: every live version beyond the newest `keep` (by run id, which sorts by start time),
 * except the active one, which is never expired (after a rollback it may be older than the newest N).
 */
export function versionsToExpire(
  runs: readonly StoredRunRecord[],
  activeVersion: string | undefined,
  keep: number = DEFAULT_KEEP_VERSIONS,
): string[] {
  if (!Number.isInteger(keep) || keep < 1) throw new Error(`keep must be an integer >= 1, got ${keep}`);
  const live = runs
    .filter(isLiveVersion)
    .map((r) => r.runId)
    .sort()
    .reverse();
  return live.slice(keep).filter((v) => v !== activeVersion);
}

export class RollbackRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RollbackRefusedError';
  }
}

/** Throws RollbackRefusedError with the specific reason unless `target` is a live version other than the active one. */
export function checkRollbackTarget(
  job: string,
  target: string,
  run: StoredRunRecord | undefined,
  pointer: ActivePointer | undefined,
): void {
  if (!run)
    throw new RollbackRefusedError(`${job}: no run '${target}' (see \`recostream jobs list ${job}\`)`);
  if (run.expiredAt !== undefined) {
    throw new RollbackRefusedError(
      `${job}: version '${target}' expired at ${run.expiredAt}; its items are gone`,
    );
  }
  if (run.status !== 'published' && run.status !== 'rolled_back') {
    throw new RollbackRefusedError(
      `${job}: run '${target}' is ${run.status}, not a published version; only published versions can be restored`,
    );
  }
  if (pointer?.activeVersion === target) {
    throw new RollbackRefusedError(`${job}: version '${target}' is already active`);
  }
}
