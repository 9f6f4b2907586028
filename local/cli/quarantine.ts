/**
 * `recostream quarantine replay`: re-validates the events the ingest API quarantined with the current rules
 * and re-ingests those that now pass (../tools/quarantine-replay does the work), from the local lake to the
 * local stream (`--local`) or from the lake bucket to the deployed stream; then the refused `PUT /v1/items`
 * requests (../tools/catalogue-replay), stored in the Items table and the lake's `items/` like the API's.
 */
import { resolve } from 'node:path';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { DynamoCatalogueWriter } from '../../lambdas/catalogue/dynamo-catalogue';
import { ObjectStoreItemChangeLog } from '../../lambdas/catalogue/item-change-log';
import { storeCatalogueItems } from '../../lambdas/catalogue/store-items';
import type { KinesisPublisher } from '../../lambdas/ingest/kinesis-publisher';
import { s3Client } from '../../lambdas/shared/aws-clients';
import { ITEMS_PREFIX, QUARANTINE_PREFIX } from '../../lambdas/shared/lake-layout';
import type { FilterRule } from '../../lambdas/shared/recommend-rules';
import { COMMAND_TIMEOUTS, localKinesisClient } from '../emulators';
import { localLakeDir } from '../lake/query';
import {
  type CatalogueReplaySummary,
  type CatalogueSink,
  formatCatalogueReplaySummary,
  replayCatalogueQuarantine,
} from '../tools/catalogue-replay';
import { DEFAULT_LEDGER_PREFIX } from '../tools/quarantine-ledger';
import { type EventValidator, formatReplaySummary, replayQuarantine } from '../tools/quarantine-replay';
import { FileReplayStore, objectStoreOf, type ReplayStore } from '../tools/replay-store';
import { S3ReplayStore } from '../tools/s3-replay-store';
import { type ItemsTarget, openItemsTable, promotionOfRulesFile } from './catalogue-target';
import {
  type CliIo,
  eventsStreamOf,
  FAILED,
  localRuntime,
  OK,
  parseCommandArgs,
  replayArguments,
  UsageError,
} from './kit';
import { operatorPublisher } from './operator-publisher';

/** Collaborators a caller (a test, a migration script) may replace. */
export interface QuarantineDeps {
  /** Event rules for `quarantine replay`. @default normalizeEvent */
  readonly validator?: EventValidator;
}

const LISTED_FAILURES = 10;

export const QUARANTINE_HELP = `Usage: recostream quarantine replay [target] [options]

Re-validates the events the ingest API quarantined with the current event rules and sends the ones
that now pass to the events stream, with the eventId they were sent with (the consumer de-duplicates
any that were accepted meanwhile). Event-level rejections (unknown_type, missing_identity, ...) are
replayable; body-level ones (invalid_json, invalid_body, ...) are reported, and replayed only if the
body now parses as { "events": [...] } (or the Segment envelope of its route).

Refused catalogue requests (PUT /v1/items: invalid_items, duplicate_item, invalid_json, ...) are
validated again with the API's own rules (fix the body by hand in its record's rawPayload first) and,
when the whole request passes, stored in the Items table and the lake's items/ as the API stores them,
with the operator's credentials. An item changed after the request was refused is left alone
(superseded): a replay never undoes a later PUT.

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
  --items-table NAME       the Items table (stack output ItemsTableName) for the catalogue requests;
                           without it (on AWS) they are only validated and counted

Options
  --dry-run                validate and count only: nothing is sent and no ledger is written
  --dt YYYY-MM-DD          only quarantine objects of that rejection date
  --reason CODE            only that rejection reason
  --prefix PREFIX          key prefix of the quarantine (default ${QUARANTINE_PREFIX})
  --rules FILE.json        the deployment's rules (npm start --rules, context recommendationRules):
                           replayed items join its promoted-items row; without it that row is left
                           as it is (run recostream catalogue reindex --rules FILE.json later)
  -h, --help               this text

Prints: files scanned, records, events checked, now valid, replayed, already replayed, and the
events still invalid and the records not replayable, counted by reason; the same for the catalogue
requests. Exits 1 if the stream did not take every event or the table every item (run it again: what
was sent is in the ledgers).`;

