/**
 * The `recostream` command (bin/recostream.js runs this file through tsx). Subcommands:
 *
 *   recostream backfill --events <file.jsonl|file.json> [--local] [--dry-run] ...
 *   recostream query "<SQL>" | --named NAME [--format table|csv|json] [--athena ...]
 *   recostream quarantine replay [--local | --stream NAME --bucket NAME] [--dry-run]
 *   recostream dlq replay [--local | --bucket NAME --stream NAME] [--dry-run]
 *   recostream jobs run|list <cf|trending> [--local | --state-machine ARN | --job-runs-table NAME]
 *   recostream rollback <similarities|trending> --to <version> [--local | --job-runs-table NAME]
 *   recostream keys create|list|revoke [--local | --table NAME]
 *
 * Thin: argument parsing, choosing the target store and printing; the work is in ./backfill,
 * ./lake-query (+ ./athena-query) and ./quarantine-replay. The S3 adapter of the replay store is here,
 * with the other SDK wiring.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { AthenaClient } from '@aws-sdk/client-athena';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { updaterOptionsFromEnv } from '../lambdas/consumer/consumer-config';
import { DynamoFeatureStore } from '../lambdas/consumer/dynamo-feature-store';
import type { FeatureStorePort } from '../lambdas/consumer/feature-store-port';
import { KinesisPublisher } from '../lambdas/ingest/kinesis-publisher';
import { dynamoDocumentClient, kinesisClient, s3Client } from '../lambdas/shared/aws-clients';
import { QUARANTINE_PREFIX } from '../lambdas/shared/lake-layout';
import { AthenaLake } from './athena-query';
import {
  type ApplyResult,
  applyBackfill,
  BackfillWriteError,
  formatSummary,
  JsonFileEventSource,
  MemoryFeatureStore,
  planBackfill,
  type Rejection,
  readLocalRuntime,
  rejectedPathFor,
  summarize,
  writeRejectionReport,
} from './backfill';
import { costCommand } from './cost/command';
import { dlqCommand } from './dlq-command';
import { importCommand } from './import-command';
import { jobsCommand, rollbackCommand } from './jobs-command';
import { keysCommand } from './keys-command';
import {
  formatResult,
  type LakeQueryEngine,
  listNamedQueries,
  loadNamedQuery,
  localLakeDir,
  OUTPUT_FORMATS,
  type OutputFormat,
  openLocalLake,
  UnknownNamedQueryError,
} from './lake-query';
import { localKinesisClient } from './local-kinesis';
import {
  DEFAULT_LEDGER_PREFIX,
  type EventValidator,
  FileReplayStore,
  formatReplaySummary,
  type ReplayStore,
  replayQuarantine,
} from './quarantine-replay';
import { S3ReplayStore } from './s3-replay-store';

export { S3ReplayStore } from './s3-replay-store';

import { LOCAL_REGION } from './template-topology';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

const consoleIo: CliIo = { out: (t) => console.log(t), err: (t) => console.error(t) };

/** Exit codes: 0 done, 1 failed, 2 bad usage. */
const OK = 0;
const FAILED = 1;
const USAGE = 2;

class UsageError extends Error {}

/** Collaborators a caller (a test, a migration script) may replace. */
export interface CliDeps {
  /** Event rules for `quarantine replay`. @default normalizeEvent */
  readonly validator?: EventValidator;
}

interface Command {
  readonly summary: string;
  run(args: readonly string[], io: CliIo, deps: CliDeps): Promise<number>;
}

const COMMANDS: Readonly<Record<string, Command>> = {
  backfill: {
    summary: 'Rebuild the feature tables (Profiles, ItemStats) from a file of events',
    run: backfillCommand,
  },
  query: {
    summary: 'Run SQL on the data lake: DuckDB over the local lake, or Athena',
    run: queryCommand,
  },
  import: {
    summary: 'Import a public dataset (the UCI Online Retail CSVs) as purchase events',
    run: (args, io) => importCommand(args, io),
  },
  quarantine: {
    summary: 'Quarantined events: `quarantine replay` re-ingests those the current rules accept',
    run: quarantineCommand,
  },
  dlq: {
    summary: 'Batches the stream consumer gave up on: `dlq replay` re-publishes them, applied exactly once',
    run: (args, io) => dlqCommand(args, io),
  },
  jobs: {
    summary: 'Batch jobs: `jobs run cf|trending` runs one now, `jobs list cf` shows runs and their checks',
    run: (args, io) => jobsCommand(args, io),
  },
  keys: {
    summary: 'API keys: `keys create --role write|admin|catalog`, `keys list`, `keys revoke NAME`',
    run: (args, io) => keysCommand(args, io),
  },
  cost: {
    summary: 'Monthly AWS cost table at 1, 10 and 100 million events a day, from the configured app',
    run: (args, io) => costCommand(args, io),
  },
  rollback: {
    summary: 'Restore an earlier published version: `rollback similarities|trending --to <version>`',
    run: (args, io) => rollbackCommand(args, io),
  },
};

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length)) + 3;
  return [
    'Usage: recostream <command> [options]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, command]) => `  ${name.padEnd(width)}${command.summary}`),
    '',
    'Run `recostream <command> --help` for the options of a command.',
  ].join('\n');
}

