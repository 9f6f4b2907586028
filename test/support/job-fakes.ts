/** In-memory ports of the job control plane (JobRuns, published tables, lake results) for unit tests. */

import {
  type JobRunsPort,
  PointerConflictError,
  type PublishedItem,
  type PublishedStorePort,
} from '../../lambdas/jobs/job-service';
import type { ResultRowsReader } from '../../lambdas/jobs/lake-results';
import type { StoredRunRecord } from '../../lambdas/jobs/versioning';
import { ACTIVE_POINTER_ID, type ActivePointer, type JobName } from '../../lambdas/shared/published';

export class MemoryJobRuns implements JobRunsPort {
  readonly runs = new Map<string, StoredRunRecord>();
  readonly pointers = new Map<JobName, ActivePointer>();

  async getRun(job: JobName, runId: string) {
    return this.runs.get(`${job}/${runId}`);
  }
  async listRuns(job: JobName, limit = 1000) {
    return [...this.runs.values()]
      .filter((r) => r.job === job)
      .sort((a, b) => (a.runId < b.runId ? 1 : -1))
      .slice(0, limit);
  }
  async putRun(run: StoredRunRecord) {
    if (this.runs.has(`${run.job}/${run.runId}`)) throw new Error('exists');
    this.runs.set(`${run.job}/${run.runId}`, run);
  }
  async updateRun(job: JobName, runId: string, changes: Partial<StoredRunRecord>) {
    const run = this.runs.get(`${job}/${runId}`);
    if (!run) throw new Error(`no run ${runId}`);
    this.runs.set(`${job}/${runId}`, { ...run, ...changes });
  }
  async getPointer(job: JobName) {
    return this.pointers.get(job);
  }
  async flipPointer(job: JobName, version: string, expectedRevision: number | undefined, now: Date) {
    const current = this.pointers.get(job);
    if (current?.revision !== expectedRevision) throw new PointerConflictError(job, expectedRevision);
    const next: ActivePointer = {
      job,
      runId: ACTIVE_POINTER_ID,
      activeVersion: version,
      previousVersion: current?.activeVersion,
      updatedAt: now.toISOString(),
      revision: (expectedRevision ?? 0) + 1,
    };
    this.pointers.set(job, next);
    return next;
  }
}

export class MemoryPublished implements PublishedStorePort {
  readonly items = new Map<string, PublishedItem>();
  readonly writes: Array<{ job: JobName; count: number }> = [];

  async write(job: JobName, items: readonly PublishedItem[]) {
    this.writes.push({ job, count: items.length });
    for (const item of items) {
      const key = 'itemId' in item ? item.itemId : item.scope;
      this.items.set(`${job}/${key}/${item.version}`, item);
    }
  }

  version(job: JobName, version: string): PublishedItem[] {
    return [...this.items.entries()]
      .filter(([k]) => k.startsWith(`${job}/`) && k.endsWith(`/${version}`))
      .map(([, v]) => v);
  }
}

export class MemoryResults implements ResultRowsReader {
  readonly files = new Map<string, Array<Record<string, unknown>>>();
  async readRows(prefix: string) {
    return this.files.get(prefix) ?? [];
  }
}

/** Stats of a healthy cf run with `rows` similarity rows. */
export function cfStats(
  overrides: Record<string, number | null> = {},
  windowTo = '2026-11-26T02:00:00.000Z',
) {
  return {
    input_events: 5000,
    input_users: 300,
    input_items: 200,
    window_max_received_ms: Date.parse(windowTo) - 60_000,
    state_users: 300,
    state_items: 200,
    output_rows: 4000,
    items_with_neighbours: 150,
    active_items: 200,
    null_ids: 0,
    self_neighbours: 0,
    min_score: 0.01,
    max_score: 1,
    ...overrides,
  };
}
