/**
 * `recostream backfill`: rebuilds the feature tables from a file of events (../tools/backfill does the work),
 * into the running local runtime's tables (`--local`), the deployed ones, or memory (`--dry-run`).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { updaterOptionsFromEnv } from '../../lambdas/consumer/consumer-config';
import { DynamoFeatureStore } from '../../lambdas/consumer/dynamo-feature-store';
import type { FeatureStorePort } from '../../lambdas/consumer/feature-store-port';
import { dynamoDocumentClient } from '../../lambdas/shared/aws-clients';
import { COMMAND_TIMEOUTS, localDocumentClient } from '../emulators';
import {
  type ApplyResult,
  applyBackfill,
  BackfillWriteError,
  formatSummary,
  planBackfill,
  type Rejection,
  rejectedPathFor,
  summarize,
  writeRejectionReport,
} from '../tools/backfill';
import { JsonFileEventSource } from '../tools/backfill-source';
import { MemoryFeatureStore } from '../tools/memory-feature-store';
import { type CliIo, FAILED, localRuntime, OK, parseCommandArgs, positiveInt, UsageError } from './kit';

export const BACKFILL_HELP = `Usage: recostream backfill --events <file.jsonl|file.json> [target] [options]

Replays a file of events through the stream consumer's own feature logic (FeatureUpdater) into the
Profiles and ItemStats tables, e.g. to rebuild them after the feature logic changed.

Input
  --events FILE            JSON lines (one event per line) or one JSON array of events. An event is
                           either canonical (as on the stream or in the lake) or a client input event
                           (as sent to POST /v1/events), normalised like the ingest API does, with
                           receivedAt = the event's own receivedAt, else its occurredAt, else the time
                           of this run, and a missing eventId = <shard>-<line>. Invalid events are
                           counted, listed with their line number and reason, and written to
                           FILE.rejected.jsonl (also with --dry-run).

Target (one of)
  --local                  the running local runtime (npm start): DynamoDB endpoint and table names
                           from DIR/runtime.json
  --data-dir DIR           the local runtime's data directory (default: .data)
  --profiles-table NAME    without --local: the deployed tables, through the default AWS credentials
  --item-stats-table NAME  chain and region (AWS_PROFILE, AWS_REGION, ...). The names are the stack
                           outputs ProfilesTableName and ItemStatsTableName. With --local they
                           override the names from runtime.json.
  --dry-run                fold into an in-memory store and print the summary; no table is written

Options
  --batch-size N           events per FeatureUpdater batch (default 500)
  -h, --help               this text

How it applies
  Events are applied in occurredAt order (ties keep file order) as one synthetic shard,
  backfill-<first 12 hex digits of the file's SHA-256>, whose sequence numbers are the events'
  positions in that order. Re-running the same file is a replay that changes nothing, and re-running
  after a failure applies exactly what is missing. A different file is a different shard and adds to
  the counters: to rebuild, backfill into empty tables. Retries and write concurrency are the stream
  consumer's (WRITE_ATTEMPTS, WRITE_CONCURRENCY, ...).`;

const DEFAULT_BATCH_SIZE = 500;
const MAX_BATCH_SIZE = 10_000;
const LISTED_REJECTIONS = 10;
const PROGRESS_INTERVAL_MS = 5000;

interface Target {
  readonly description: string;
  readonly store: FeatureStorePort;
  close(): void;
}

export async function backfillCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, {
    events: { type: 'string' },
    'profiles-table': { type: 'string' },
    'item-stats-table': { type: 'string' },
    local: { type: 'boolean', default: false },
    'data-dir': { type: 'string' },
    'batch-size': { type: 'string' },
    'dry-run': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) {
    io.out(BACKFILL_HELP);
    return OK;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  if (!values.events) throw new UsageError('--events FILE is required');
  const eventsPath = resolve(values.events);
  if (!existsSync(eventsPath)) throw new UsageError(`--events: ${values.events} does not exist`);
  const batchSize = positiveInt(values['batch-size'] ?? String(DEFAULT_BATCH_SIZE), 'batch-size');
  if (batchSize > MAX_BATCH_SIZE) throw new UsageError(`--batch-size must be at most ${MAX_BATCH_SIZE}`);
  if (values['data-dir'] !== undefined && !values.local) throw new UsageError('--data-dir needs --local');

  // Resolve the target before reading the file: a wrong target should fail in a second, not after minutes.
  const target = values['dry-run']
    ? undefined
    : targetFor({
        local: values.local,
        dataDir: values['data-dir'] ?? '.data',
        profilesTable: values['profiles-table'],
        itemStatsTable: values['item-stats-table'],
      });
  const store = target?.store ?? new MemoryFeatureStore();
  try {
    const started = Date.now();
    const plan = await planBackfill(new JsonFileEventSource(eventsPath));
    io.out(
      `Backfill of ${values.events} as shard ${plan.shardId} into ${target?.description ?? 'memory (dry run: no table is written)'}`,
    );
    const rejectedPath = rejectedPathFor(eventsPath);
    if (plan.rejections.length > 0) io.err(`${plan.rejections.length} invalid event(s) rejected:`);
    listRejections(plan.rejections, io);
    writeReport(rejectedPath, plan.rejections, io);

    let lastProgress = Date.now();
    const onProgress = (done: number, total: number) => {
      if (Date.now() - lastProgress < PROGRESS_INTERVAL_MS || done === total) return;
      lastProgress = Date.now();
      io.err(`  ${done} / ${total} events (${Math.floor((100 * done) / total)} %)`);
    };
    let result: ApplyResult;
    let failure: BackfillWriteError | undefined;
    try {
      result = await applyBackfill(plan, store, { updater: updaterOptionsFromEnv(), batchSize, onProgress });
    } catch (error) {
      if (!(error instanceof BackfillWriteError)) throw error;
      failure = error;
      result = error.partial;
    }
    if (result.poison.length > 0) {
      io.err(`${result.poison.length} event(s) made the feature logic fail and were skipped:`);
      listRejections(result.poison, io);
      writeReport(rejectedPath, [...plan.rejections, ...result.poison], io);
    }
    io.out(formatSummary(summarize(plan, result, (Date.now() - started) / 1000)));
    if (plan.rejections.length + result.poison.length > 0) io.out(`  rejected lines  ${rejectedPath}`);
    if (failure) {
      io.err(`Backfill stopped: ${failure.message}`);
      io.err(
        'Everything before that is applied; re-run the same command to resume (applied events are skipped).',
      );
      return FAILED;
    }
    return OK;
  } finally {
    target?.close();
  }
}

function targetFor(options: {
  local: boolean;
  dataDir: string;
  profilesTable?: string;
  itemStatsTable?: string;
}): Target {
  let client: DynamoDBDocumentClient;
  let profilesTable = options.profilesTable;
  let itemStatsTable = options.itemStatsTable;
  let where: string;
  if (options.local) {
    const runtime = localRuntime(resolve(options.dataDir));
    profilesTable ??= runtime.tables.Profiles;
    itemStatsTable ??= runtime.tables.ItemStats;
    client = localDocumentClient(runtime.dynamoEndpoint, { timeouts: COMMAND_TIMEOUTS });
    where = `local DynamoDB ${runtime.dynamoEndpoint}`;
  } else {
    if (!profilesTable || !itemStatsTable) {
      throw new UsageError(
        'give --profiles-table and --item-stats-table (the stack outputs ProfilesTableName and ItemStatsTableName), or --local, or --dry-run',
      );
    }
    // The consumer's own client: default credentials chain and region, AWS_ENDPOINT_URL_DYNAMODB honoured.
    client = dynamoDocumentClient();
    where = 'DynamoDB';
  }
  if (!profilesTable || !itemStatsTable)
    throw new UsageError('runtime.json has no Profiles or ItemStats table: pass the table names');
  return {
    description: `${where} tables ${profilesTable}, ${itemStatsTable}`,
    store: new DynamoFeatureStore(client, { profilesTable, itemStatsTable }),
    // Lets the process exit without waiting for idle keep-alive sockets.
    close: () => client.destroy(),
  };
}

function listRejections(rejections: readonly Rejection[], io: CliIo): void {
  for (const rejection of rejections.slice(0, LISTED_REJECTIONS))
    io.err(`  line ${rejection.line}: ${rejection.reason}`);
  if (rejections.length > LISTED_REJECTIONS) io.err(`  … and ${rejections.length - LISTED_REJECTIONS} more`);
}

/** The report next to the input: written even for a dry run, as validating a file is what that is for. */
function writeReport(path: string, rejections: readonly Rejection[], io: CliIo): void {
  try {
    writeRejectionReport(path, rejections);
  } catch (error) {
    io.err(`could not write ${path}: ${(error as Error).message}`);
  }
}
