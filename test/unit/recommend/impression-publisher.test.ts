/**
 * ImpressionPublisher: a response waits for its impression at most the bound, a slower put is not abandoned
 * (it completes in a later invocation of the environment), a put that fails for good is dead-lettered with
 * its reason (or, if the queue refuses it too, logged whole), pending puts are capped. The timer is a manual
 * one: nothing here depends on the wall clock.
 */

import { impressionEvent } from '../../../lambdas/recommend/impression';
import type { ImpressionDeadLetter } from '../../../lambdas/recommend/impression-dead-letter';
import {
  type ImpressionMetricName,
  ImpressionPublisher,
} from '../../../lambdas/recommend/impression-publisher';
import { flushPromises, manualWait } from '../../support/manual-wait';

const AT = '2026-11-26T12:00:00.000Z';

function impression(n: number) {
  return impressionEvent({
    userId: `user-${n}`,
    recommendationId: `rec-${n}`,
    itemIds: ['A', 'B'],
    variant: 'control',
    placement: 'for-you',
    at: AT,
  });
}

/** A put the test settles by hand. */
function deferredPut() {
  let settle: { ok: () => void; fail: (error: Error) => void } = { ok: () => {}, fail: () => {} };
  const promise = new Promise<void>((resolve, reject) => {
    settle = { ok: resolve, fail: reject };
  });
  return { promise, ...settle };
}

function setup(options: { maxPending?: number; queueFails?: boolean } = {}) {
  const puts: Array<{ partitionKey: string; data: Uint8Array; put: ReturnType<typeof deferredPut> }> = [];
  const letters: ImpressionDeadLetter[] = [];
  const counts: ImpressionMetricName[] = [];
  const logs: Array<{ level: string; message: string; extra: Record<string, unknown> }> = [];
  const timer = manualWait();
  const publisher = new ImpressionPublisher({
    sink: {
      send: (record) => {
        const put = deferredPut();
        puts.push({ ...record, put });
        return put.promise;
      },
    },
    deadLetters: {
      sendAll: async (batch) => {
        if (options.queueFails) throw new Error('AccessDenied: not authorized to send');
        letters.push(...batch);
      },
    },
    boundMs: 150,
    ...(options.maxPending !== undefined ? { maxPending: options.maxPending } : {}),
    wait: timer.wait,
    clock: () => new Date(AT),
    count: (name) => counts.push(name),
    log: {
      warn: (message, extra) => logs.push({ level: 'warn', message, extra }),
      error: (message, extra) => logs.push({ level: 'error', message, extra }),
    },
  });
  return { publisher, puts, letters, counts, logs, timer };
}

/** Calls settle() and reports whether it has returned, so a test can check it waits. */
function settling(publisher: ImpressionPublisher) {
  const state = { done: false, remaining: -1 };
  const promise = publisher.settle().then((remaining) => {
    state.done = true;
    state.remaining = remaining;
  });
  return { state, promise };
}

