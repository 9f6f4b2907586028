/**
 * Appends accepted catalogue changes to the lake (lambdas/shared/catalogue-lake.ts): one object per request,
 * written after the Items table, so the lake never holds a change the table refused.
 */
import { randomUUID } from 'node:crypto';
import type { CatalogueItem } from '../shared/catalogue';
import { itemChangeRow, itemChangesKey } from '../shared/catalogue-lake';
import type { ObjectStore } from '../shared/object-store';

export interface ItemChangeLog {
  append(items: readonly CatalogueItem[], at: Date): Promise<void>;
}

export class ObjectStoreItemChangeLog implements ItemChangeLog {
  constructor(
    private readonly store: ObjectStore,
    private readonly bucket: string,
    private readonly prefix: string,
    private readonly newId: () => string = randomUUID,
  ) {}

  async append(items: readonly CatalogueItem[], at: Date): Promise<void> {
    if (items.length === 0) return;
    const body = items.map((item) => JSON.stringify(itemChangeRow(item, at))).join('\n');
    await this.store.put(this.bucket, itemChangesKey(this.prefix, at, this.newId()), `${body}\n`);
  }
}
