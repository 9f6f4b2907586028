/**
 * The one Kinesis shard reader of the local runtime, shared by the event source mapping (esm-poller.ts) and
 * the Firehose delivery (../lake/delivery.ts), which in AWS each read the stream with their own iterators and
 * checkpoints. It finds the shards (ListShards pages, again every 10 s for resharding), runs one supervised
 * reading loop per shard (parents first when asked, as Lambda does), asks for an iterator after the
 * checkpoint (from TRIM_HORIZON when the emulator lost the checkpointed record), calls GetRecords and hands
 * each page to its consumer, resuming after the last record read when a call fails. The consumer decides
 * when records are done with and moves the checkpoint (`checkpoint`), kept in `checkpoints.ts`.
 */
import {
  type _Record,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  type GetShardIteratorCommandInput,
  type KinesisClient,
  ListShardsCommand,
  type Shard,
} from '@aws-sdk/client-kinesis';
import type { Checkpoint, CheckpointStore } from './checkpoints';

export type { Checkpoint } from './checkpoints';

/** Every shard of a stream, following ListShards pages. */
export async function listAllShards(kinesis: KinesisClient, streamName: string): Promise<Shard[]> {
  const shards: Shard[] = [];
  let nextToken: string | undefined;
  do {
    const page = await kinesis.send(
      nextToken
        ? new ListShardsCommand({ NextToken: nextToken })
        : new ListShardsCommand({ StreamName: streamName }),
    );
    shards.push(...(page.Shards ?? []));
    nextToken = page.NextToken;
  } while (nextToken);
  return shards;
}

/** Where a shard is read from, without the stream and shard (the reader adds them). */
export type ShardPosition = Omit<GetShardIteratorCommandInput, 'StreamName' | 'ShardId' | 'StreamARN'>;

/** A shard's reading progress, for the health document. */
export interface ShardProgress {
  readonly shardId: string;
  readonly millisBehindLatest: number;
  readonly recordsRead: number;
  readonly checkpoint?: string;
}

/** What the reader knows of one shard while it reads it. */
export interface ShardState {
  readonly shardId: string;
  millisBehindLatest: number;
  recordsRead: number;
  checkpoint?: string;
  /** Start time of the latest GetRecords call that reached the end of the shard (epoch ms). */
  caughtUpAt: number;
  /** Reading (false once the shard is closed and read to its end, or the reader stopped). */
  active: boolean;
}

/** One GetRecords answer, as the consumer sees it. */
export interface ShardPage {
  readonly records: readonly _Record[];
  readonly millisBehindLatest: number;
  /** The shard is closed and this was its last page. */
  readonly closed: boolean;
  /** GetRecords returned as many records as asked for: more are waiting. */
  readonly full: boolean;
}

/** What reads: the stream's records go to it, and it says how to pace the reading. */
export interface ShardConsumer {
  /**
   * Where a shard with no checkpointed sequence number starts. `initial`: the shard was there when the
   * reader started (not one that appeared by resharding while it ran).
   */
  startPosition(shardId: string, checkpoint: Checkpoint, initial: boolean): ShardPosition;
  /** Records to ask GetRecords for. @default 10,000 (the API's maximum) */
  limit?(shardId: string): number;
  /** Waits before each GetRecords call while the consumer cannot take more (back-pressure). */
  beforeRead?(state: ShardState): Promise<void>;
  /** Takes a page; resolves to the pause before the next GetRecords call on that shard (0: none). */
  onPage(state: ShardState, page: ShardPage): Promise<number>;
  /** The shard's loop failed; it restarts after a pause from `resumeFrom`. */
  onShardFailure?(shardId: string, error: unknown): void;
}

