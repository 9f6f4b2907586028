/**
 * A stream reader's checkpoints on disk, one JSON file per shard (`<prefix>.<shardId>.json` in a folder),
 * replaced atomically (write to a temporary file, then rename) so a crash never leaves half a checkpoint.
 * Lambda's event source mapping and Firehose keep theirs in AWS; locally a restart resumes from these.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A shard's open tumbling window (the event source mapping's): epoch ms, and the state the function last returned. */
export interface OpenWindow {
  readonly start: number;
  readonly end: number;
  state: Record<string, unknown>;
}

export interface Checkpoint {
  /** The last record done with. */
  readonly sequenceNumber?: string;
  /** The event source mapping's open tumbling window, kept across restarts. */
  readonly window?: OpenWindow;
  /** First start of the reader on the shard (Firehose reads from there while it has no sequence number). */
  readonly startedAt?: string;
  /** When it was written. */
  readonly at?: string;
}

export class CheckpointStore {
  constructor(
    private readonly dir: string,
    private readonly prefix: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  path(shardId: string): string {
    return join(this.dir, `${this.prefix}.${shardId}.json`);
  }

  /** The shard's checkpoint; empty when there is none (or it cannot be read: the shard is read again). */
  read(shardId: string): Checkpoint {
    try {
      return JSON.parse(readFileSync(this.path(shardId), 'utf8')) as Checkpoint;
    } catch {
      return {};
    }
  }

  write(shardId: string, checkpoint: Omit<Checkpoint, 'at'>): void {
    mkdirSync(this.dir, { recursive: true });
    const path = this.path(shardId);
    const partial = `${path}.${randomUUID()}.tmp`;
    writeFileSync(partial, JSON.stringify({ ...checkpoint, at: this.now().toISOString() }));
    renameSync(partial, path);
  }
}
