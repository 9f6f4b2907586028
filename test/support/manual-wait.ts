/**
 * A timer the test moves by hand, for code that takes `wait(ms, signal)`: nothing elapses until `elapse()`
 * resolves every wait started so far, so a test of a time bound never depends on the wall clock.
 */
export interface ManualWait {
  readonly wait: (ms: number, signal: AbortSignal) => Promise<void>;
  /** The durations of the waits started and not yet elapsed or aborted. */
  readonly waiting: () => number[];
  /** Ends every wait started so far, as if its time had passed. */
  readonly elapse: () => void;
}

export function manualWait(): ManualWait {
  let waits: Array<{ ms: number; end: () => void }> = [];
  return {
    wait: (ms, signal) =>
      new Promise<void>((resolve) => {
        const entry = {
          ms,
          end: () => {
            waits = waits.filter((w) => w !== entry);
            resolve();
          },
        };
        waits.push(entry);
        signal.addEventListener('abort', entry.end, { once: true });
      }),
    waiting: () => waits.map((w) => w.ms),
    elapse: () => {
      for (const w of [...waits]) w.end();
    },
  };
}

/** Lets every promise chain that can run now run: a few turns of the event loop, no clock involved. */
export async function flushPromises(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
