/**
 * Ingest throughput through the local HTTP gateway: POST /v1/events with Basic auth, for batch sizes
 * 100 and 500, at a fixed client concurrency. The whole local pipeline runs meanwhile (the authorizer
 * and ingest Lambdas in worker threads, kinesis-local, and the consumer draining the stream into
 * dynalite), as it would on a developer machine; the consumer is not waited for (it is slower than
 * ingest locally and would only add minutes). Bodies are prepared (and serialised) before timing;
 * occurredAt is stamped with the current time.
 */
import type { LocalRuntime } from '../local/runtime/runtime';
import { TrafficSimulator } from '../local/traffic/simulator';
import { table } from './markdown';
import { postEvents, runConcurrently } from './runtime-util';
import { perSecond, round, summarize } from './stats';
import type { Benchmark } from './types';

const CONCURRENCY = 4;
/** Batch size, warm-up requests (not counted), measured requests. */
const PLAN = [
  { batchSize: 100, warmUp: 8, requests: 40 },
  { batchSize: 500, warmUp: 4, requests: 30 },
] as const;
/** No measured request starts later than this into a size's run (bounds the run on a slow machine). */
const START_WITHIN_MS = 90_000;
const SEED = 101;

export const ingestHttpBenchmark: Benchmark = {
  name: 'ingest-http',
  title: 'Ingest throughput through the local HTTP gateway',
  async run({ log, runtime: getRuntime }) {
    const runtime = await getRuntime();
    const simulator = new TrafficSimulator({ seed: SEED });
    const runId = `bench-${Date.now().toString(36)}`;
    const bodies = (batchSize: number, count: number): string[] => {
      const now = new Date().toISOString();
      return Array.from({ length: count }, () =>
        JSON.stringify({
          events: simulator.generate(batchSize).map((e) => ({
            ...e,
            eventId: `${runId}-${e.eventId}`,
            occurredAt: now,
            ...(e.type === 'purchase' ? { orderId: `${runId}-${e.orderId}` } : {}),
          })),
        }),
      );
    };

    const route = runtime.topology.routes.find((r) => r.method === 'POST' && r.path === '/v1/events');
    const timeoutSeconds = route
      ? runtime.topology.functions.get(route.functionId)?.timeoutSeconds
      : undefined;
    const rows: Array<Record<string, unknown>> = [];
    for (const { batchSize, warmUp: warmUpRequests, requests } of PLAN) {
      log(`ingest-http: batch ${batchSize}: ${warmUpRequests} warm-up requests`);
      const warmUp = bodies(batchSize, warmUpRequests);
      await runConcurrently(warmUp.length, CONCURRENCY, (i) => postEvents(runtime, warmUp[i] as string));

      const measured = bodies(batchSize, requests);
      const deliveredBefore = delivered(runtime);
      log(`ingest-http: batch ${batchSize}: ${requests} requests at concurrency ${CONCURRENCY}`);
      const started = performance.now();
      const results = await runConcurrently(
        measured.length,
        CONCURRENCY,
        (i) => postEvents(runtime, measured[i] as string),
        START_WITHIN_MS,
      );
      const wallMs = performance.now() - started;
      const accepted = results.reduce((sum, r) => sum + r.accepted, 0);
      const non200 = results.filter((r) => r.status !== 200).length;
      const statuses: Record<string, number> = {};
      for (const r of results) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      const latency = summarize(
        results.map((r) => r.ms),
        1,
      );
      rows.push({
        batchSize,
        warmUpRequests,
        requests: results.length,
        plannedRequests: requests,
        concurrency: CONCURRENCY,
        eventsSent: batchSize * results.length,
        eventsAccepted: accepted,
        non200Responses: non200,
        statuses,
        wallMs: round(wallMs, 1),
        eventsPerSecond: round(perSecond(accepted, wallMs), 0),
        latencyMs: latency,
        consumerRecordsDeliveredMeanwhile: delivered(runtime) - deliveredBefore,
      });
    }

    const markdown = [
      table(
        ['batch size', 'requests', 'events/s', 'p50 ms', 'p99 ms', 'accepted', 'non-200'],
        rows.map((r) => {
          const l = r.latencyMs as ReturnType<typeof summarize>;
          return [
            r.batchSize as number,
            r.requests as number,
            r.eventsPerSecond as number,
            l.p50,
            l.p99,
            `${(r.eventsAccepted as number).toLocaleString('en-US')}/${(r.eventsSent as number).toLocaleString('en-US')}`,
            r.non200Responses as number,
          ];
        }),
      ),
      '',
      `Client concurrency ${CONCURRENCY} (requests in flight); ` +
        `${PLAN.map((p) => `${p.warmUp} warm-up requests of ${p.batchSize}`).join(', ')} not counted; ` +
        'events/s = accepted events (from the responses) / wall time of the measured requests; ' +
        'latency = request start to last byte of the reply. The stream consumer keeps running meanwhile ' +
        `(${rows.map((r) => `${r.consumerRecordsDeliveredMeanwhile} records delivered during the ${r.batchSize}s`).join(', ')}). ` +
        `Default simulator shape, occurredAt = now. No measured request starts after ${START_WITHIN_MS / 1000} s ` +
        `of a size's run; a request the ingest Lambda does not finish within its timeout (${timeoutSeconds ?? '?'} s) is a non-200.`,
    ].join('\n');

    return {
      markdown,
      data: {
        concurrency: CONCURRENCY,
        seed: SEED,
        startWithinMs: START_WITHIN_MS,
        ingestFunctionTimeoutSeconds: timeoutSeconds,
        results: rows,
      },
    };
  },
};

function delivered(runtime: LocalRuntime): number {
  return runtime.pollers.reduce((sum, poller) => sum + poller.snapshot().recordsDelivered, 0);
}
