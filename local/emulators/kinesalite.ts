/**
 * kinesalite (npm, Kinesis Data Streams on LevelDB; the sibling of the dynalite we use for DynamoDB), the
 * default local Kinesis. Its PutRecords cost stays flat as the stream grows (bench/kinesis-emulators.ts),
 * unlike kinesis-mock's. With a data directory it persists in LevelDB, so a restart keeps the records and the
 * sequence numbers keep increasing.
 *
 * It serves the stream calls the app makes (CreateStream, DescribeStreamSummary, ListShards, PutRecord(s),
 * GetShardIterator, GetRecords, retention changes) and refuses ON_DEMAND mode, UpdateShardCount and
 * StartStreamEncryption: provision.ts creates every stream with the template's shard count. Where it answers a
 * call we make differently from Kinesis, kinesalite-fixes.ts fixes it.
 *
 * It runs in this process, not on a worker thread as dynalite does: its LevelDB binding (leveldown 5)
 * crashes the process (SIGSEGV) in about one stop in three when the worker holding it is terminated.
 */
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { freePort, type RunningEmulator } from './emulator';
import { fixKinesalite } from './kinesalite-fixes';

type Kinesalite = (options: {
  path?: string;
  createStreamMs?: number;
  deleteStreamMs?: number;
  updateStreamMs?: number;
  shardLimit?: number;
}) => Server;

export async function startKinesalite(options: {
  dataDir?: string;
  port?: number;
}): Promise<RunningEmulator> {
  fixKinesalite();
  const kinesalite = require('kinesalite') as Kinesalite;
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const server = kinesalite({
    createStreamMs: 0,
    deleteStreamMs: 0,
    updateStreamMs: 0,
    // kinesalite caps the shards of all streams at 10 by default (AWS's old account limit); locally the
    // template decides.
    shardLimit: 1000,
    ...(options.dataDir ? { path: options.dataDir } : {}),
  });
  server.keepAliveTimeout = 60_000;
  const port = options.port ?? (await freePort());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  let stopped: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    // Idempotent: the runtime and a test may both stop it.
    stop: () => {
      stopped ??= new Promise<void>((resolve, reject) => {
        // Idle keep-alive connections go first: kinesalite's close() closes its LevelDB store before the
        // HTTP server, and a connection torn down while leveldown closes crashes the process (SIGSEGV).
        server.closeIdleConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      });
      return stopped;
    },
  };
}
