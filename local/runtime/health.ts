/**
 * The local runtime's health document (`GET /local/health`): the same figures the CloudWatch
 * dashboard shows in AWS (lag, freshness, errors, DLQ depth, lake size, job runs), in one stable
 * JSON shape the local console draws. Times are epoch-free: ages and durations in milliseconds.
 * Fields a part of the system does not have yet (e.g. no batch jobs) are empty arrays or undefined.
 */

import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { FAILED_BATCH_KEY_PREFIX } from '../../lambdas/shared/failed-batch';
import { EVENTS_PREFIX, QUARANTINE_PREFIX } from '../../lambdas/shared/lake-layout';
import type { JobSnapshot } from '../jobs/runner';
import type { DeliveryStats } from '../lake/delivery';
import type { PollerStats } from '../stream/esm-poller';
import { dlqLedgerKey } from '../tools/dlq-replay';

/** Version of the shape below; bumped on any incompatible change. */
export const LOCAL_HEALTH_VERSION = 1;

export interface LocalHealth {
  readonly version: typeof LOCAL_HEALTH_VERSION;
  /** ISO time the document was computed. */
  readonly at: string;
  /** Process uptime of the runtime in ms. */
  readonly uptimeMs: number;
  /** Lambda invocations per function logical id (as the function host counts them). */
  readonly invocations: Readonly<Record<string, number>>;
  /** One entry per Kinesis event source mapping (the consumer): lag per shard and error counts. */
  readonly consumers: readonly ConsumerHealth[];
  /** One entry per Firehose delivery stream (stream -> lake). */
  readonly lakeDelivery: readonly LakeDeliveryHealth[];
  /**
   * Dead-letter queues and on-failure destinations: messages waiting (the DLQ-not-empty alarm); a failed
   * batch not yet replayed counts as one.
   */
  readonly deadLetterQueues: readonly QueueHealth[];
  /** Rejected events kept in the lake bucket under quarantine/. */
  readonly quarantine: QuarantineHealth;
  /** Parquet files of the events table. */
  readonly lake: LakeFilesHealth;
  /** End-to-end freshness measured by the canary (undefined until the first canary run). */
  readonly canary?: CanaryHealth;
  /** Batch job runs (empty until the batch jobs exist locally). */
  readonly jobs: readonly JobHealth[];
  /**
   * The attribution metrics job (`jobs run attribution --local`): its last run and the newest published
   * points (what CloudWatch holds in AWS), also appended to `<dataDir>/metrics/attribution.jsonl`.
   */
  readonly attribution?: unknown;
  /** Simulated traffic driver statistics, when it runs. */
  readonly traffic?: unknown;
}

export interface ShardLag {
  readonly shardId: string;
  /** GetRecords MillisBehindLatest: the local IteratorAgeMilliseconds. */
  readonly iteratorAgeMs: number;
  readonly recordsRead: number;
}

export interface ConsumerHealth {
  readonly mapping: string;
  /** Maximum iterator age over the shards (what the iterator-age alarm watches). */
  readonly maxIteratorAgeMs: number;
  readonly shards: readonly ShardLag[];
  readonly invocations: number;
  readonly functionErrors: number;
  /** Batches that reported batchItemFailures. */
  readonly partialFailures: number;
  readonly retries: number;
  readonly bisections: number;
  readonly recordsDelivered: number;
  readonly recordsSentToOnFailure: number;
}

export interface LakeDeliveryHealth {
  readonly deliveryStream: string;
  /** Firehose DeliveryToS3.DataFreshness: age of the oldest record not yet in the lake. */
  readonly freshnessMs: number;
  readonly bufferIntervalSeconds: number;
  readonly templateBufferIntervalSeconds: number;
  readonly maxIteratorAgeMs: number;
  readonly shards: readonly ShardLag[];
  readonly recordsDelivered: number;
  readonly recordsFailed: number;
  readonly deliveries: number;
  readonly errors: number;
  readonly lastError?: string;
  readonly lastDeliveryAt?: string;
  readonly bufferedRecords: number;
}

export interface QueueHealth {
  readonly queue: string;
  readonly messages: number;
}

