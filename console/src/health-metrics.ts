/**
 * Turns successive `/local/health` documents into chart points. Pure (no DOM), so jest tests it directly.
 *
 * The document is read defensively: the runtime's health shape grows as the other parts land
 * (local/health.ts `LocalHealth`; the older runtime shape with `eventSourceMappings` is read too), and a
 * figure the runtime does not report yet is `undefined` here, which the page shows as "not available yet".
 */

export interface HealthSample {
  /** Seconds since the epoch (uPlot's time unit). */
  readonly t: number;
  /** Events accepted / rejected by the ingest API per second, since the previous document. */
  readonly acceptedPerSec?: number;
  readonly rejectedPerSec?: number;
  /** Where accepted/rejected come from: the ingest API's own counters, or the traffic driver's view. */
  readonly ingestSource?: 'ingest' | 'traffic';
  /** Records the stream consumer processed per second (every event, whoever sent it). */
  readonly consumedPerSec?: number;
  /** Iterator age per consumer shard, in ms. */
  readonly lagMsByShard: Readonly<Record<string, number>>;
  /** Firehose-style freshness of the lake delivery, in ms (worst delivery stream). */
  readonly lakeFreshnessMs?: number;
  /** Canary: accepted -> visible in the profile / in the recommendation API, in ms. */
  readonly profileFreshnessMs?: number;
  readonly recommendationFreshnessMs?: number;
  readonly apiLatencyMs?: { readonly p50?: number; readonly p95?: number; readonly p99?: number };
  /** Messages waiting in the dead-letter queues; consumer records sent to on-failure destinations otherwise. */
  readonly dlqMessages?: number;
  readonly quarantineFiles?: number;
  readonly lakeFiles?: number;
  readonly lakeBytes?: number;
}

export interface Counters {
  readonly at: number;
  readonly accepted?: number;
  readonly rejected?: number;
  readonly consumed?: number;
}

type Json = Record<string, unknown>;

function obj(value: unknown): Json | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
}

