/**
 * Writes Similarities / Trending items in their stored form (lambdas/shared/published-encoding.ts: each list
 * one packed string attribute) with BatchWriteItem, 25 per call (the API's maximum), retrying the
 * UnprocessedItems DynamoDB hands back under throttling with exponential backoff and full jitter.
 */
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { JobName } from '../shared/published';
import { storedPublishedRow } from '../shared/published-encoding';
import type { PublishedItem, PublishedStorePort } from './job-service';

export const BATCH_WRITE_LIMIT = 25;

export interface BatchWriteOptions {
  /** Calls per chunk, first one included. @default 8 */
  readonly maxAttempts?: number;
  /** @default 50 */
  readonly baseDelayMs?: number;
  /** @default 5000 */
  readonly maxDelayMs?: number;
  /** Chunks written at the same time. @default 4 */
  readonly concurrency?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

export class UnprocessedItemsError extends Error {
  constructor(
    readonly tableName: string,
    readonly unprocessed: number,
    attempts: number,
  ) {
    super(`${unprocessed} items still unprocessed by ${tableName} after ${attempts} BatchWriteItem attempts`);
    this.name = 'UnprocessedItemsError';
  }
}

type WriteRequest = { PutRequest: { Item: Record<string, unknown> } };

export class DynamoPublishedStore implements PublishedStorePort {
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly concurrency: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(
    private readonly tables: Readonly<Record<JobName, string>>,
    private readonly client: DynamoDBDocumentClient,
    options: BatchWriteOptions = {},
  ) {
    this.maxAttempts = options.maxAttempts ?? 8;
    this.baseDelayMs = options.baseDelayMs ?? 50;
    this.maxDelayMs = options.maxDelayMs ?? 5000;
    this.concurrency = options.concurrency ?? 4;
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.random = options.random ?? Math.random;
  }

  async write(job: JobName, items: readonly PublishedItem[]): Promise<void> {
    const tableName = this.tables[job];
    const chunks: WriteRequest[][] = [];
    for (let i = 0; i < items.length; i += BATCH_WRITE_LIMIT) {
      chunks.push(
        items
          .slice(i, i + BATCH_WRITE_LIMIT)
          .map((item) => ({ PutRequest: { Item: { ...storedPublishedRow(item) } } })),
      );
    }
    let next = 0;
    const worker = async () => {
      while (next < chunks.length) {
        const chunk = chunks[next++] as WriteRequest[];
        await this.writeChunk(tableName, chunk);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, chunks.length) }, worker));
  }

  private async writeChunk(tableName: string, chunk: WriteRequest[]): Promise<void> {
    let pending = chunk;
    for (let attempt = 1; ; attempt++) {
      const { UnprocessedItems } = await this.client.send(
        new BatchWriteCommand({ RequestItems: { [tableName]: pending } }),
      );
      pending = (UnprocessedItems?.[tableName] ?? []) as WriteRequest[];
      if (pending.length === 0) return;
      if (attempt >= this.maxAttempts) throw new UnprocessedItemsError(tableName, pending.length, attempt);
      const cap = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
      await this.sleep(Math.floor(this.random() * cap));
    }
  }
}