export interface ShardReaderOptions {
  readonly kinesis: KinesisClient;
  readonly streamName: string;
  readonly checkpoints: CheckpointStore;
  readonly consumer: ShardConsumer;
  /** Reads a child shard only once its parents (both, for a merge) are read to their end, as Lambda does. */
  readonly parentsFirst?: boolean;
  /**
   * Where a failed shard loop resumes: the last checkpoint (the consumer dropped what it held of the shard,
   * as the event source mapping does) or after the last record read (the consumer keeps it, as Firehose's
   * buffer does). @default 'last-read'
   */
  readonly resumeFrom?: 'checkpoint' | 'last-read';
  /** Waits between polls and retries; cut short by `stop()` when the caller's sleep is wakeable. */
  readonly sleep: (ms: number) => Promise<void>;
  /** Problems met while reading (each retried). */
  readonly onError?: (message: string) => void;
  /** Notes (a checkpoint not in the stream any more). */
  readonly log?: (message: string) => void;
}

const GET_RECORDS_LIMIT = 10_000;
const DISCOVERY_INTERVAL_MS = 10_000;

export class ShardReader {
  private running = false;
  private initialDiscovery = true;
  private readonly loops = new Map<string, Promise<void>>();
  private readonly finished = new Set<string>();
  private readonly states = new Map<string, ShardState>();
  private discoveryTimer?: NodeJS.Timeout;

  constructor(private readonly options: ShardReaderOptions) {}

  get isRunning(): boolean {
    return this.running;
  }

  /** Finds the shards and starts reading them; resolves once the first discovery is done. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.discover();
    this.initialDiscovery = false;
    this.discoveryTimer = setInterval(
      () => void this.discover().catch(() => undefined),
      DISCOVERY_INTERVAL_MS,
    );
  }

  /** Stops discovering and waits for every shard loop to end (the caller wakes its sleeps first). */
  async stop(): Promise<void> {
    this.running = false;
    clearInterval(this.discoveryTimer);
    await Promise.allSettled(this.loops.values());
    this.loops.clear();
  }

  /** The shards being (or having been) read, in discovery order. */
  shards(): ShardState[] {
    return [...this.states.values()];
  }

  progress(): ShardProgress[] {
    return this.shards().map((s) => ({
      shardId: s.shardId,
      millisBehindLatest: s.millisBehindLatest,
      recordsRead: s.recordsRead,
      checkpoint: s.checkpoint,
    }));
  }

  /** Moves a shard's checkpoint: its records up to `sequenceNumber` are done with. */
  checkpoint(shardId: string, sequenceNumber: string, extra: Pick<Checkpoint, 'window'> = {}): void {
    this.options.checkpoints.write(shardId, { sequenceNumber, ...extra });
    const state = this.states.get(shardId);
    if (state) state.checkpoint = sequenceNumber;
  }

  private async discover(): Promise<void> {
    const shards = await listAllShards(this.options.kinesis, this.options.streamName);
    for (const shard of shards) {
      const shardId = shard.ShardId as string;
      if (this.loops.has(shardId) || !this.running) continue;
      // A merged shard has two parents (ParentShardId and AdjacentParentShardId): both come first.
      const parents = this.options.parentsFirst
        ? [shard.ParentShardId, shard.AdjacentParentShardId].filter((id): id is string => id !== undefined)
        : [];
      this.loops.set(shardId, this.supervise(shardId, parents, this.initialDiscovery));
    }
  }

  /** Keeps a shard's loop alive: an unexpected error is reported and reading resumes (see `resumeFrom`). */
  private async supervise(shardId: string, parents: readonly string[], initial: boolean): Promise<void> {
    // Lambda finishes the parent shards before it reads a child, so per-key order survives resharding.
    while (this.running && parents.some((parent) => this.loops.has(parent) && !this.finished.has(parent)))
      await this.options.sleep(500);
    if (!this.running) return;
    const state: ShardState = {
      shardId,
      millisBehindLatest: 0,
      recordsRead: 0,
      caughtUpAt: 0,
      active: true,
    };
    this.states.set(shardId, state);
    const position = { next: this.startInput(shardId, state, initial) };
    try {
      while (this.running) {
        try {
          await this.read(state, position);
          return;
        } catch (error) {
          this.options.onError?.(`reading ${shardId} failed, resuming: ${message(error)}`);
          this.options.consumer.onShardFailure?.(shardId, error);
          if (this.options.resumeFrom === 'checkpoint')
            position.next = this.startInput(shardId, state, initial);
          await this.options.sleep(1000);
        }
      }
    } finally {
      state.active = false;
    }
  }

