/**
 * Latency of the public API as clients see it through the local gateway (authorizer and integration
 * included), as percentiles over a sliding window: the local stand-in for API Gateway's Latency metric.
 * The gateway's `extraHandlers` hook runs first for every request, so observing there needs no change
 * to the gateway itself.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export type ApiGroup = 'ingest' | 'recommendations';

export interface LatencyPercentiles {
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  /** Answers with a 5xx status in the window. */
  readonly errors5xx: number;
}

export interface ApiLatencySnapshot {
  readonly windowSeconds: number;
  readonly groups: Partial<Record<ApiGroup, LatencyPercentiles>>;
}

const MAX_SAMPLES = 20_000;

export function apiGroupOf(path: string): ApiGroup | undefined {
  if (path.startsWith('/v1/users/') || path.startsWith('/v1/items/')) return 'recommendations';
  if (/^\/v1\/(events|batch|track|page|identify)$/.test(path)) return 'ingest';
  return undefined;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

export class ApiLatencyRecorder {
  private readonly samples: Array<{ at: number; group: ApiGroup; ms: number; status: number }> = [];

  constructor(
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Times the request if it is a public API call; never answers it. */
  observe(req: IncomingMessage, res: ServerResponse): void {
    const group = apiGroupOf((req.url ?? '/').split('?')[0] ?? '/');
    if (!group) return;
    const started = performance.now();
    res.once('finish', () => this.record(group, performance.now() - started, res.statusCode));
  }

  record(group: ApiGroup, ms: number, status: number): void {
    this.samples.push({ at: this.now(), group, ms, status });
    if (this.samples.length > MAX_SAMPLES) this.samples.splice(0, this.samples.length - MAX_SAMPLES);
  }

  snapshot(): ApiLatencySnapshot {
    const since = this.now() - this.windowMs;
    let first = 0;
    while (first < this.samples.length && (this.samples[first]?.at ?? 0) < since) first++;
    this.samples.splice(0, first);
    const groups: Partial<Record<ApiGroup, LatencyPercentiles>> = {};
    for (const group of ['ingest', 'recommendations'] as const) {
      const mine = this.samples.filter((s) => s.group === group);
      if (mine.length === 0) continue;
      const sorted = mine.map((s) => s.ms).sort((a, b) => a - b);
      const round = (v: number) => Math.round(v * 10) / 10;
      groups[group] = {
        count: mine.length,
        p50: round(percentile(sorted, 50)),
        p95: round(percentile(sorted, 95)),
        p99: round(percentile(sorted, 99)),
        errors5xx: mine.filter((s) => s.status >= 500).length,
      };
    }
    return { windowSeconds: this.windowMs / 1000, groups };
  }
}
