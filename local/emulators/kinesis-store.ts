/**
 * The built-in Kinesis emulator's state: streams of shards of records, kept in memory and, with a data
 * folder, in `streams.json` plus one JSON-lines file per shard (appended on every put, so a restart keeps
 * the records). `call` runs one operation of the Kinesis JSON API on it; see kinesis-emulator.ts for
 * which ones and for the semantics kept from Kinesis.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOCAL_ACCOUNT, localArn } from '../topology';

const MAX_HASH = (1n << 128n) - 1n;

interface StoredRecord {
  /** Sequence number. */
  s: string;
  /** Data, base64. */
  d: string;
  /** Partition key. */
  k: string;
  /** Approximate arrival, epoch ms. */
  t: number;
}

interface Shard {
  readonly shardId: string;
  readonly startingHashKey: bigint;
  readonly endingHashKey: bigint;
  readonly startingSequenceNumber: string;
  records: StoredRecord[];
  /** Absolute position of records[0]: positions stay valid when expired records are dropped. */
  offset: number;
  lastSequence: bigint;
}

interface Stream {
  readonly name: string;
  readonly createdAt: number;
  readonly mode: 'PROVISIONED' | 'ON_DEMAND';
  retentionHours: number;
  readonly shards: Shard[];
}

/** A Kinesis error as the service names it (`__type`), answered with HTTP 400. */
export class KinesisError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export class KinesisState {
  private readonly streams = new Map<string, Stream>();

  constructor(private readonly dataDir?: string) {
    if (dataDir) {
      mkdirSync(dataDir, { recursive: true });
      this.load();
    }
  }

  call(operation: string, input: Record<string, unknown>): unknown {
    switch (operation) {
      case 'CreateStream':
        return this.createStream(input);
      case 'DescribeStreamSummary':
        return { StreamDescriptionSummary: this.summary(this.stream(input)) };
      case 'DescribeStream': {
        const stream = this.stream(input);
        return {
          StreamDescription: {
            ...this.summary(stream),
            Shards: stream.shards.map(shardOut),
            HasMoreShards: false,
          },
        };
      }
      case 'ListStreams':
        return {
          StreamNames: [...this.streams.keys()],
          HasMoreStreams: false,
          StreamSummaries: [...this.streams.values()].map((s) => ({
            StreamName: s.name,
            StreamARN: arnOf(s.name),
            StreamStatus: 'ACTIVE',
            StreamModeDetails: { StreamMode: s.mode },
            StreamCreationTimestamp: s.createdAt / 1000,
          })),
        };
      case 'ListShards':
        return { Shards: this.stream(input).shards.map(shardOut) };
      case 'PutRecord': {
        const [out] = this.put(this.stream(input), [input]);
        return out;
      }
      case 'PutRecords': {
        const records = input.Records as Array<Record<string, unknown>> | undefined;
        if (!Array.isArray(records) || records.length === 0 || records.length > 500) {
          throw new KinesisError('ValidationException', 'Records must hold 1 to 500 entries');
        }
        return { FailedRecordCount: 0, Records: this.put(this.stream(input), records) };
      }
      case 'GetShardIterator':
        return { ShardIterator: this.shardIterator(input) };
      case 'GetRecords':
        return this.getRecords(input);
      case 'AddTagsToStream':
      case 'StartStreamEncryption':
      case 'IncreaseStreamRetentionPeriod':
        if (operation === 'IncreaseStreamRetentionPeriod') {
          this.stream(input).retentionHours = Number(input.RetentionPeriodHours);
          this.saveStreams();
        }
        return {};
      default:
        throw new KinesisError(
          'UnknownOperationException',
          `${operation} is not supported by the local emulator`,
        );
    }
  }

