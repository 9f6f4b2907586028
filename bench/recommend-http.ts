/**
 * The recommendation API over HTTP through the local gateway, in phases of the same run: each phase points
 * the ACTIVE versions at rows in one format, gives the function an environment (a configuration update:
 * fresh execution environments), warms up, waits for the stream consumer to flush its tumbling windows,
 * then times requests at a fixed client concurrency while the function host profiles every invocation.
 * The profile splits the mean request time into
 *   gateway + client   what is not the invocation: the HTTP hop, routing, the API-key check, the event mapping;
 *   function host      waiting for an execution environment and passing the event/result to its thread;
 *   DynamoDB reads     time with a request to the DynamoDB emulator in flight (profile, pointers, lists, items);
 *   Kinesis put        time with the impression PutRecord to the Kinesis emulator in flight;
 *   handler, other     the rest of the handler: scoring, decoding, the SDK's own work, and waiting for CPU.
 * After the timed requests the phase retires its execution environments (as Lambda reclaims idle ones) and
 * counts the timed responses with items whose impression reached the stream (impressions-on-stream.ts).
 */
import type { LocalRuntime } from '../local/runtime/runtime';
import { activateVersion, publishedTablesOf } from '../test/support/published-results';
import { impressionsOnStream } from './impressions-on-stream';
import { runConcurrently, waitForWindowsClosed, windowsClosed } from './runtime-util';
import { round, type Summary, summarize } from './stats';

export interface HttpPhaseOptions {
  readonly name: string;
  readonly versions: { readonly cf: string; readonly trending: string };
  /** Laid over the function's environment for this phase. */
  readonly environment: Readonly<Record<string, string>>;
  readonly users: readonly string[];
  readonly warmUp: number;
  readonly concurrency: number;
}

export interface HttpProfile {
  readonly invocations: number;
  /** Mean ms per request of each part; they add up to `totalMs` (parts may overlap inside the handler). */
  readonly gatewayAndClientMs: number;
  readonly functionHostMs: number;
  readonly dynamoDbMs: number;
  readonly kinesisMs: number;
  readonly handlerOtherMs: number;
  readonly totalMs: number;
  /**
   * CPU time of the whole process per timed request: every thread (gateway, function hosts, the emulators,
   * the client). At a fixed concurrency the latency follows it once the cores are busy.
   */
  readonly cpuMsPerRequest: number;
}

/** Impressions of the timed responses with items: requested (one per response) and stored on the stream. */
export interface ImpressionCount {
  readonly requested: number;
  readonly reached: number;
  /** Impression records of those responses on the stream (above `reached` when a retry stored one twice). */
  readonly records: number;
}

export interface HttpPhaseResult {
  readonly name: string;
  readonly impressions: ImpressionCount;
  readonly latencyMs: Summary;
  readonly requests: number;
  readonly requestsPerSecond: number;
  readonly statuses: Record<string, number>;
  /**
   * The stream consumer around the timed requests: how long the phase waited for it to flush its tumbling
   * windows before them, and how many windows it closed during them (each a burst of item-row writes).
   */
  readonly consumer: { readonly settleMs: number; readonly windowsClosed: number };
  readonly profile: HttpProfile;
}

/**
 * The recommendation function's id: the integration of the user-recommendations route (other functions,
 * such as the publisher, also have the Similarities table in their environment).
 */
export function recommendFunctionId(runtime: LocalRuntime): string {
  const route = runtime.topology.routes.find(
    (r) => r.method === 'GET' && r.path === '/v1/users/{userId}/recommendations',
  );
  if (!route) throw new Error('no GET /v1/users/{userId}/recommendations route in the topology');
  return route.functionId;
}

export async function httpPhase(runtime: LocalRuntime, options: HttpPhaseOptions): Promise<HttpPhaseResult> {
  const tables = publishedTablesOf(runtime.topology);
  await activateVersion(runtime.dynamo, tables.jobRuns, 'cf', options.versions.cf, new Date());
  await activateVersion(runtime.dynamo, tables.jobRuns, 'trending', options.versions.trending, new Date());
  const functionId = recommendFunctionId(runtime);
  await runtime.host.reconfigure(functionId, options.environment);

  const call = async (userId: string) => {
    const started = performance.now();
    const response = await fetch(`${runtime.apiUrl}/v1/users/${userId}/recommendations?limit=10`, {
      headers: { 'x-api-key': runtime.apiKey },
    });
    const body = (await response.json()) as { recommendationId?: string; items?: unknown[] };
    const ms = performance.now() - started;
    const impression = (body.items?.length ?? 0) > 0 ? body.recommendationId : undefined;
    return { status: response.status, ms, impression };
  };
  const { users, warmUp, concurrency } = options;
  await runConcurrently(warmUp, concurrency, (i) => call(users[i] as string));
  // Every phase starts its timed requests right after the consumer flushed its item-statistics windows, so
  // a flush (thousands of UpdateItems at each window's end) does not land in one phase only by the clock.
  // Under heavy load a flush can outlast the function's 60 s timeout and be retried (its rows are conditional
  // on their watermarks, so a retry applies them once): the wait allows several attempts.
  const settleMs = await waitForWindowsClosed(runtime, 300_000);
  const closedBefore = windowsClosed(runtime);
  const profiler = runtime.host.startProfile(functionId);
  const cpuStart = process.cpuUsage();
  const started = performance.now();
  const results = await runConcurrently(users.length - warmUp, concurrency, (i) =>
    call(users[warmUp + i] as string),
  );
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuStart);
  profiler.stop();
  const consumerWindowsClosed = windowsClosed(runtime) - closedBefore;
  // Retire the phase's environments, as Lambda reclaims idle ones: a put still pending in one is lost here.
  await runtime.host.reconfigure(functionId, options.environment);
  const requested = new Set(results.flatMap((r) => (r.impression ? [r.impression] : [])));
  const onStream = await impressionsOnStream(runtime, functionId, requested);

  const statuses: Record<string, number> = {};
  for (const r of results) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  const latencyMs = summarize(
    results.map((r) => r.ms),
    2,
  );
  const mean = (values: readonly number[]) =>
    values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
  const samples = profiler.samples;
  const dynamoHost = new URL(runtime.dynamoEndpoint).host;
  const kinesisHost = new URL(runtime.kinesisEndpoint).host;
  const invocationMs = mean(samples.map((s) => s.acquireMs + s.invokeMs));
  const handlerMs = mean(samples.map((s) => s.handlerMs));
  const dynamoDbMs = mean(samples.map((s) => s.io[dynamoHost] ?? 0));
  const kinesisMs = mean(samples.map((s) => s.io[kinesisHost] ?? 0));
  return {
    name: options.name,
    impressions: { requested: requested.size, reached: onStream.reached.size, records: onStream.records },
    latencyMs,
    requests: results.length,
    requestsPerSecond: round((results.length * 1000) / wallMs, 0),
    statuses,
    consumer: { settleMs: round(settleMs, 0), windowsClosed: consumerWindowsClosed },
    profile: {
      invocations: samples.length,
      gatewayAndClientMs: round(latencyMs.mean - invocationMs, 2),
      functionHostMs: round(invocationMs - handlerMs, 2),
      dynamoDbMs: round(dynamoDbMs, 2),
      kinesisMs: round(kinesisMs, 2),
      handlerOtherMs: round(handlerMs - dynamoDbMs - kinesisMs, 2),
      totalMs: latencyMs.mean,
      cpuMsPerRequest: round((cpu.user + cpu.system) / 1000 / results.length, 2),
    },
  };
}