export interface QuarantineHealth {
  readonly files: number;
  readonly bytes: number;
  /** Files per reason code (the reason=… partition). */
  readonly byReason: Readonly<Record<string, number>>;
}

export interface LakeFilesHealth {
  readonly files: number;
  readonly bytes: number;
  readonly partitions: number;
}

export interface CanaryHealth {
  readonly lastRunAt: string;
  /** Ingest API accepted -> visible in the profile. */
  readonly profileVisibleMs?: number;
  /** Ingest API accepted -> visible in the recommendation API (when it exists). */
  readonly recommendationVisibleMs?: number;
  /** Why the recommendation API was not measured, e.g. nothing published yet (not a failure). */
  readonly recommendationSkipped?: string;
  /** The item the canary event viewed. */
  readonly itemId?: string;
  readonly ok: boolean;
  readonly error?: string;
}

/**
 * A job's health: the runner's counters (`rejected`: runs the validation gate rejected, nothing published), with
 * its last run reduced to a status, a time and an age.
 */
export interface JobHealth extends Omit<JobSnapshot, 'lastRun'> {
  readonly job: string;
  readonly lastStatus?: string;
  /** ISO time the last run finished. */
  readonly lastRunAt?: string;
  /** Age of the active (last published) version, from its run id: what the staleness alarm watches. */
  readonly lastSuccessAgeMs?: number;
}

/** What health reads of the local job runner's snapshot, per job. */
export type JobSnapshotLike = Omit<JobSnapshot, 'lastRun'> & {
  readonly lastRun?: Pick<NonNullable<JobSnapshot['lastRun']>, 'status' | 'finishedAt'>;
};

/** Run ids start with `yyyy-mm-ddTHH-MM-SSZ` (lambdas/shared/published.ts); undefined when not. */
export function runIdTime(runId: string | undefined): number | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})Z/.exec(runId ?? '');
  return m ? Date.parse(`${m[1]}T${m[2]}:${m[3]}:${m[4]}Z`) : undefined;
}

export function jobHealth(snapshot: Readonly<Record<string, JobSnapshotLike>>, now: number): JobHealth[] {
  return Object.entries(snapshot).map(([job, s]) => {
    const activeAt = runIdTime(s.activeVersion);
    return {
      job,
      running: s.running,
      runs: s.runs,
      published: s.published,
      rejected: s.rejected,
      failed: s.failed,
      activeVersion: s.activeVersion,
      lastStatus: s.lastRun?.status,
      lastRunAt: s.lastRun?.finishedAt,
      lastSuccessAgeMs: activeAt === undefined ? undefined : now - activeAt,
    };
  });
}

export interface HealthSources {
  readonly startedAt: number;
  readonly invocations: ReadonlyMap<string, number>;
  readonly consumers: readonly { mapping: string; stats: PollerStats }[];
  readonly deliveries: readonly DeliveryStats[];
  /** The dead-letter queues' ApproximateNumberOfMessages (read through SQS by the runtime), by name. */
  readonly queues: readonly QueueHealth[];
  /** Local folders of S3 on-failure destinations (failed batches), by bucket name. */
  readonly failedBatches?: readonly { name: string; dir: string }[];
  /** `<dataDir>/lake` (the lake bucket's folder); undefined when the app has no lake. */
  readonly lakeDir?: string;
  readonly quarantinePrefix?: string;
  readonly eventsPrefix?: string;
  readonly canary?: CanaryHealth;
  readonly jobs?: Readonly<Record<string, JobSnapshotLike>>;
  readonly attribution?: unknown;
  readonly traffic?: unknown;
  readonly now?: number;
}