  /** Drops records older than each stream's retention period. */
  expireRecords(now = Date.now()): void {
    for (const stream of this.streams.values()) {
      const oldest = now - stream.retentionHours * 3600 * 1000;
      for (const shard of stream.shards) {
        let drop = 0;
        while (drop < shard.records.length && (shard.records[drop] as StoredRecord).t < oldest) drop++;
        if (drop === 0) continue;
        shard.records = shard.records.slice(drop);
        shard.offset += drop;
        if (this.dataDir) {
          writeFileSync(
            this.shardFile(stream.name, shard.shardId),
            shard.records.map((r) => `${JSON.stringify(r)}\n`).join(''),
          );
        }
      }
    }
  }

  private createStream(input: Record<string, unknown>): unknown {
    const name = String(input.StreamName ?? '');
    if (!/^[a-zA-Z0-9_.-]{1,128}$/.test(name))
      throw new KinesisError('ValidationException', `Invalid StreamName '${name}'`);
    if (this.streams.has(name))
      throw new KinesisError('ResourceInUseException', `Stream ${name} already exists`);
    const mode =
      (input.StreamModeDetails as { StreamMode?: string } | undefined)?.StreamMode === 'ON_DEMAND'
        ? 'ON_DEMAND'
        : 'PROVISIONED';
    const count = mode === 'ON_DEMAND' ? 4 : Number(input.ShardCount ?? 1);
    if (!Number.isInteger(count) || count < 1 || count > 64)
      throw new KinesisError('ValidationException', 'ShardCount must be 1 to 64');
    const createdAt = Date.now();
    const width = (MAX_HASH + 1n) / BigInt(count);
    const shards: Shard[] = Array.from({ length: count }, (_, i) => {
      const start = width * BigInt(i);
      const first = clockSequence(createdAt, i);
      return {
        shardId: `shardId-${String(i).padStart(12, '0')}`,
        startingHashKey: start,
        endingHashKey: i === count - 1 ? MAX_HASH : start + width - 1n,
        startingSequenceNumber: first.toString(),
        records: [],
        offset: 0,
        lastSequence: first,
      };
    });
    this.streams.set(name, { name, createdAt, mode, retentionHours: 24, shards });
    this.saveStreams();
    return {};
  }

  private stream(input: Record<string, unknown>): Stream {
    const arn = typeof input.StreamARN === 'string' ? input.StreamARN : undefined;
    const name = arn ? arn.slice(arn.lastIndexOf('/') + 1) : String(input.StreamName ?? '');
    const stream = this.streams.get(name);
    if (!stream)
      throw new KinesisError(
        'ResourceNotFoundException',
        `Stream ${name} under account ${LOCAL_ACCOUNT} not found.`,
      );
    return stream;
  }

  private summary(stream: Stream) {
    return {
      StreamName: stream.name,
      StreamARN: arnOf(stream.name),
      StreamStatus: 'ACTIVE',
      StreamModeDetails: { StreamMode: stream.mode },
      RetentionPeriodHours: stream.retentionHours,
      StreamCreationTimestamp: stream.createdAt / 1000,
      EnhancedMonitoring: [{ ShardLevelMetrics: [] }],
      EncryptionType: 'NONE',
      OpenShardCount: stream.shards.length,
      ConsumerCount: 0,
    };
  }

