/**
 * Benchmark traffic: the simulator's default shape (1,000 users, 2,000 items, 20 categories),
 * generated in chunks and normalised into canonical events the way the ingest API does, before
 * any timing starts.
 */
import type { StreamRecord } from '../lambdas/consumer/feature-updater';
import { type CanonicalEvent, normalizeEvent } from '../lambdas/shared/events';
import { type SimEvent, TrafficSimulator } from '../local/traffic/simulator';
import { records } from '../test/support/events';

export const SHARD_ID = 'shardId-000000000000';
/** Fixed simulated clock start, so hourly item buckets are the same on every run. */
export const SIM_START = Date.UTC(2026, 10, 26, 8);
const CHUNK = 10_000;

/** `count` simulator events (default traffic shape), generated in chunks of 10,000. */
export function simEvents(count: number, seed: number): SimEvent[] {
  const simulator = new TrafficSimulator({ seed, startTime: SIM_START });
  const out: SimEvent[] = [];
  for (let done = 0; done < count; done += CHUNK) {
    for (const e of simulator.generate(Math.min(CHUNK, count - done))) out.push(e);
  }
  return out;
}

export function canonicalEvents(count: number, seed: number): CanonicalEvent[] {
  const receivedAt = new Date(SIM_START + 7 * 24 * 3600 * 1000);
  return simEvents(count, seed).map((input) => {
    const result = normalizeEvent(input, { receivedAt });
    if (!result.ok) throw new Error(`simulator produced an invalid event: ${result.rejection.message}`);
    return result.event;
  });
}

/** Kinesis-like batches of one shard: batch-local indexes, sequence numbers increasing across batches. */
export function streamBatches(events: readonly CanonicalEvent[], batchSize: number): StreamRecord[][] {
  const batches: StreamRecord[][] = [];
  for (let start = 0; start < events.length; start += batchSize) {
    batches.push(records(events.slice(start, start + batchSize), SHARD_ID, start + 1));
  }
  return batches;
}

export function countByType(events: readonly { type: string }[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of events) out[e.type] = (out[e.type] ?? 0) + 1;
  return out;
}
