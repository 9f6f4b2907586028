/** An ObjectStore in memory for handler tests: objects by `bucket/key`; `fail` makes every put throw. */
import type { ObjectStore } from '../../lambdas/shared/object-store';

export class MemoryObjectStore implements ObjectStore {
  readonly objects = new Map<string, string>();
  fail = false;
  async put(bucket: string, key: string, body: string) {
    if (this.fail) throw new Error('SlowDown');
    this.objects.set(`${bucket}/${key}`, body);
  }
}