  private put(
    stream: Stream,
    entries: ReadonlyArray<Record<string, unknown>>,
  ): Array<{ ShardId: string; SequenceNumber: string }> {
    const now = Date.now();
    const appended = new Map<Shard, StoredRecord[]>();
    const results = entries.map((entry) => {
      const partitionKey = String(entry.PartitionKey ?? '');
      if (partitionKey.length < 1 || partitionKey.length > 256) {
        throw new KinesisError('ValidationException', 'PartitionKey must be 1 to 256 characters');
      }
      const data = String(entry.Data ?? '');
      if (Buffer.byteLength(data, 'base64') > 1024 * 1024)
        throw new KinesisError('ValidationException', 'Data exceeds 1 MB');
      const hash =
        typeof entry.ExplicitHashKey === 'string'
          ? BigInt(entry.ExplicitHashKey)
          : BigInt(`0x${createHash('md5').update(partitionKey, 'utf8').digest('hex')}`);
      const shard = stream.shards.find((s) => hash >= s.startingHashKey && hash <= s.endingHashKey) as Shard;
      // Increasing within the shard, and never below the clock so a restarted stream keeps growing.
      const sequence = bigMax(shard.lastSequence + 1n, clockSequence(now, stream.shards.indexOf(shard)));
      shard.lastSequence = sequence;
      const record: StoredRecord = { s: sequence.toString(), d: data, k: partitionKey, t: now };
      shard.records.push(record);
      appended.set(shard, [...(appended.get(shard) ?? []), record]);
      return { ShardId: shard.shardId, SequenceNumber: record.s };
    });
    if (this.dataDir) {
      for (const [shard, records] of appended) {
        appendFileSync(
          this.shardFile(stream.name, shard.shardId),
          records.map((r) => `${JSON.stringify(r)}\n`).join(''),
        );
      }
    }
    return results;
  }

  private shardIterator(input: Record<string, unknown>): string {
    const stream = this.stream(input);
    const shard = stream.shards.find((s) => s.shardId === input.ShardId);
    if (!shard)
      throw new KinesisError('ResourceNotFoundException', `Shard ${String(input.ShardId)} not found`);
    const end = shard.offset + shard.records.length;
    let position: number;
    switch (input.ShardIteratorType) {
      case 'TRIM_HORIZON':
        position = shard.offset;
        break;
      case 'LATEST':
        position = end;
        break;
      case 'AT_SEQUENCE_NUMBER':
      case 'AFTER_SEQUENCE_NUMBER': {
        const raw = String(input.StartingSequenceNumber ?? '');
        if (!/^\d{1,128}$/.test(raw))
          throw new KinesisError('InvalidArgumentException', `Invalid StartingSequenceNumber ${raw}`);
        const target = BigInt(raw);
        const index = firstIndex(shard.records, (r) =>
          input.ShardIteratorType === 'AT_SEQUENCE_NUMBER' ? BigInt(r.s) >= target : BigInt(r.s) > target,
        );
        position = shard.offset + index;
        break;
      }
      case 'AT_TIMESTAMP': {
        const at = Number(input.Timestamp) * 1000;
        position = shard.offset + firstIndex(shard.records, (r) => r.t >= at);
        break;
      }
      default:
        throw new KinesisError(
          'InvalidArgumentException',
          `Unknown ShardIteratorType ${String(input.ShardIteratorType)}`,
        );
    }
    return Buffer.from(JSON.stringify({ stream: stream.name, shard: shard.shardId, position })).toString(
      'base64',
    );
  }

  private getRecords(input: Record<string, unknown>) {
    let pointer: { stream: string; shard: string; position: number };
    try {
      pointer = JSON.parse(Buffer.from(String(input.ShardIterator ?? ''), 'base64').toString('utf8'));
    } catch {
      throw new KinesisError('InvalidArgumentException', 'Invalid ShardIterator');
    }
    const stream = this.stream({ StreamName: pointer.stream });
    const shard = stream.shards.find((s) => s.shardId === pointer.shard);
    if (!shard) throw new KinesisError('ResourceNotFoundException', `Shard ${pointer.shard} not found`);
    const limit = Math.min(10_000, Math.max(1, Number(input.Limit ?? 10_000)));
    const start = Math.max(pointer.position, shard.offset) - shard.offset;
    const slice = shard.records.slice(start, start + limit);
    const next = shard.offset + start + slice.length;
    const unread = shard.records[next - shard.offset];
    return {
      Records: slice.map((r) => ({
        SequenceNumber: r.s,
        ApproximateArrivalTimestamp: r.t / 1000,
        Data: r.d,
        PartitionKey: r.k,
      })),
      NextShardIterator: Buffer.from(JSON.stringify({ ...pointer, position: next })).toString('base64'),
      MillisBehindLatest: unread ? Math.max(0, Date.now() - unread.t) : 0,
    };
  }

