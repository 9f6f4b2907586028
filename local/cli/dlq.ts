/**
 * `recostream dlq replay`: argument parsing and wiring for ./dlq-replay, against the running local runtime
 * (`--local`: the failed-batches folder and the stream from <data-dir>/runtime.json) or AWS (the stack
 * outputs FailedBatchesBucketName and EventsStreamName, through the default credentials chain).
 */
import { resolve } from 'node:path';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { s3Client } from '../../lambdas/shared/aws-clients';
import { COMMAND_TIMEOUTS, localKinesisClient, localS3Client } from '../emulators';
import { DEFAULT_HORIZON_HOURS, formatDlqReplaySummary, replayFailedBatches } from '../tools/dlq-replay';
import { FileReplayStore, type ReplayStore } from '../tools/replay-store';
import { S3ReplayStore } from '../tools/s3-replay-store';
import {
  type CliIo,
  FAILED,
  isUsageError,
  localRuntime,
  OK,
  parseCommandArgs,
  positiveNumberOption,
  replayArguments,
  USAGE,
  UsageError,
} from './kit';
import { operatorPublisher } from './operator-publisher';

const LISTED = 10;

export const DLQ_HELP = `Usage: recostream dlq replay [target] [options]

Re-publishes to the events stream the records of every batch the stream consumer's event source mapping
gave up on (Lambda's S3 on-failure objects under aws/lambda/ in the failed-batches bucket). Each record
goes back unchanged (same eventId), marked with the record it replays, and the consumer applies exactly
what the original did not: a batch the consumer had partly applied is safe to replay whole. A ledger
dlq-replays/<path>.json per object lists what was sent, so running the command again sends nothing twice.

Target (one of)
  --local                  the local runtime (npm start): the failed-batches folder and the stream from
                           DIR/runtime.json
  --data-dir DIR           the local runtime's data directory (default .data)
  --bucket NAME            the failed-batches bucket (stack output FailedBatchesBucketName)
  --stream NAME            the events stream (stack output EventsStreamName); with --local it overrides
                           the name from runtime.json

Options
  --dry-run                count only: nothing is sent and no ledger is written
  --horizon-hours N        the consumer's retry horizon (FeatureStore dedupHorizon, default ${DEFAULT_HORIZON_HOURS}):
                           records received longer ago are left out, since exactly-once no longer holds
  --force                  replay those too (each may then be applied a second time)
  -h, --help               this text

Exits 1 if the stream did not take every record (run it again: what was sent is in the ledgers).`;

export async function dlqCommand(args: readonly string[], io: CliIo): Promise<number> {
  try {
    return await run(args, io);
  } catch (error) {
    if (!isUsageError(error)) throw error;
    io.err(`recostream dlq: ${(error as Error).message}\nRun \`recostream dlq --help\` for usage.`);
    return USAGE;
  }
}

async function run(args: readonly string[], io: CliIo): Promise<number> {
  const rest = replayArguments(args, DLQ_HELP, io);
  if (typeof rest === 'number') return rest;
  const { values, positionals } = parseCommandArgs(rest, {
    local: { type: 'boolean', default: false },
    'data-dir': { type: 'string' },
    bucket: { type: 'string' },
    stream: { type: 'string' },
    'dry-run': { type: 'boolean', default: false },
    'horizon-hours': { type: 'string' },
    force: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) {
    io.out(DLQ_HELP);
    return OK;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  if (values.local === (values.bucket !== undefined))
    throw new UsageError('give --local, or --bucket NAME and --stream NAME (stack outputs)');
  if (!values.local && values['data-dir'] !== undefined) throw new UsageError('--data-dir needs --local');
  const horizonHours = positiveNumberOption(
    values['horizon-hours'],
    DEFAULT_HORIZON_HOURS,
    '--horizon-hours',
  );
  const dryRun = values['dry-run'];

  let store: ReplayStore;
  let streamName = values.stream;
  let kinesis: KinesisClient | undefined;
  if (values.local) {
    const dataDir = resolve(values['data-dir'] ?? '.data');
    const runtime = localRuntime(dataDir);
    const { failedBatchesDir, failedBatchesOnS3: onS3 } = runtime;
    // On moto's S3 (the moto emulator set) the batches are objects, read as on AWS.
    if (onS3) store = new S3ReplayStore(localS3Client(onS3.endpoint), onS3.bucket);
    else if (failedBatchesDir) store = new FileReplayStore(failedBatchesDir);
    else throw new UsageError(`${dataDir}/runtime.json names no failed-batches folder: restart npm start`);
    const streams = Object.values(runtime.streams ?? {});
    streamName ??= streams.length === 1 ? streams[0] : undefined;
    if (!dryRun && !streamName) throw new UsageError('cannot tell the events stream: pass --stream NAME');
    if (!dryRun) {
      if (!runtime.kinesisEndpoint) throw new UsageError(`${dataDir}/runtime.json has no kinesisEndpoint`);
      kinesis = localKinesisClient(runtime.kinesisEndpoint, { timeouts: COMMAND_TIMEOUTS });
    }
  } else {
    store = new S3ReplayStore(s3Client(), values.bucket as string);
    if (!dryRun && !streamName)
      throw new UsageError('--stream NAME is required (stack output EventsStreamName)');
  }

  try {
    io.out(
      dryRun
        ? `DLQ replay (dry run: nothing is sent or recorded) of ${store.description}`
        : `DLQ replay of ${store.description} to stream ${streamName}`,
    );
    const publisher = dryRun || !streamName ? undefined : operatorPublisher(streamName, kinesis, io);
    const summary = await replayFailedBatches({
      store,
      ...(publisher ? { publisher } : {}),
      dryRun,
      horizonHours,
      force: values.force,
    });
    io.out(formatDlqReplaySummary(summary));
    for (const u of summary.unreadable.slice(0, LISTED))
      io.err(`  not a failed batch: ${u.key}: ${u.reason}`);
    if (summary.beyondHorizon > 0)
      io.err(
        `${summary.beyondHorizon} record(s) are older than the ${horizonHours} h horizon: left out (--force sends them)`,
      );
    if (summary.failures.length > 0) {
      io.err(`${summary.failures.length} record(s) were not taken by the stream; run the command again:`);
      for (const f of summary.failures.slice(0, LISTED))
        io.err(`  ${f.key} ${f.sequenceNumber}: ${f.errorCode}${f.errorMessage ? ` ${f.errorMessage}` : ''}`);
      return FAILED;
    }
    return OK;
  } finally {
    kinesis?.destroy();
  }
}