/** Computes the health document from the runtime's parts. Cheap enough to call once a second. */
export function computeHealth(sources: HealthSources): LocalHealth {
  const now = sources.now ?? Date.now();
  return {
    version: LOCAL_HEALTH_VERSION,
    at: new Date(now).toISOString(),
    uptimeMs: now - sources.startedAt,
    invocations: Object.fromEntries(sources.invocations),
    consumers: sources.consumers.map(({ mapping, stats }) => {
      const shards = stats.shards.map(shardLag);
      return {
        mapping,
        maxIteratorAgeMs: maxLag(shards),
        shards,
        invocations: stats.invocations,
        functionErrors: stats.functionErrors,
        partialFailures: stats.partialFailures,
        retries: stats.retries,
        bisections: stats.bisections,
        recordsDelivered: stats.recordsDelivered,
        recordsSentToOnFailure: stats.recordsSentToOnFailure,
      };
    }),
    lakeDelivery: sources.deliveries.map((d) => {
      const shards = d.shards.map(shardLag);
      return {
        deliveryStream: d.deliveryStream,
        freshnessMs: d.freshnessMs,
        bufferIntervalSeconds: d.bufferIntervalSeconds,
        templateBufferIntervalSeconds: d.templateBufferIntervalSeconds,
        maxIteratorAgeMs: maxLag(shards),
        shards,
        recordsDelivered: d.recordsDelivered,
        recordsFailed: d.recordsFailed,
        deliveries: d.deliveries,
        errors: d.errors,
        lastError: d.lastError,
        lastDeliveryAt: d.lastDeliveryAt,
        bufferedRecords: d.bufferedRecords,
      };
    }),
    deadLetterQueues: [
      ...sources.queues,
      // A failed batch waiting for `dlq replay` counts as one message, as in an SQS destination.
      ...(sources.failedBatches ?? []).map((b) => ({
        queue: b.name,
        messages: countUnreplayedBatches(b.dir),
      })),
    ],
    quarantine: quarantineHealth(sources.lakeDir, sources.quarantinePrefix ?? QUARANTINE_PREFIX),
    lake: lakeFilesHealth(sources.lakeDir, sources.eventsPrefix ?? EVENTS_PREFIX),
    canary: sources.canary,
    jobs: sources.jobs ? jobHealth(sources.jobs, now) : [],
    ...(sources.attribution !== undefined ? { attribution: sources.attribution } : {}),
    traffic: sources.traffic,
  };
}

function shardLag(s: { shardId: string; millisBehindLatest: number; recordsRead: number }): ShardLag {
  return { shardId: s.shardId, iteratorAgeMs: s.millisBehindLatest, recordsRead: s.recordsRead };
}

function maxLag(shards: readonly ShardLag[]): number {
  return Math.max(0, ...shards.map((s) => s.iteratorAgeMs));
}

/** Failed-batch objects in a bucket folder that `dlq replay` has no ledger for yet. */
export function countUnreplayedBatches(bucketDir: string): number {
  let count = 0;
  for (const file of walk(join(bucketDir, FAILED_BATCH_KEY_PREFIX))) {
    const key = relative(bucketDir, file.path).split(sep).join('/');
    if (!existsSync(join(bucketDir, ...dlqLedgerKey(key).split('/')))) count++;
  }
  return count;
}

function quarantineHealth(lakeDir: string | undefined, prefix: string): QuarantineHealth {
  const byReason: Record<string, number> = {};
  let files = 0;
  let bytes = 0;
  if (lakeDir) {
    for (const file of walk(join(lakeDir, prefix))) {
      files++;
      bytes += file.size;
      const reason = /(?:^|\/)reason=([^/]+)\//.exec(file.path)?.[1] ?? 'unknown';
      byReason[reason] = (byReason[reason] ?? 0) + 1;
    }
  }
  return { files, bytes, byReason };
}

function lakeFilesHealth(lakeDir: string | undefined, prefix: string): LakeFilesHealth {
  let files = 0;
  let bytes = 0;
  const partitions = new Set<string>();
  if (lakeDir) {
    for (const file of walk(join(lakeDir, prefix))) {
      if (!file.path.endsWith('.parquet')) continue;
      files++;
      bytes += file.size;
      partitions.add(file.path.slice(0, file.path.lastIndexOf('/')));
    }
  }
  return { files, bytes, partitions: partitions.size };
}

function* walk(dir: string): Generator<{ path: string; size: number }> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else if (entry.isFile()) yield { path, size: statSync(path).size };
  }
}