function arr(value: unknown): Json[] {
  return Array.isArray(value) ? (value.map(obj).filter(Boolean) as Json[]) : [];
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function sum(values: ReadonlyArray<number | undefined>): number | undefined {
  const present = values.filter((v): v is number => v !== undefined);
  return present.length === 0 ? undefined : present.reduce((a, b) => a + b, 0);
}

function max(values: ReadonlyArray<number | undefined>): number | undefined {
  const present = values.filter((v): v is number => v !== undefined);
  return present.length === 0 ? undefined : Math.max(...present);
}

/** The health document's time, else the given clock. */
function timeOf(health: Json, fallbackMs: number): number {
  const at = typeof health.at === 'string' ? Date.parse(health.at) : Number.NaN;
  return Number.isFinite(at) ? at : fallbackMs;
}

/** The consumers (LocalHealth `consumers`, or the runtime's older `eventSourceMappings`). */
function consumers(health: Json): Json[] {
  return health.consumers !== undefined ? arr(health.consumers) : arr(health.eventSourceMappings);
}

export function countersOf(health: Json, nowMs: number): Counters {
  const ingest = obj(health.ingest);
  const traffic = obj(health.traffic);
  const source = ingest && num(ingest.accepted) !== undefined ? ingest : traffic;
  return {
    at: timeOf(health, nowMs),
    accepted: num(source?.accepted),
    rejected: num(source?.rejected),
    consumed: sum(consumers(health).map((c) => num(c.recordsDelivered))),
  };
}

function rate(now: number | undefined, before: number | undefined, seconds: number): number | undefined {
  if (now === undefined || before === undefined || !(seconds > 0)) return undefined;
  // A counter that went down was reset (runtime restarted): no rate for this step.
  return now >= before ? (now - before) / seconds : undefined;
}

/** One chart point from a health document and the counters of the previous one (rates need two). */
export function sampleOf(health: Json, previous: Counters | undefined, nowMs: number): HealthSample {
  const counters = countersOf(health, nowMs);
  const seconds = previous ? (counters.at - previous.at) / 1000 : 0;

  const lagMsByShard: Record<string, number> = {};
  for (const consumer of consumers(health)) {
    for (const shard of arr(consumer.shards)) {
      const id = typeof shard.shardId === 'string' ? shard.shardId : undefined;
      const lag = num(shard.iteratorAgeMs) ?? num(shard.millisBehindLatest);
      if (id !== undefined && lag !== undefined) lagMsByShard[id] = Math.max(lagMsByShard[id] ?? 0, lag);
    }
  }

  const deliveries = arr(health.lakeDelivery);
  const lake = obj(health.lake);
  const canary = obj(health.canary);
  const api = obj(health.api);
  const latency = obj(api?.latencyMs) ?? obj(api?.latency);
  const dlqs = health.deadLetterQueues !== undefined ? arr(health.deadLetterQueues) : undefined;

  return {
    t: counters.at / 1000,
    acceptedPerSec: rate(counters.accepted, previous?.accepted, seconds),
    rejectedPerSec: rate(counters.rejected, previous?.rejected, seconds),
    ingestSource: counters.accepted === undefined ? undefined : obj(health.ingest) ? 'ingest' : 'traffic',
    consumedPerSec: rate(counters.consumed, previous?.consumed, seconds),
    lagMsByShard,
    lakeFreshnessMs: max(deliveries.map((d) => num(d.freshnessMs))),
    profileFreshnessMs: num(canary?.profileVisibleMs),
    recommendationFreshnessMs: num(canary?.recommendationVisibleMs),
    apiLatencyMs: latency
      ? { p50: num(latency.p50), p95: num(latency.p95), p99: num(latency.p99) }
      : undefined,
    dlqMessages: dlqs
      ? (sum(dlqs.map((q) => num(q.messages))) ?? 0)
      : sum(consumers(health).map((c) => num(c.recordsSentToOnFailure))),
    quarantineFiles: num(obj(health.quarantine)?.files),
    lakeFiles: num(lake?.files) ?? sum(deliveries.map((d) => num(d.files))),
    lakeBytes: num(lake?.bytes) ?? sum(deliveries.map((d) => num(d.bytes))),
  };
}

/** A batch job as the jobs panel shows it, from LocalHealth `jobs` (array) or an object keyed by job. */
export interface JobView {
  readonly job: string;
  readonly running?: boolean;
  readonly lastStatus?: string;
  readonly lastRunAt?: string;
  readonly lastSuccessAgeMs?: number;
  readonly failures?: number;
  readonly activeVersion?: string;
  readonly previousVersion?: string;
  readonly runs: readonly RunView[];
}

export interface RunView {
  readonly runId: string;
  readonly status?: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly error?: string;
  readonly checks: ReadonlyArray<{
    readonly name: string;
    readonly passed: boolean;
    readonly value?: unknown;
    readonly threshold?: string;
    readonly message?: string;
  }>;
}

export function jobsOf(health: Json): JobView[] | undefined {
  const raw = health.jobs;
  if (raw === undefined) return undefined;
  const list: Json[] = Array.isArray(raw)
    ? arr(raw)
    : Object.entries(obj(raw) ?? {})
        // The runner's snapshot keys jobs by name next to its `schedule`.
        .filter(([key]) => key !== 'schedule')
        .map(([job, v]): Json => ({ job, ...(obj(v) ?? {}) }));
  return list.map((j) => {
    const active = obj(j.active) ?? obj(j.activePointer);
    const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
    const lastRun = obj(j.lastRun);
    return {
      job: str(j.job) ?? '(unnamed)',
      running: j.running === true,
      lastStatus: str(j.lastStatus) ?? str(lastRun?.status),
      lastRunAt: str(j.lastRunAt) ?? str(lastRun?.finishedAt),
      lastSuccessAgeMs: num(j.lastSuccessAgeMs),
      failures: num(j.failures) ?? sum([num(j.rejected), num(j.failed)]),
      activeVersion: str(j.activeVersion) ?? str(active?.activeVersion),
      previousVersion: str(j.previousVersion) ?? str(active?.previousVersion),
      runs: arr(j.runs).map((r) => ({
        runId: str(r.runId) ?? '?',
        status: str(r.status),
        startedAt: str(r.startedAt),
        finishedAt: str(r.finishedAt),
        error: str(r.error),
        checks: arr(r.checks).map((c) => ({
          name: str(c.name) ?? '?',
          passed: c.passed === true,
          value: c.value,
          threshold: str(c.threshold),
          message: str(c.message),
        })),
      })),
    };
  });
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}