export async function main(
  argv: readonly string[],
  io: CliIo = consoleIo,
  deps: CliDeps = {},
): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    (name === undefined ? io.err : io.out)(usage());
    return name === undefined ? USAGE : OK;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    io.err(`recostream: unknown command '${name}'\n\n${usage()}`);
    return USAGE;
  }
  try {
    return await command.run(rest, io, deps);
  } catch (error) {
    if (error instanceof UsageError || isParseArgsError(error)) {
      io.err(`recostream ${name}: ${(error as Error).message}\nRun \`recostream ${name} --help\` for usage.`);
      return USAGE;
    }
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------
// backfill
// ---------------------------------------------------------------------------------------------

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
// dynalite ignores credentials; the SDK only needs some.
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

interface Target {
  readonly description: string;
  readonly store: FeatureStorePort;
  close(): void;
}

async function backfillCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: {
      events: { type: 'string' },
      'profiles-table': { type: 'string' },
      'item-stats-table': { type: 'string' },
      local: { type: 'boolean', default: false },
      'data-dir': { type: 'string' },
      'batch-size': { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
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
    let runtime: ReturnType<typeof readLocalRuntime>;
    try {
      runtime = readLocalRuntime(resolve(options.dataDir));
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    profilesTable ??= runtime.tables.Profiles;
    itemStatsTable ??= runtime.tables.ItemStats;
    client = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: runtime.dynamoEndpoint,
        region: LOCAL_REGION,
        credentials: LOCAL_CREDENTIALS,
        requestHandler: new NodeHttpHandler({ connectionTimeout: 2000, requestTimeout: 10000 }),
      }),
      { marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false } },
    );
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

// ---------------------------------------------------------------------------------------------
// query
// ---------------------------------------------------------------------------------------------

export function queryHelp(): string {
  const names = listNamedQueries();
  return `Usage: recostream query "<SQL>" [options]
       recostream query --named NAME [options]

Runs one SQL statement on the data lake and prints the result. Tables: \`events\` (the lake's event
columns plus the partitions event_type, dt and hour, as strings) and \`quarantine\` (rejected events
plus dt and reason). Locally DuckDB reads the lake folder; with --athena the same SQL runs on Athena,
so keep to the SQL both accept (see sql/named/*.sql).

Query
  "<SQL>"                  the statement (quote it for the shell)
  --named NAME             the saved query sql/named/NAME.sql (also an Athena named query):
                           ${names.length > 0 ? names.join(', ') : '(none)'}

Engine (default: the local lake, no AWS account needed)
  --data-dir DIR           the local runtime's data directory (default .data); the lake is DIR/lake
  --lake-dir DIR           read this lake folder (events/, quarantine/) instead
  --athena                 run on Athena, with the default AWS credentials chain and region
  --workgroup WG           Athena workgroup: the stack output AthenaWorkGroupName (default: the
                           environment variable RECOSTREAM_ATHENA_WORKGROUP)
  --database DB            Glue database of the lake tables: the stack output GlueDatabaseName
                           (default: RECOSTREAM_GLUE_DATABASE)

Output
  --format FORMAT          table (aligned, default), csv (RFC 4180 with a header record) or json (an
                           array of objects)
  -h, --help               this text`;
}

