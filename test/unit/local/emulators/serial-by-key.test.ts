/** The directory stores' per-queue / per-topic ordering: one key's tasks run one after another, others freely. */
import { SerialByKey } from '../../../../local/emulators/serial-by-key';

/** A task that records when it starts and ends, and finishes when `release` is called. */
function gate(log: string[], name: string) {
  let release: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    release = resolve;
  });
  return {
    task: async () => {
      log.push(`${name} start`);
      await done;
      log.push(`${name} end`);
      return name;
    },
    release: () => release(),
  };
}

it("runs one key's tasks in order, the next only after the previous finished, and other keys meanwhile", async () => {
  const serial = new SerialByKey();
  const log: string[] = [];
  const a1 = gate(log, 'a1');
  const a2 = gate(log, 'a2');
  const b1 = gate(log, 'b1');
  const first = serial.run('a', a1.task);
  const second = serial.run('a', a2.task);
  const other = serial.run('b', b1.task);
  await new Promise((resolve) => setImmediate(resolve));
  // a2 waits for a1; b1 does not.
  expect(log).toEqual(['a1 start', 'b1 start']);
  b1.release();
  await other;
  a1.release();
  expect(await first).toBe('a1');
  a2.release();
  expect(await second).toBe('a2');
  expect(log).toEqual(['a1 start', 'b1 start', 'b1 end', 'a1 end', 'a2 start', 'a2 end']);
});

it('runs the next task after one that failed, and gives each caller its own outcome', async () => {
  const serial = new SerialByKey();
  const failed = serial.run('q', async () => {
    throw new Error('disk full');
  });
  const next = serial.run('q', async () => 'written');
  await expect(failed).rejects.toThrow('disk full');
  await expect(next).resolves.toBe('written');
});