export async function quarantineCommand(
  args: readonly string[],
  io: CliIo,
  deps: QuarantineDeps,
): Promise<number> {
  const rest = replayArguments(args, QUARANTINE_HELP, io);
  if (typeof rest === 'number') return rest;
  const { values, positionals } = parseCommandArgs(rest, {
    local: { type: 'boolean', default: false },
    'data-dir': { type: 'string' },
    stream: { type: 'string' },
    bucket: { type: 'string' },
    'dry-run': { type: 'boolean', default: false },
    dt: { type: 'string' },
    reason: { type: 'string' },
    prefix: { type: 'string' },
    'items-table': { type: 'string' },
    rules: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
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
  const promotion = values.rules !== undefined ? promotionOfRulesFile(values.rules) : undefined;

  let store: ReplayStore;
  let publisher: KinesisPublisher | undefined;
  let streamName: string | undefined;
  let kinesis: KinesisClient | undefined;
  if (values.local) {
    const dataDir = resolve(values['data-dir'] ?? '.data');
    store = new FileReplayStore(localLakeDir(dataDir));
    if (!dryRun) {
      const runtime = localRuntime(dataDir);
      if (!runtime.kinesisEndpoint) throw new UsageError(`${dataDir}/runtime.json has no kinesisEndpoint`);
      streamName = values.stream ?? eventsStreamOf(runtime.streams ?? {});
      kinesis = localKinesisClient(runtime.kinesisEndpoint, { timeouts: COMMAND_TIMEOUTS });
    }
  } else {
    store = new S3ReplayStore(s3Client(), values.bucket as string);
    if (!dryRun) {
      if (!values.stream) throw new UsageError('--stream NAME is required (stack output EventsStreamName)');
      streamName = values.stream;
    }
  }
  if (!dryRun && streamName) {
    publisher = operatorPublisher(streamName, kinesis, io);
  }

  // The catalogue requests are stored when there is a table to store them in (always locally).
  let items: ItemsTarget | undefined;
  if (!dryRun && (values.local || values['items-table'] !== undefined)) {
    items = openItemsTable({
      local: values.local,
      dataDir: resolve(values['data-dir'] ?? '.data'),
      ...(values['items-table'] !== undefined ? { table: values['items-table'] } : {}),
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
    const catalogue = await replayCatalogue(store, items, promotion, {
      dryRun: dryRun || !items,
      quarantinePrefix: values.prefix ?? QUARANTINE_PREFIX,
      ...(values.dt ? { dt: values.dt } : {}),
      ...(values.reason ? { reason: values.reason } : {}),
    });
    io.out(formatCatalogueReplaySummary(catalogue));
    if (!dryRun && !items && catalogue.nowValid > 0)
      io.err(
        '  catalogue requests were only validated: pass --items-table NAME (stack output ItemsTableName)',
      );
    if (items && !promotion && catalogue.replayed > 0)
      io.err(
        '  without --rules the promoted-items row was left as it is: recostream catalogue reindex --rules FILE.json',
      );
    reportCatalogueProblems(catalogue, io);
    if (summary.examples.length > 0) {
      io.err('Still invalid (first ones):');
      for (const e of summary.examples)
        io.err(`  ${e.key} line ${e.line}: ${e.reason}${e.field ? ` (${e.field})` : ''}: ${e.message}`);
    }
    if (summary.failures.length > 0) {
      io.err(`${summary.failures.length} event(s) were not taken by the stream; run the command again:`);
      for (const f of summary.failures.slice(0, LISTED_FAILURES))
        io.err(
          `  ${f.key} line ${f.line + 1} (${f.eventId}): ${f.errorCode}${f.errorMessage ? ` ${f.errorMessage}` : ''}`,
        );
      return FAILED;
    }
    return catalogue.failures.length > 0 ? FAILED : OK;
  } finally {
    kinesis?.destroy();
    items?.client.destroy();
  }
}

/** The catalogue part of the replay: stored through the API's own store-items with the lake store's items/. */
function replayCatalogue(
  store: ReplayStore,
  items: ItemsTarget | undefined,
  promotion: FilterRule | undefined,
  options: { dryRun: boolean; quarantinePrefix: string; dt?: string; reason?: string },
): Promise<CatalogueReplaySummary> {
  let sink: CatalogueSink | undefined;
  if (items) {
    const writer = new DynamoCatalogueWriter(items.tableName, items.client, undefined, promotion);
    const changes = new ObjectStoreItemChangeLog(objectStoreOf(store), '', ITEMS_PREFIX);
    sink = (list, at, storeOptions) => storeCatalogueItems(list, at, writer, changes, storeOptions);
  }
  return replayCatalogueQuarantine({
    store,
    ...(sink ? { sink } : {}),
    ...options,
    ledgerPrefix: DEFAULT_LEDGER_PREFIX,
  });
}

function reportCatalogueProblems(summary: CatalogueReplaySummary, io: CliIo): void {
  if (summary.examples.length > 0) {
    io.err('Catalogue requests still refused (first ones):');
    for (const e of summary.examples) io.err(`  ${e.key} line ${e.line}: ${e.reason}: ${e.message}`);
  }
  if (summary.failures.length > 0) {
    io.err(`${summary.failures.length} catalogue request(s) were not stored whole; run the command again:`);
    for (const f of summary.failures.slice(0, LISTED_FAILURES))
      io.err(`  ${f.key} line ${f.line}: ${f.message}`);
  }
}
