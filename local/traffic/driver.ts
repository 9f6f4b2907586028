/**
 * Live traffic for the local stack: posts the simulator's sessions to `POST /v1/events` at a steady rate,
 * so the dashboard, the stream consumer and the recommendation API have something to chew on.
 *
 * Events keep the simulator's order and identities but are stamped with the real time (`occurredAt` = now)
 * and a per-run eventId prefix: the simulator is deterministic, and the same ids on every `npm start` would be
 * dropped as duplicates by the idempotent pipeline. Batches are paced by a clock, never more than one request
 * is in flight, and a backlog (a slow server) is dropped rather than sent as a burst. Events the API asks to
 * resend (503 with `retry`) are resent first, with the same eventId, as a real client would.
 */
import type { SimEvent, TrafficSimulator } from './simulator';

export interface TrafficDriverStats {
  /** Events posted, resends included. */
  readonly sent: number;
  readonly accepted: number;
  readonly rejected: number;
  /** Requests that failed as a whole: network errors, 401/403, 5xx. */
  readonly failedRequests: number;
  readonly requests: number;
}

export interface TrafficBatchReport {
  readonly events: number;
  readonly status: number;
  readonly accepted: number;
  readonly rejected: number;
  readonly durationMs: number;
}

export interface TrafficDriverOptions {
  /** Where the API is served, e.g. `http://127.0.0.1:3000` (no trailing `/v1/events`). */
  readonly baseUrl: string;
  /** Segment-style write key, sent as `Authorization: Basic base64(writeKey + ':')`. */
  readonly writeKey: string;
  readonly simulator: TrafficSimulator;
  /** @default 20 */
  readonly eventsPerSecond?: number;
  /** Events per request, at most 500 (the ingest API's limit). @default 25 */
  readonly batchSize?: number;
  /** A partial batch is sent once its oldest event has waited this long. @default 1000 */
  readonly maxBatchDelayMs?: number;
  /** Prefix that makes this run's eventIds and orderIds unique. @default a base-36 timestamp */
  readonly runId?: string;
  /** Called for each failed request. @default logs to stderr, once per distinct message in a row */
  readonly onError?: (error: Error) => void;
  readonly onBatch?: (report: TrafficBatchReport) => void;
}

export interface TrafficDriver {
  /** Stops sending; resolves once the request in flight (if any) has finished. */
  stop(): Promise<void>;
  stats(): TrafficDriverStats;
}

/** Resends wait at most this many batches; beyond it the oldest are given up. */
const MAX_RETRY_BATCHES = 20;
/** A backlog beyond this many seconds of traffic is skipped, not sent in a burst. */
const MAX_BACKLOG_SECONDS = 2;
const MAX_BATCH_SIZE = 500;

interface IngestReply {
  accepted?: unknown;
  rejected?: unknown;
  retry?: unknown;
  message?: unknown;
}