async function queryCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: {
      named: { type: 'string' },
      format: { type: 'string', default: 'table' },
      'data-dir': { type: 'string' },
      'lake-dir': { type: 'string' },
      athena: { type: 'boolean', default: false },
      workgroup: { type: 'string' },
      database: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
  });
  if (values.help) {
    io.out(queryHelp());
    return OK;
  }
  const format = values.format as OutputFormat;
  if (!OUTPUT_FORMATS.includes(format))
    throw new UsageError(`--format must be one of ${OUTPUT_FORMATS.join(', ')}, got '${values.format}'`);
  if (positionals.length > 1)
    throw new UsageError(`one SQL statement, quoted; got ${positionals.length} arguments`);
  if (positionals.length === 1 && values.named !== undefined)
    throw new UsageError('give either "<SQL>" or --named NAME, not both');

  let sql = positionals[0];
  if (values.named !== undefined) {
    try {
      sql = loadNamedQuery(values.named).sql;
    } catch (error) {
      if (!(error instanceof UnknownNamedQueryError)) throw error;
      io.err(`recostream query: ${error.message}`);
      return USAGE;
    }
  }
  if (sql === undefined || sql.trim() === '') throw new UsageError('give "<SQL>" or --named NAME');

  let engine: LakeQueryEngine;
  let release = () => {};
  if (values.athena) {
    if (values['data-dir'] !== undefined || values['lake-dir'] !== undefined)
      throw new UsageError('--data-dir and --lake-dir are for the local lake, not --athena');
    const workGroup = values.workgroup ?? process.env.RECOSTREAM_ATHENA_WORKGROUP;
    if (!workGroup)
      throw new UsageError(
        '--athena needs --workgroup WG (stack output AthenaWorkGroupName, or RECOSTREAM_ATHENA_WORKGROUP)',
      );
    const database = values.database ?? process.env.RECOSTREAM_GLUE_DATABASE;
    const client = new AthenaClient({});
    engine = new AthenaLake({
      client,
      workGroup,
      ...(database ? { database } : {}),
      onState: (state, id) => {
        if (state === 'QUEUED' || state === 'RUNNING') io.err(`  Athena query ${id}: ${state}`);
      },
    });
    release = () => client.destroy();
  } else {
    if (values.workgroup !== undefined || values.database !== undefined)
      throw new UsageError('--workgroup and --database need --athena');
    if (values['data-dir'] !== undefined && values['lake-dir'] !== undefined)
      throw new UsageError('give --data-dir or --lake-dir, not both');
    const lakeDir = resolve(values['lake-dir'] ?? localLakeDir(resolve(values['data-dir'] ?? '.data')));
    if (!existsSync(lakeDir)) io.err(`recostream query: no lake at ${lakeDir} yet: the tables are empty`);
    engine = await openLocalLake(lakeDir);
  }
  try {
    const result = await engine.runQuery(sql);
    io.out(formatResult(result, format));
    return OK;
  } catch (error) {
    io.err(`recostream query: ${engine.description}: ${(error as Error).message}`);
    return FAILED;
  } finally {
    await engine.close();
    release();
  }
}

// ---------------------------------------------------------------------------------------------
// quarantine replay
// ---------------------------------------------------------------------------------------------

export const QUARANTINE_HELP = `Usage: recostream quarantine replay [target] [options]

Re-validates the events the ingest API quarantined with the current event rules and sends the ones
that now pass to the events stream, with the eventId they were sent with (the consumer de-duplicates
any that were accepted meanwhile). Event-level rejections (unknown_type, missing_identity, ...) are
replayable; body-level ones (invalid_json, invalid_body, ...) are reported, and replayed only if the
body now parses as { "events": [...] } (or the Segment envelope of its route).

Each quarantine object quarantine/<path>.jsonl gets a ledger quarantine-replays/<path>.json listing
what was sent, so running the command again sends nothing twice.

Target (one of)
  --local                  the local runtime (npm start): the Kinesis endpoint and stream name from
                           DIR/runtime.json, the quarantine from DIR/lake/quarantine/
  --data-dir DIR           the local runtime's data directory (default .data)
  --stream NAME            the events stream (stack output EventsStreamName); with --local it
                           overrides the name from runtime.json
  --bucket NAME            the lake bucket (stack output LakeBucketName), read and written through
                           the default AWS credentials chain and region

Options
  --dry-run                validate and count only: nothing is sent and no ledger is written
  --dt YYYY-MM-DD          only quarantine objects of that rejection date
  --reason CODE            only that rejection reason
  --prefix PREFIX          key prefix of the quarantine (default ${QUARANTINE_PREFIX})
  -h, --help               this text

Prints: files scanned, records, events checked, now valid, replayed, already replayed, and the
events still invalid and the records not replayable, counted by reason. Exits 1 if the stream did
not take every event (run it again: what was sent is in the ledgers).`;

