/**
 * A client of `POST /v1/events` that behaves as the API asks and records what the API accepted:
 *
 * - 200 / 400: done; the eventIds in the answer are accepted.
 * - 503 with `retry`: the eventIds in the answer are accepted; the listed events are resent (same eventId).
 * - no answer (connection refused or reset: the runtime was killed) or another 5xx: the whole request is
 *   resent, with the same eventIds, once the runtime is available again.
 *
 * Accepted = the distinct eventIds of every answer, which is what the three-way count compares with.
 */
import type { RuntimeInfo } from './protocol';

const MAX_ATTEMPTS = 30;

export interface IngestClientStats {
  readonly requests: number;
  /** Requests that resent events (after a 503, a 5xx or a lost answer). */
  readonly resends: number;
  readonly lostAnswers: number;
  readonly statuses: Readonly<Record<string, number>>;
}

export interface RawAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

export class RecordingIngestClient {
  readonly accepted = new Set<string>();
  /** How many requests carried each eventId (resends included). */
  readonly sendCounts = new Map<string, number>();
  private readonly counters = { requests: 0, resends: 0, lostAnswers: 0 };
  private readonly statuses: Record<string, number> = {};

  constructor(private readonly available: () => Promise<RuntimeInfo>) {}

  stats(): IngestClientStats {
    return { ...this.counters, statuses: { ...this.statuses } };
  }

  /** Sends `events` in requests of `batchSize`, one request at a time; `beforeBatch` runs before each. */
  async sendAll(
    events: readonly Record<string, unknown>[],
    batchSize: number,
    beforeBatch?: (index: number) => Promise<void>,
  ): Promise<void> {
    for (let start = 0, index = 0; start < events.length; start += batchSize, index++) {
      await beforeBatch?.(index);
      await this.send(events.slice(start, start + batchSize));
    }
  }

  /** One request, resent as the API asks until every event is stored or rejected. */
  async send(events: readonly Record<string, unknown>[]): Promise<void> {
    let pending = events;
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > MAX_ATTEMPTS)
        throw new Error(`${pending.length} events still not stored after ${MAX_ATTEMPTS} attempts`);
      if (attempt > 1) this.counters.resends++;
      for (const event of pending) {
        const eventId = String(event.eventId);
        this.sendCounts.set(eventId, (this.sendCounts.get(eventId) ?? 0) + 1);
      }
      const answer = await this.post('/v1/events', JSON.stringify({ events: pending }));
      if (answer === undefined) continue;
      this.record(answer);
      if (answer.status === 503 && Array.isArray(answer.body.retry)) {
        const retry = new Set((answer.body.retry as Array<{ index: number }>).map((r) => r.index));
        pending = pending.filter((_, i) => retry.has(i));
      } else if (answer.status < 500) {
        pending = [];
      }
    }
  }

  /** Posts a body as is (e.g. one that is not JSON); undefined when no answer came. */
  async postRaw(path: string, body: string): Promise<RawAnswer | undefined> {
    const answer = await this.post(path, body);
    if (answer) this.record(answer);
    return answer;
  }

  private async post(path: string, body: string): Promise<RawAnswer | undefined> {
    const runtime = await this.available();
    this.counters.requests++;
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${runtime.apiUrl}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Basic ${Buffer.from(`${runtime.writeKey}:`).toString('base64')}`,
        },
        body,
      });
      text = await response.text();
    } catch {
      // The runtime went away mid-request: whether the events were stored is unknown, so they are resent.
      this.counters.lostAnswers++;
      return undefined;
    }
    this.statuses[response.status] = (this.statuses[response.status] ?? 0) + 1;
    let parsed: Record<string, unknown> = {};
    try {
      parsed = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // not JSON: the status alone decides
    }
    return { status: response.status, body: parsed };
  }

  private record(answer: RawAnswer): void {
    if (!Array.isArray(answer.body.eventIds)) return;
    for (const eventId of answer.body.eventIds) this.accepted.add(String(eventId));
  }
}
