/**
 * Impressions that are not lost when the stream is slow, without making the response wait for it.
 *
 * Lambda freezes an execution environment when the handler returns and thaws it for the next invocation;
 * a promise still pending then simply resumes (the Lambda guide, "execution environment lifecycle"). So a put
 * is never abandoned at the bound: the response waits for it at most `boundMs`, and a put that takes longer
 * stays pending here, with the SDK's own retries, and is awaited again, within the same bound, at the end of
 * every later invocation of this environment (`settle`). A put that fails for good goes to the dead-letter
 * queue with its reason (impression-dead-letter.ts); if even the queue refuses it, the whole letter is in
 * the error log. What can still be lost: a put pending when Lambda reclaims the environment (it never runs
 * again); `ImpressionsPendingAtResponse` counts the responses that left one pending, the exposure to that.
 *
 * Too many pending puts (a stream that stopped answering) would grow memory and the exposure: above
 * `maxPending`, an invocation waits, without the bound, until enough of them finished.
 *
 * No AWS imports: the sink (Kinesis), the dead letters (SQS) and the timer are passed in.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { RecommendationImpressionEvent } from '../shared/events/schema';
import { type ImpressionSink, impressionRecord } from './impression';
import {
  IMPRESSION_PUT_FAILED,
  type ImpressionDeadLetter,
  type ImpressionDeadLetters,
} from './impression-dead-letter';

export type ImpressionMetricName =
  | 'ImpressionsPublished'
  | 'ImpressionsPublishedLate'
  | 'ImpressionsPendingAtResponse'
  | 'ImpressionPublishFailures'
  | 'ImpressionsDeadLettered'
  | 'ImpressionDeadLetterFailures';

export interface ImpressionPublisherOptions {
  readonly sink: ImpressionSink;
  readonly deadLetters: ImpressionDeadLetters;
  /** How long a response waits for its impression (and the environment's other pending puts). */
  readonly boundMs: number;
  /** Pending puts above which an invocation waits for them without the bound. @default 200 */
  readonly maxPending?: number;
  /** Resolves after `ms` or when `signal` aborts; injected so tests drive the bound. @default node:timers */
  readonly wait?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** @default () => new Date() */
  readonly clock?: () => Date;
  readonly count: (name: ImpressionMetricName, value: number) => void;
  readonly log: {
    warn(message: string, extra: Record<string, unknown>): void;
    error(message: string, extra: Record<string, unknown>): void;
  };
}

interface PendingPut {
  done: Promise<void>;
  /** Set once a response returned without waiting for it to finish. */
  late: boolean;
}

export class ImpressionPublisher {
  private readonly pending = new Set<PendingPut>();
  private readonly maxPending: number;
  private readonly wait: (ms: number, signal: AbortSignal) => Promise<void>;
  private readonly clock: () => Date;

  constructor(private readonly options: ImpressionPublisherOptions) {
    if (!(options.boundMs > 0)) throw new Error(`boundMs must be positive, got ${options.boundMs}`);
    this.maxPending = options.maxPending ?? 200;
    if (!(this.maxPending >= 1)) throw new Error(`maxPending must be at least 1, got ${this.maxPending}`);
    this.wait = options.wait ?? defaultWait;
    this.clock = options.clock ?? (() => new Date());
  }

  /** Puts currently in flight in this execution environment. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Starts the put of one impression; it completes (or is dead-lettered) whether or not anyone awaits it. */
  publish(event: RecommendationImpressionEvent): void {
    const put: PendingPut = { done: Promise.resolve(), late: false };
    put.done = this.deliver(event, put).finally(() => this.pending.delete(put));
    this.pending.add(put);
  }

  /**
   * Waits until every pending put of this environment finished, or `boundMs` passed; then, if more than
   * `maxPending` are still pending, until no more than that are. Never rejects. Returns how many remain.
   */
  async settle(): Promise<number> {
    if (this.pending.size > 0) {
      const timer = new AbortController();
      const all = Promise.all([...this.pending].map((p) => p.done));
      await Promise.race([all, this.wait(this.options.boundMs, timer.signal)]);
      timer.abort();
    }
    while (this.pending.size > this.maxPending) {
      this.options.log.warn('impression puts backing up: waiting for them beyond the bound', {
        pending: this.pending.size,
        maxPending: this.maxPending,
      });
      await Promise.race([...this.pending].map((p) => p.done));
    }
    const remaining = this.pending.size;
    for (const put of this.pending) {
      if (!put.late) this.options.count('ImpressionsPendingAtResponse', 1);
      put.late = true;
    }
    return remaining;
  }

  private async deliver(event: RecommendationImpressionEvent, put: PendingPut): Promise<void> {
    const record = impressionRecord(event);
    try {
      await this.options.sink.send(record);
      this.options.count('ImpressionsPublished', 1);
      if (put.late) this.options.count('ImpressionsPublishedLate', 1);
      return;
    } catch (error) {
      this.options.count('ImpressionPublishFailures', 1);
      const letter: ImpressionDeadLetter = {
        reason: IMPRESSION_PUT_FAILED,
        error: describe(error),
        recommendationId: event.recommendationId,
        partitionKey: record.partitionKey,
        event,
        deadLetteredAt: this.clock().toISOString(),
      };
      this.options.log.warn('impression put failed; sending it to the dead-letter queue', {
        recommendationId: event.recommendationId,
        error: letter.error,
      });
      try {
        await this.options.deadLetters.sendAll([letter]);
        this.options.count('ImpressionsDeadLettered', 1);
      } catch (queueError) {
        // The last place the impression is kept: the whole letter, in the function's log.
        this.options.count('ImpressionDeadLetterFailures', 1);
        this.options.log.error('impression lost by the stream and the dead-letter queue', {
          letter,
          queueError: describe(queueError),
        });
      }
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

async function defaultWait(ms: number, signal: AbortSignal): Promise<void> {
  await delay(ms, undefined, { signal }).catch(() => undefined);
}
