/** Helpers for the benchmarks that run against the local runtime (HTTP gateway + pipeline). */
import type { LocalRuntime } from '../local/runtime/runtime';

export function authorization(runtime: LocalRuntime): string {
  return `Basic ${Buffer.from(`${runtime.writeKey}:`).toString('base64')}`;
}

export interface PostResult {
  readonly status: number;
  readonly accepted: number;
  readonly ms: number;
}

/** POSTs a prepared JSON body to /v1/events; `ms` runs from the request start to the last byte of the reply. */
export async function postEvents(runtime: LocalRuntime, body: string): Promise<PostResult> {
  const started = performance.now();
  const response = await fetch(`${runtime.apiUrl}/v1/events`, {
    method: 'POST',
    headers: { authorization: authorization(runtime), 'content-type': 'application/json' },
    body,
  });
  const text = await response.text();
  const ms = performance.now() - started;
  let accepted = 0;
  try {
    const reply = JSON.parse(text) as { accepted?: unknown };
    if (typeof reply.accepted === 'number') accepted = reply.accepted;
  } catch {
    // not JSON: nothing accepted
  }
  return { status: response.status, accepted, ms };
}

/**
 * Waits until every event source mapping has caught up: each shard's last GetRecords said 0 ms
 * behind, and everything read was delivered (or sent to the on-failure destination), twice in a row.
 * Returns the time waited in ms.
 */
export async function waitForDrain(runtime: LocalRuntime, timeoutMs = 120_000): Promise<number> {
  const started = performance.now();
  let calm = 0;
  while (calm < 2) {
    if (performance.now() - started > timeoutMs)
      throw new Error(`consumer did not catch up within ${timeoutMs} ms`);
    await sleep(100);
    const drained = runtime.pollers.every((poller) => {
      const s = poller.snapshot();
      const read = s.shards.reduce((sum, shard) => sum + shard.recordsRead, 0);
      return (
        s.shards.every((shard) => shard.millisBehindLatest === 0) &&
        read === s.recordsDelivered + s.recordsSentToOnFailure
      );
    });
    calm = drained ? calm + 1 : 0;
  }
  return performance.now() - started;
}

/**
 * Waits until the consumer has caught up and every tumbling window is closed (its final invocation, which
 * writes the window's item statistics, succeeded), twice in a row. Returns the time waited in ms.
 */
export async function waitForWindowsClosed(runtime: LocalRuntime, timeoutMs = 120_000): Promise<number> {
  const started = performance.now();
  await waitForDrain(runtime, timeoutMs);
  let calm = 0;
  while (calm < 2) {
    if (performance.now() - started > timeoutMs)
      throw new Error(`the consumer's tumbling windows did not close within ${timeoutMs} ms`);
    await sleep(100);
    calm = runtime.pollers.every((p) => (p.snapshot().openWindows ?? 0) === 0) ? calm + 1 : 0;
  }
  return performance.now() - started;
}

/** Final invocations of tumbling windows so far, every mapping. */
export function windowsClosed(runtime: LocalRuntime): number {
  return runtime.pollers.reduce((n, p) => n + p.snapshot().windowsClosed, 0);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Runs tasks 0..count-1 with at most `concurrency` in flight, in index order. With `startWithinMs`, no task
 * starts after that much time (the ones in flight finish); only the results of started tasks are returned.
 */
export async function runConcurrently<T>(
  count: number,
  concurrency: number,
  task: (index: number) => Promise<T>,
  startWithinMs = Number.POSITIVE_INFINITY,
): Promise<T[]> {
  const results: T[] = [];
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < count && performance.now() - started < startWithinMs) {
      const index = next++;
      results[index] = await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results.filter((r) => r !== undefined);
}