  private shardFile(stream: string, shardId: string): string {
    return join(this.dataDir as string, stream, `${shardId}.jsonl`);
  }

  private saveStreams(): void {
    if (!this.dataDir) return;
    const meta = [...this.streams.values()].map((s) => ({
      name: s.name,
      createdAt: s.createdAt,
      mode: s.mode,
      retentionHours: s.retentionHours,
      shards: s.shards.map((sh) => ({
        shardId: sh.shardId,
        startingHashKey: sh.startingHashKey.toString(),
        endingHashKey: sh.endingHashKey.toString(),
        startingSequenceNumber: sh.startingSequenceNumber,
      })),
    }));
    for (const s of this.streams.values()) mkdirSync(join(this.dataDir, s.name), { recursive: true });
    writeFileSync(join(this.dataDir, 'streams.json'), JSON.stringify(meta, null, 2));
  }

  private load(): void {
    const file = join(this.dataDir as string, 'streams.json');
    if (!existsSync(file)) return;
    const meta = JSON.parse(readFileSync(file, 'utf8')) as Array<{
      name: string;
      createdAt: number;
      mode: 'PROVISIONED' | 'ON_DEMAND';
      retentionHours: number;
      shards: Array<{
        shardId: string;
        startingHashKey: string;
        endingHashKey: string;
        startingSequenceNumber: string;
      }>;
    }>;
    for (const s of meta) {
      const dir = join(this.dataDir as string, s.name);
      const files = existsSync(dir) ? new Set(readdirSync(dir)) : new Set<string>();
      const shards = s.shards.map((sh) => {
        const records = files.has(`${sh.shardId}.jsonl`) ? readRecords(join(dir, `${sh.shardId}.jsonl`)) : [];
        const last = records[records.length - 1];
        return {
          shardId: sh.shardId,
          startingHashKey: BigInt(sh.startingHashKey),
          endingHashKey: BigInt(sh.endingHashKey),
          startingSequenceNumber: sh.startingSequenceNumber,
          records,
          offset: 0,
          lastSequence: last ? BigInt(last.s) : BigInt(sh.startingSequenceNumber),
        };
      });
      this.streams.set(s.name, {
        name: s.name,
        createdAt: s.createdAt,
        mode: s.mode,
        retentionHours: s.retentionHours,
        shards,
      });
    }
    this.expireRecords();
  }
}

/** Reads a shard file, skipping a torn last line left by a crash mid-write. */
function readRecords(path: string): StoredRecord[] {
  const out: StoredRecord[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as StoredRecord);
    } catch {
      // torn write: everything before it is intact
    }
  }
  return out;
}

/**
 * A sequence number shaped like Kinesis's (56 digits), derived from the clock and the shard. The
 * `499` lead keeps it above kinesis-mock's numbers (`4968…`), so a data directory that ran on
 * kinesis-mock never sees new records below its old checkpoints and watermarks.
 */
function clockSequence(epochMs: number, shardIndex: number): bigint {
  return BigInt(`499${String(epochMs).padStart(16, '0')}${String(shardIndex).padStart(4, '0')}`) * 10n ** 33n;
}

function bigMax(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

/** Index of the first element satisfying a monotone predicate (binary search); length when none does. */
function firstIndex<T>(items: readonly T[], predicate: (item: T) => boolean): number {
  let low = 0;
  let high = items.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (predicate(items[middle] as T)) high = middle;
    else low = middle + 1;
  }
  return low;
}

function shardOut(shard: Shard) {
  return {
    ShardId: shard.shardId,
    HashKeyRange: {
      StartingHashKey: shard.startingHashKey.toString(),
      EndingHashKey: shard.endingHashKey.toString(),
    },
    SequenceNumberRange: { StartingSequenceNumber: shard.startingSequenceNumber },
  };
}

function arnOf(name: string): string {
  return localArn('kinesis', `stream/${name}`);
}
