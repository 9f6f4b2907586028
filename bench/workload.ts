/**
 * Benchmark traffic: the simulator's default shape (1,000 users, 2,000 items, 20 categories),
 * generated in chunks and normalised into canonical events the way the ingest API does, before
 * any timing starts.
 */
import type { StreamRecord } from '../lambdas/consumer/feature-updater';
import { type CanonicalEvent, CanonicalEventSchema, normalizeEvent } from '../lambdas/shared/events';
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

/** Items in one recommendation response (the API's default list length). */
export const ITEMS_PER_RESPONSE = 10;

/**
 * The traffic with the recommendation API's impressions: after every `every`-th event, one impression
 * (a response of ITEMS_PER_RESPONSE items) for that event's user at the same time, as the API puts on the
 * stream. The items are drawn (seeded) from the last 200 distinct items the traffic viewed: recommended
 * lists lean to what is being browsed; the exact choice matters little, the catalogue is 2,000 items.
 */
export function withImpressions(
  events: readonly CanonicalEvent[],
  every: number,
  seed: number,
): CanonicalEvent[] {
  let state = seed >>> 0 || 1;
  const random = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const recent: string[] = [];
  const out: CanonicalEvent[] = [];
  events.forEach((event, i) => {
    out.push(event);
    if (event.type === 'product_view') {
      const at = recent.indexOf(event.itemId);
      if (at >= 0) recent.splice(at, 1);
      recent.push(event.itemId);
      if (recent.length > 200) recent.shift();
    }
    if ((i + 1) % every !== 0 || recent.length < ITEMS_PER_RESPONSE) return;
    const itemIds = new Set<string>();
    while (itemIds.size < ITEMS_PER_RESPONSE)
      itemIds.add(recent[Math.floor(random() * recent.length)] as string);
    const { userId, anonymousId, occurredAt, receivedAt } = event;
    out.push(
      CanonicalEventSchema.parse({
        schemaVersion: 1,
        eventId: `bench-impression-${i}`,
        type: 'recommendation_impression',
        ...(userId !== undefined ? { userId } : {}),
        ...(anonymousId !== undefined ? { anonymousId } : {}),
        occurredAt,
        receivedAt,
        recommendationId: `bench-rec-${i}`,
        itemIds: [...itemIds],
        variant: 'control',
        placement: 'for-you',
      }),
    );
  });
  return out;
}
