/** Sleeps cut short at once: stop() and flush() wake every reader without waiting for its poll interval. */
import { WakeableSleep } from '../../../../local/stream/wakeable-sleep';

it('wakes every pending sleep at once, and a later sleep waits again', async () => {
  const sleeper = new WakeableSleep();
  const woken: number[] = [];
  const sleeps = [1, 2, 3].map((n) => sleeper.sleep(3_600_000).then(() => woken.push(n)));
  sleeper.wakeAll();
  await Promise.all(sleeps);
  expect(woken.sort()).toEqual([1, 2, 3]);
  let late = false;
  const next = sleeper.sleep(3_600_000).then(() => {
    late = true;
  });
  await new Promise((r) => setImmediate(r));
  expect(late).toBe(false);
  sleeper.wakeAll();
  await next;
  expect(late).toBe(true);
});