async function quarantineCommand(args: readonly string[], io: CliIo, deps: CliDeps): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    (sub === undefined ? io.err : io.out)(QUARANTINE_HELP);
    return sub === undefined ? USAGE : OK;
  }
  if (sub !== 'replay') throw new UsageError(`unknown subcommand '${sub}': the only one is 'replay'`);
  const { values, positionals } = parseArgs({
    args: rest,
    options: {
      local: { type: 'boolean', default: false },
      'data-dir': { type: 'string' },
      stream: { type: 'string' },
      bucket: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      dt: { type: 'string' },
      reason: { type: 'string' },
      prefix: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
  });
  if (values.help) {
    io.out(QUARANTINE_HELP);
    return OK;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  if (values.dt !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(values.dt))
    throw new UsageError(`--dt must be YYYY-MM-DD, got '${values.dt}'`);
  if (values.reason !== undefined && !/^[A-Za-z0-9_-]+$/.test(values.reason))
    throw new UsageError(`--reason must be a rejection code such as unknown_type, got '${values.reason}'`);
  if (values.local && values.bucket !== undefined)
    throw new UsageError('--bucket is for the deployed stack; --local reads the local lake');
  if (!values.local && values.bucket === undefined)
    throw new UsageError(
      'give --local, or --bucket NAME and --stream NAME (stack outputs LakeBucketName, EventsStreamName)',
    );
  if (!values.local && values['data-dir'] !== undefined) throw new UsageError('--data-dir needs --local');
  const dryRun = values['dry-run'];

  let store: ReplayStore;
  let publisher: KinesisPublisher | undefined;
  let streamName: string | undefined;
  let kinesis: KinesisClient | undefined;
  if (values.local) {
    const dataDir = resolve(values['data-dir'] ?? '.data');
    store = new FileReplayStore(localLakeDir(dataDir));
    if (!dryRun) {
      let runtime: ReturnType<typeof readLocalRuntime> & { streams?: Record<string, string> };
      try {
        runtime = readLocalRuntime(dataDir);
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
      if (!runtime.kinesisEndpoint) throw new UsageError(`${dataDir}/runtime.json has no kinesisEndpoint`);
      streamName = values.stream ?? eventsStreamOf(runtime.streams ?? {});
      kinesis = localKinesisClient(runtime.kinesisEndpoint);
    }
  } else {
    store = new S3ReplayStore(s3Client(), values.bucket as string);
    if (!dryRun) {
      if (!values.stream) throw new UsageError('--stream NAME is required (stack output EventsStreamName)');
      streamName = values.stream;
    }
  }
  if (!dryRun && streamName) {
    publisher = new KinesisPublisher({
      streamName,
      client: kinesis ?? kinesisClient(),
      // An operator command, not an API call: more patience than the ingest API's 5 s budget.
      budgetMs: 60_000,
      maxAttempts: 8,
      onRetry: (info) => io.err(`  retrying ${info.records} record(s): ${JSON.stringify(info.errorCodes)}`),
    });
  }

  try {
    io.out(
      dryRun
        ? `Quarantine replay (dry run: nothing is sent or recorded) of ${store.description}`
        : `Quarantine replay of ${store.description} to stream ${streamName}`,
    );
    const summary = await replayQuarantine({
      store,
      ...(publisher ? { publisher } : {}),
      ...(deps.validator ? { validator: deps.validator } : {}),
      dryRun,
      quarantinePrefix: values.prefix ?? QUARANTINE_PREFIX,
      ledgerPrefix: DEFAULT_LEDGER_PREFIX,
      ...(values.dt ? { dt: values.dt } : {}),
      ...(values.reason ? { reason: values.reason } : {}),
    });
    io.out(formatReplaySummary(summary));
    if (summary.examples.length > 0) {
      io.err('Still invalid (first ones):');
      for (const e of summary.examples)
        io.err(`  ${e.key} line ${e.line}: ${e.reason}${e.field ? ` (${e.field})` : ''}: ${e.message}`);
    }
    if (summary.failures.length > 0) {
      io.err(`${summary.failures.length} event(s) were not taken by the stream; run the command again:`);
      for (const f of summary.failures.slice(0, LISTED_REJECTIONS))
        io.err(
          `  ${f.key} line ${f.line + 1} (${f.eventId}): ${f.errorCode}${f.errorMessage ? ` ${f.errorMessage}` : ''}`,
        );
      return FAILED;
    }
    return OK;
  } finally {
    kinesis?.destroy();
  }
}

/** The events stream among runtime.json's `streams` (logical id -> name). */
function eventsStreamOf(streams: Readonly<Record<string, string>>): string {
  const entries = Object.entries(streams);
  const matches = entries.length === 1 ? entries : entries.filter(([id]) => /events/i.test(id));
  if (matches.length !== 1)
    throw new UsageError(
      `cannot tell the events stream among ${entries.length} stream(s) in runtime.json: pass --stream NAME`,
    );
  return (matches[0] as [string, string])[1];
}

function positiveInt(raw: string, name: string): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new UsageError(`--${name} must be a positive integer, got '${raw}'`);
  return value;
}

/** node:util parseArgs errors (checked by code: under jest they come from another realm). */
function isParseArgsError(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      console.error(error instanceof Error ? (error.stack ?? error.message) : error);
      process.exitCode = FAILED;
    },
  );
}
