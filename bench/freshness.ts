/**
 * End-to-end freshness on the local runtime: while the traffic driver posts simulated traffic in the
 * background, ~100 probe events (a product_view each, for distinct fresh userIds, ~100 ms apart) go
 * through POST /v1/events; for each, the time from its HTTP 200 to its profile being readable in the
 * Profiles table. Pending probes are polled together, one BatchGetItem on the Profiles table every
 * POLL_MS (one request per tick however many probes are in flight, so the measurement does not load
 * the in-process DynamoDB emulator it measures).
 */
import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import type { LocalRuntime } from '../local/runtime/runtime';
import { startTrafficDriver } from '../local/traffic/driver';
import { TrafficSimulator } from '../local/traffic/simulator';
import { table } from './markdown';
import { postEvents, runConcurrently, sleep, waitForDrain } from './runtime-util';
import { round, summarize } from './stats';
import type { Benchmark } from './types';

const PROBES = 100;
const SPACING_MS = 100;
const POLL_MS = 15;
const BACKGROUND_RATE = 20;
const SETTLE_MS = 5_000;
const PROBE_TIMEOUT_MS = 30_000;
const TARGET_P95_MS = 2_000;
/** Warm-up requests before the probes, at the local runtime's per-function concurrency. */
const WARM_UP_REQUESTS = 8;
const INGEST_CONCURRENCY = 4;

interface Probe {
  readonly userId: string;
  okAt?: number;
  visibleAt?: number;
  status?: number;
  requestMs?: number;
}

