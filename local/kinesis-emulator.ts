/**
 * A small Kinesis Data Streams emulator: the subset of the Kinesis JSON API (x-amz-json-1.1) that
 * the app, the AWS CLI and the SDKs use for streams of records — CreateStream, DescribeStream(Summary),
 * ListStreams, ListShards, PutRecord(s), GetShardIterator, GetRecords.
 *
 * Why not kinesis-mock (npm `kinesis-local`, still available with RECOSTREAM_KINESIS=kinesis-local):
 * its PutRecords cost grows with the number of records already in the stream (measured here:
 * 0.5 s per 500 records on an empty stream, 3.8 s after 16,500 records), so a local run with
 * simulated traffic slows down within minutes. Here a put appends to an array and to one file per
 * shard, and reads index by position, so cost stays flat.
 *
 * Semantics kept from Kinesis: partition keys are MD5-hashed onto the shards' hash key ranges,
 * sequence numbers increase within a shard (and stay above earlier ones after a restart, because
 * they start from the clock), records expire after the retention period, GetRecords reports
 * MillisBehindLatest, and an AFTER_SEQUENCE_NUMBER iterator resumes after the given position even
 * when that record is gone.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';

const MAX_HASH = (1n << 128n) - 1n;
const REGION = 'us-east-1';
const ACCOUNT = '000000000000';

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

class KinesisError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export interface KinesisEmulatorOptions {
  /** Folder for streams.json and one JSON-lines file per shard; in memory when absent. */
  readonly dataDir?: string;
  readonly port?: number;
}

export interface KinesisEmulator {
  readonly endpoint: string;
  stop(): Promise<void>;
}

export async function startKinesisEmulator(options: KinesisEmulatorOptions = {}): Promise<KinesisEmulator> {
  const state = new KinesisState(options.dataDir);
  const server = createServer((req, res) => void handle(state, req, res));
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const expiry = setInterval(() => state.expireRecords(), 60_000);
  expiry.unref();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        clearInterval(expiry);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(state: KinesisState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const target = String(req.headers['x-amz-target'] ?? '');
  const operation = target.startsWith('Kinesis_20131202.') ? target.slice('Kinesis_20131202.'.length) : '';
  let status = 200;
  let body: unknown;
  try {
    if (req.method !== 'POST' || !operation)
      throw new KinesisError('UnknownOperationException', 'Expected a POST with X-Amz-Target');
    const input =
      chunks.length > 0
        ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>)
        : {};
    body = state.call(operation, input);
  } catch (error) {
    status = 400;
    const type = error instanceof KinesisError ? error.type : 'InternalFailure';
    if (!(error instanceof KinesisError)) status = 500;
    body = { __type: type, message: (error as Error).message };
    res.setHeader('x-amzn-ErrorType', type);
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'content-length': Buffer.byteLength(text),
    'x-amzn-RequestId': createHash('md5').update(`${Date.now()}${Math.random()}`).digest('hex'),
  });
  res.end(text);
}

class KinesisState {
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
        `Stream ${name} under account ${ACCOUNT} not found.`,
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
  return `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/${name}`;
}
