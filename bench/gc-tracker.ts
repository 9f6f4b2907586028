/**
 * The garbage collections during a timed loop, from Node's `gc` performance entries, and which timed calls
 * they overlapped: so a latency tail can be attributed to the collector, measured, not guessed.
 */
import {
  constants,
  type NodeGCPerformanceDetail,
  type PerformanceEntry,
  PerformanceObserver,
} from 'node:perf_hooks';
import { type Summary, summarize } from './stats';

export interface Collection {
  /** performance.now() time base, ms. */
  readonly start: number;
  readonly durationMs: number;
  readonly young: boolean;
}

/** A timed call: its start and end, performance.now() time base, ms. */
export interface TimedCall {
  readonly start: number;
  readonly end: number;
}

export interface GcReport {
  /** Young-generation collections (scavenges), and their total pause. */
  readonly young: number;
  readonly youngMs: number;
  /** Every other kind (mark-compact, incremental marking steps, weak callbacks). */
  readonly other: number;
  readonly otherMs: number;
  /** Timed calls during which a collection ran. */
  readonly callsWithCollection: number;
  /** Wall time of the calls no collection overlapped. */
  readonly withoutCollection: Summary;
}

/** Starts recording collections; `stop` returns those since, once Node has delivered them. */
export function trackCollections(): { stop(): Promise<Collection[]> } {
  const seen: Collection[] = [];
  const record = (entries: readonly PerformanceEntry[]) => {
    for (const entry of entries) {
      // A gc entry's `detail` (its kind) is not on the PerformanceEntry type; its JSON form carries it.
      const { detail } = entry.toJSON() as { detail?: NodeGCPerformanceDetail };
      seen.push({
        start: entry.startTime,
        durationMs: entry.duration,
        young: detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR,
      });
    }
  };
  const observer = new PerformanceObserver((list) => record(list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  return {
    async stop() {
      // Node queues gc entries after the collection; let the queue drain before the last records are read.
      await new Promise((resolve) => setImmediate(resolve));
      record(observer.takeRecords());
      observer.disconnect();
      return seen;
    },
  };
}

/** What the collections did to the timed calls. */
export function gcReport(
  calls: readonly TimedCall[],
  collections: readonly Collection[],
  digits = 3,
): GcReport {
  const overlaps = (call: TimedCall) =>
    collections.some((c) => c.start < call.end && c.start + c.durationMs > call.start);
  const untouched = calls.filter((call) => !overlaps(call)).map((call) => call.end - call.start);
  const sum = (list: readonly Collection[]) =>
    Math.round(list.reduce((total, c) => total + c.durationMs, 0) * 100) / 100;
  const young = collections.filter((c) => c.young);
  const other = collections.filter((c) => !c.young);
  return {
    young: young.length,
    youngMs: sum(young),
    other: other.length,
    otherMs: sum(other),
    callsWithCollection: calls.length - untouched.length,
    withoutCollection: summarize(untouched, digits),
  };
}