describe('ImpressionPublisher', () => {
  it('returns as soon as a fast put is stored, without waiting for the bound', async () => {
    const { publisher, puts, counts, timer } = setup();
    publisher.publish(impression(1));
    const settle = settling(publisher);
    puts[0]?.put.ok();
    await settle.promise;
    expect(settle.state.remaining).toBe(0);
    expect(timer.waiting()).toEqual([]); // the bound's timer is cancelled, not left running
    expect(counts).toEqual(['ImpressionsPublished']);
  });

  it('waits at most the bound for a slow put, which then completes later and is not lost', async () => {
    const { publisher, puts, letters, counts, timer } = setup();
    publisher.publish(impression(1));
    const settle = settling(publisher);
    await flushPromises();
    expect(settle.state.done).toBe(false);
    expect(timer.waiting()).toEqual([150]);
    timer.elapse();
    await settle.promise;
    expect(settle.state.remaining).toBe(1);
    expect(counts).toEqual(['ImpressionsPendingAtResponse']);
    // The put was never aborted: when the stream answers, the impression counts as published.
    puts[0]?.put.ok();
    await flushPromises();
    expect(publisher.pendingCount).toBe(0);
    expect(counts).toEqual([
      'ImpressionsPendingAtResponse',
      'ImpressionsPublished',
      'ImpressionsPublishedLate',
    ]);
    expect(letters).toEqual([]);
    expect(puts).toHaveLength(1);
  });

  it('awaits an earlier invocation’s pending put in the next invocation, within its bound', async () => {
    const { publisher, puts, counts, timer } = setup();
    publisher.publish(impression(1));
    const first = settling(publisher);
    await flushPromises();
    timer.elapse();
    await first.promise;
    // Next invocation: a new impression, and the old put still pending; the settle waits for both.
    publisher.publish(impression(2));
    const second = settling(publisher);
    puts[1]?.put.ok();
    await flushPromises();
    expect(second.state.done).toBe(false);
    puts[0]?.put.ok();
    await second.promise;
    expect(second.state.remaining).toBe(0);
    expect(counts.filter((c) => c === 'ImpressionsPublished')).toHaveLength(2);
    expect(counts.filter((c) => c === 'ImpressionsPendingAtResponse')).toHaveLength(1);
  });

  it('dead-letters a put that failed for good, with the reason and the record to put again', async () => {
    const { publisher, puts, letters, counts, logs } = setup();
    publisher.publish(impression(7));
    const settle = settling(publisher);
    puts[0]?.put.fail(
      Object.assign(new Error('Rate exceeded for shard'), { name: 'ProvisionedThroughputExceededException' }),
    );
    await settle.promise;
    expect(letters).toEqual([
      {
        reason: 'impression_put_failed',
        error: 'ProvisionedThroughputExceededException: Rate exceeded for shard',
        recommendationId: 'rec-7',
        partitionKey: 'user-7',
        event: impression(7),
        deadLetteredAt: AT,
      },
    ]);
    expect(counts).toEqual(['ImpressionPublishFailures', 'ImpressionsDeadLettered']);
    expect(logs.map((l) => l.message)).toEqual([
      'impression put failed; sending it to the dead-letter queue',
    ]);
  });

  it('logs the whole letter when the dead-letter queue refuses it too', async () => {
    const { publisher, puts, counts, logs } = setup({ queueFails: true });
    publisher.publish(impression(3));
    const settle = settling(publisher);
    puts[0]?.put.fail(new Error('socket hang up'));
    await settle.promise;
    expect(counts).toEqual(['ImpressionPublishFailures', 'ImpressionDeadLetterFailures']);
    const error = logs.find((l) => l.level === 'error');
    expect(error?.extra).toMatchObject({
      letter: { recommendationId: 'rec-3', event: impression(3), error: 'Error: socket hang up' },
      queueError: 'Error: AccessDenied: not authorized to send',
    });
  });

  it('waits beyond the bound when more than maxPending puts are pending', async () => {
    const { publisher, puts, logs, timer } = setup({ maxPending: 2 });
    for (let n = 0; n < 3; n++) publisher.publish(impression(n));
    const settle = settling(publisher);
    await flushPromises();
    timer.elapse();
    await flushPromises();
    // The bound passed, but 3 > 2 pending: the invocation holds until one finishes.
    expect(settle.state.done).toBe(false);
    expect(logs[0]?.message).toBe('impression puts backing up: waiting for them beyond the bound');
    puts[1]?.put.ok();
    await settle.promise;
    expect(settle.state.remaining).toBe(2);
  });

  it('refuses a bound or cap that is not positive', () => {
    const base = {
      sink: { send: async () => {} },
      deadLetters: { sendAll: async () => {} },
      count: () => {},
    };
    const log = { warn: () => {}, error: () => {} };
    expect(() => new ImpressionPublisher({ ...base, log, boundMs: 0 })).toThrow(
      'boundMs must be positive, got 0',
    );
    expect(() => new ImpressionPublisher({ ...base, log, boundMs: 10, maxPending: 0 })).toThrow(
      'maxPending must be at least 1, got 0',
    );
  });
});
