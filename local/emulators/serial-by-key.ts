/**
 * Runs the tasks given for one key one after another (tasks of different keys run freely): how the directory
 * stores keep two calls on the same queue or topic from writing its file at once.
 */
export class SerialByKey {
  private readonly chains = new Map<string, Promise<unknown>>();

  /** Runs `task` after every earlier task of `key` has finished (whether it succeeded or not). */
  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.chains.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    this.chains.set(
      key,
      result.catch(() => undefined),
    );
    return result;
  }
}
