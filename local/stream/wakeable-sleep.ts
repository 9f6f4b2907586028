/** Sleeps that can all be cut short at once: stream readers wait between polls and wake on stop or flush. */
export class WakeableSleep {
  private sleepers: Array<() => void> = [];

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.sleepers = this.sleepers.filter((s) => s !== done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.sleepers.push(done);
    });
  }

  wakeAll(): void {
    for (const wake of [...this.sleepers]) wake();
  }
}