  /** After the checkpoint, else where the consumer starts a shard it has not read yet. */
  private startInput(shardId: string, state: ShardState, initial: boolean): GetShardIteratorCommandInput {
    const checkpoint = this.options.checkpoints.read(shardId);
    state.checkpoint = checkpoint.sequenceNumber;
    if (checkpoint.sequenceNumber)
      return this.input(shardId, {
        ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
        StartingSequenceNumber: checkpoint.sequenceNumber,
      });
    return this.input(shardId, this.options.consumer.startPosition(shardId, checkpoint, initial));
  }

  private input(shardId: string, position: ShardPosition): GetShardIteratorCommandInput {
    return { StreamName: this.options.streamName, ShardId: shardId, ...position };
  }

  /** Reads a shard until it is closed or the reader stops; `position.next` is where to resume after an error. */
  private async read(state: ShardState, position: { next: GetShardIteratorCommandInput }): Promise<void> {
    const { consumer, kinesis } = this.options;
    let iterator = await this.firstIterator(position);
    while (this.running && iterator) {
      await consumer.beforeRead?.(state);
      if (!this.running) break;
      const limit = Math.min(
        GET_RECORDS_LIMIT,
        Math.max(1, consumer.limit?.(state.shardId) ?? GET_RECORDS_LIMIT),
      );
      const requestedAt = Date.now();
      let page: GetRecordsCommandOutput;
      try {
        page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: limit }));
      } catch (error) {
        this.options.onError?.(`GetRecords on ${state.shardId} failed: ${message(error)}`);
        await this.options.sleep(1000);
        iterator = await this.firstIterator(position);
        continue;
      }
      iterator = page.NextShardIterator;
      const records = page.Records ?? [];
      state.millisBehindLatest = page.MillisBehindLatest ?? 0;
      state.recordsRead += records.length;
      const last = records[records.length - 1];
      if (last?.SequenceNumber)
        position.next = this.input(state.shardId, {
          ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
          StartingSequenceNumber: last.SequenceNumber,
        });
      const full = records.length >= limit;
      if (!full && state.millisBehindLatest === 0) state.caughtUpAt = requestedAt;
      const pause = await consumer.onPage(state, {
        records,
        millisBehindLatest: state.millisBehindLatest,
        closed: !iterator,
        full,
      });
      if (pause > 0 && iterator) await this.options.sleep(pause);
    }
    if (!iterator) this.finished.add(state.shardId);
  }

  /** An iterator for `position.next`; from TRIM_HORIZON when the checkpointed record is gone. */
  private async firstIterator(position: { next: GetShardIteratorCommandInput }): Promise<string | undefined> {
    for (let attempt = 0; this.running; attempt++) {
      const input = position.next;
      try {
        return (await this.options.kinesis.send(new GetShardIteratorCommand(input))).ShardIterator;
      } catch (error) {
        if (input.ShardIteratorType === 'AFTER_SEQUENCE_NUMBER' && isMissingSequence(error)) {
          // The emulator lost records after the checkpoint (it persists on an interval): read it all again.
          // Duplicates are the at-least-once price (the consumer's watermarks make them no-ops).
          this.options.log?.(
            `checkpoint of ${input.ShardId} is not in the stream any more; reading from TRIM_HORIZON`,
          );
          position.next = this.input(input.ShardId as string, { ShardIteratorType: 'TRIM_HORIZON' });
          continue;
        }
        this.options.onError?.(`GetShardIterator on ${input.ShardId} failed: ${message(error)}`);
        await this.options.sleep(Math.min(5000, 200 * 2 ** attempt));
      }
    }
    return undefined;
  }
}

function isMissingSequence(error: unknown): boolean {
  const name = (error as Error).name;
  return name === 'ResourceNotFoundException' || name === 'InvalidArgumentException';
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
