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
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { KinesisError, KinesisState } from './kinesis-store';

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