export function startTrafficDriver(options: TrafficDriverOptions): TrafficDriver {
  const rate = options.eventsPerSecond ?? 20;
  const batchSize = options.batchSize ?? 25;
  const maxDelayMs = options.maxBatchDelayMs ?? 1000;
  if (!(rate > 0) || !Number.isFinite(rate)) throw new Error(`eventsPerSecond must be > 0, got ${rate}`);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
    throw new Error(`batchSize must be an integer within [1, ${MAX_BATCH_SIZE}], got ${batchSize}`);
  }
  const endpoint = `${options.baseUrl.replace(/\/+$/, '')}/v1/events`;
  const authorization = `Basic ${Buffer.from(`${options.writeKey}:`).toString('base64')}`;
  const runId = options.runId ?? Date.now().toString(36);
  const onBatch = options.onBatch;
  let lastLogged = '';
  const onError =
    options.onError ??
    ((error: Error) => {
      if (error.message === lastLogged) return;
      lastLogged = error.message;
      console.error(`[traffic-driver] ${error.message}`);
    });

  const stats = { sent: 0, accepted: 0, rejected: 0, failedRequests: 0, requests: 0 };
  const retryQueue: Record<string, unknown>[] = [];
  let failuresInARow = 0;
  let stopped = false;
  let wake: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      wake = resolve;
      timer = setTimeout(resolve, ms);
    });

  const live = (e: SimEvent, now: string): Record<string, unknown> => {
    const copy: Record<string, unknown> = { ...e, eventId: `${runId}-${e.eventId}`, occurredAt: now };
    if (e.type === 'purchase') copy.orderId = `${runId}-${e.orderId}`;
    return copy;
  };

  /** Posts one batch; returns how long to hold off before the next request (0 when it went fine). */
  const post = async (events: Record<string, unknown>[]): Promise<number> => {
    const started = performance.now();
    stats.sent += events.length;
    stats.requests++;
    let status = 0;
    let accepted = 0;
    let rejected = 0;
    let holdOffMs = 0;
    let failed = false;
    try {
      const response = await fetch(endpoint, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json' },
        body: JSON.stringify({ events }),
      });
      status = response.status;
      const text = await response.text();
      let reply: IngestReply = {};
      try {
        reply = JSON.parse(text) as IngestReply;
      } catch {
        // not JSON: the status alone decides
      }
      accepted = count(reply.accepted, status >= 200 && status < 300 ? events.length : 0);
      rejected = count(reply.rejected, status === 400 ? events.length - accepted : 0);
      if (status === 503 && Array.isArray(reply.retry)) {
        for (const entry of reply.retry as Array<{ index?: unknown } | null>) {
          const event = typeof entry?.index === 'number' ? events[entry.index] : undefined;
          if (event) retryQueue.push(event);
        }
        const limit = MAX_RETRY_BATCHES * batchSize;
        if (retryQueue.length > limit) retryQueue.splice(0, retryQueue.length - limit);
        const retryAfter = Number(response.headers.get('retry-after'));
        holdOffMs = Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter, 30) * 1000 : 1000;
      }
      if (status >= 500 || status === 401 || status === 403 || status === 404 || status === 413) {
        failed = true;
        const detail = typeof reply.message === 'string' ? reply.message : text.slice(0, 200);
        onError(new Error(`POST ${endpoint} answered ${status}: ${detail}`));
      }
    } catch (error) {
      failed = true;
      const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
      const message = cause instanceof Error ? cause.message : String(cause);
      onError(new Error(`POST ${endpoint} failed: ${message}`, { cause: error }));
    }
    stats.accepted += accepted;
    stats.rejected += rejected;
    onBatch?.({ events: events.length, status, accepted, rejected, durationMs: performance.now() - started });
    if (failed) {
      // Back off while the API is down or refuses the key, instead of hammering it at the full rate.
      stats.failedRequests++;
      failuresInARow++;
      return Math.max(holdOffMs, Math.min(250 * 2 ** (failuresInARow - 1), 5000));
    }
    failuresInARow = 0;
    return holdOffMs;
  };

  const loop = async (): Promise<void> => {
    let origin = performance.now();
    let produced = 0;
    let notBefore = origin;
    while (!stopped) {
      const now = performance.now();
      let due = Math.floor(((now - origin) * rate) / 1000) - produced;
      if (due > rate * MAX_BACKLOG_SECONDS + batchSize) {
        // The server (or the event loop) fell behind: skip the backlog instead of sending a burst.
        origin = now - ((produced + batchSize) * 1000) / rate;
        due = batchSize;
      }
      // A batch goes when it is full, or when its oldest event has waited maxBatchDelayMs.
      const fullAt = origin + ((produced + batchSize) * 1000) / rate;
      const flushAt = origin + ((produced + 1) * 1000) / rate + maxDelayMs;
      const ready =
        now >= notBefore && (retryQueue.length > 0 || due >= batchSize || (due > 0 && now >= flushAt));
      if (!ready) {
        await sleep(Math.max(1, notBefore - now, Math.min(fullAt, flushAt) - now));
        continue;
      }
      let batch: Record<string, unknown>[];
      if (retryQueue.length > 0) {
        batch = retryQueue.splice(0, batchSize);
      } else {
        const take = Math.min(due, batchSize);
        const stamp = new Date().toISOString();
        batch = options.simulator.generate(take).map((e) => live(e, stamp));
        produced += take;
      }
      const holdOffMs = await post(batch);
      notBefore = performance.now() + holdOffMs;
    }
  };

  const running = loop().catch((error: unknown) => {
    onError(error instanceof Error ? error : new Error(String(error)));
  });

  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      wake?.();
      await running;
    },
    stats: () => ({ ...stats }),
  };
}

function count(value: unknown, fallback: number): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (Array.isArray(value)) return value.length;
  return fallback;
}