export const freshnessBenchmark: Benchmark = {
  name: 'freshness',
  title: 'End-to-end freshness (HTTP 200 → profile readable in DynamoDB)',
  async run({ log, runtime: getRuntime }) {
    const runtime = await getRuntime();
    // The mapping of the function that writes profiles (the first mapping, as long as there is one).
    const mappings = runtime.topology.eventSourceMappings;
    const mapping =
      mappings.find((m) => runtime.topology.functions.get(m.functionId)?.environment.PROFILES_TABLE_NAME) ??
      mappings[0];
    if (!mapping) throw new Error('the topology has no event source mapping');
    const profilesTable = runtime.tableName('Profiles');
    await waitForDrain(runtime);

    const driver = startTrafficDriver({
      baseUrl: runtime.apiUrl,
      writeKey: runtime.writeKey,
      simulator: new TrafficSimulator({ seed: 7 }),
      eventsPerSecond: BACKGROUND_RATE,
      runId: `fresh-${Date.now().toString(36)}`,
      onError: (error) => log(`freshness: traffic driver: ${error.message}`),
    });
    let probes: Probe[] = [];
    let pollerDone = false;
    try {
      const runId = Date.now().toString(36);
      // Warm every ingest execution environment (the probes overlap), so no probe waits for a cold start.
      log(`freshness: background traffic at ${BACKGROUND_RATE} events/s; warming the ingest function`);
      await runConcurrently(WARM_UP_REQUESTS, INGEST_CONCURRENCY, (i) =>
        postEvents(runtime, probeBody(`warm-${runId}-${i}`)),
      );
      log(`freshness: settling ${SETTLE_MS} ms`);
      await sleep(SETTLE_MS);

      probes = Array.from({ length: PROBES }, (_, i) => ({ userId: `probe-${runId}-${i}` }));
      const poller = pollVisibility(runtime, profilesTable, probes, () => pollerDone);

      log(`freshness: sending ${PROBES} probes, ${SPACING_MS} ms apart`);
      const origin = performance.now();
      await Promise.all(
        probes.map(async (probe, i) => {
          await sleep(Math.max(0, origin + i * SPACING_MS - performance.now()));
          const result = await postEvents(runtime, probeBody(probe.userId));
          probe.status = result.status;
          probe.requestMs = result.ms;
          if (result.status === 200 && result.accepted === 1) probe.okAt = performance.now();
        }),
      );
      const deadline = performance.now() + PROBE_TIMEOUT_MS;
      while (probes.some((p) => p.okAt !== undefined && p.visibleAt === undefined)) {
        if (performance.now() > deadline) break;
        await sleep(50);
      }
      pollerDone = true;
      await poller;
    } finally {
      pollerDone = true;
      await driver.stop();
    }

    const accepted = probes.filter((p) => p.okAt !== undefined);
    const freshness = accepted
      .filter((p) => p.visibleAt !== undefined)
      .map((p) => (p.visibleAt as number) - (p.okAt as number));
    const timedOut = accepted.length - freshness.length;
    const summary = summarize(freshness, 0);
    const requestSummary = summarize(probes.map((p) => p.requestMs ?? Number.NaN).filter(Number.isFinite), 1);
    const traffic = driver.stats();
    const met = timedOut === 0 && summary.p95 < TARGET_P95_MS;

    const markdown = [
      table(
        ['probes', 'visible', 'p50 ms', 'p95 ms', 'max ms', 'target p95', 'met'],
        [
          [
            PROBES,
            `${freshness.length}/${PROBES}`,
            summary.p50,
            summary.p95,
            summary.max,
            `< ${TARGET_P95_MS.toLocaleString('en-US')} ms`,
            met ? 'yes' : 'NO',
          ],
        ],
      ),
      '',
      `Event source mapping ${mapping.logicalId}: batchSize ${mapping.batchSize}, ` +
        `**maxBatchingWindowSeconds ${mapping.maxBatchingWindowSeconds}**, parallelizationFactor ` +
        `${mapping.parallelizationFactor}. Background traffic: traffic driver at ${BACKGROUND_RATE} events/s ` +
        `(${traffic.accepted.toLocaleString('en-US')} events accepted in ${traffic.requests} requests during the ` +
        `run). ${WARM_UP_REQUESTS} warm-up POSTs (concurrency ${INGEST_CONCURRENCY}) and ${SETTLE_MS / 1000} s of ` +
        `background traffic before the probes. Probes ${SPACING_MS} ms apart (probe POST p50 ${requestSummary.p50} ms); visibility polled with ` +
        `one BatchGetItem for all pending probes every ${POLL_MS} ms.`,
    ].join('\n');

    return {
      markdown,
      data: {
        probes: PROBES,
        spacingMs: SPACING_MS,
        pollMs: POLL_MS,
        backgroundEventsPerSecond: BACKGROUND_RATE,
        backgroundTraffic: traffic,
        eventSourceMapping: {
          logicalId: mapping.logicalId,
          batchSize: mapping.batchSize,
          maxBatchingWindowSeconds: mapping.maxBatchingWindowSeconds,
          parallelizationFactor: mapping.parallelizationFactor,
        },
        accepted: accepted.length,
        visible: freshness.length,
        timedOut,
        freshnessMs: summary,
        probeRequestMs: requestSummary,
        targetP95Ms: TARGET_P95_MS,
        targetMet: met,
        samplesMs: freshness.map((x) => round(x, 0)),
      },
    };
  },
};

/** One product_view for `userId`, happening now. */
function probeBody(userId: string): string {
  return JSON.stringify({
    events: [
      {
        eventId: `${userId}-view`,
        type: 'product_view',
        userId,
        itemId: 'item-00042',
        category: 'books',
        occurredAt: new Date().toISOString(),
      },
    ],
  });
}

/** Every POLL_MS, one BatchGetItem for the probes that got their 200 and are not visible yet. */
async function pollVisibility(
  runtime: LocalRuntime,
  tableName: string,
  probes: Probe[],
  done: () => boolean,
): Promise<void> {
  while (!done()) {
    const tickStarted = performance.now();
    const pending = probes.filter((p) => p.okAt !== undefined && p.visibleAt === undefined).slice(0, 100);
    if (pending.length > 0) {
      const out = await runtime.dynamo.send(
        new BatchGetCommand({
          RequestItems: {
            [tableName]: { Keys: pending.map((p) => ({ userId: p.userId })), ProjectionExpression: 'userId' },
          },
        }),
      );
      const seenAt = performance.now();
      const found = new Set((out.Responses?.[tableName] ?? []).map((item) => item.userId as string));
      for (const probe of pending) if (found.has(probe.userId)) probe.visibleAt = seenAt;
    }
    await sleep(Math.max(0, POLL_MS - (performance.now() - tickStarted)));
  }
}
