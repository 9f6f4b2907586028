/**
 * `recostream dlq replay`: re-publishes the records of the batches the consumer's event source mapping
 * gave up on (Lambda's S3 on-failure objects, lambdas/shared/failed-batch.ts) to the events stream.
 *
 * Same events: each record's data goes back byte for byte, so the eventIds are the originals; its
 * partition key names the record it replays (lambdas/shared/replay-origin.ts), after the records that one
 * replayed itself if it was a replay given up again. The consumer then applies exactly what none of them
 * did: the profile if its ledger lacks the eventId, and the item rows none of them reached. A batch the
 * consumer had partly applied before it gave up is therefore safe to replay whole.
 *
 * Replayed once: for each object `aws/lambda/<path>` a ledger object `dlq-replays/<path>.json` lists the
 * sequence numbers sent; a later run skips them. The ledger is written after the stream took the records,
 * so a crash in between means a resend of the same replay records, which the consumer recognises.
 *
 * Within the retry horizon: exactly-once rests on the profile's event ledger, which forgets an event a
 * horizon after its receivedAt. Records received longer ago are left out (and counted) unless forced.
 *
 * No AWS imports: the store (the bucket's local folder, or S3) and the publisher are passed in.
 */
import type { KinesisStreamRecord } from 'aws-lambda';
import type { EventPublisher } from '../../lambdas/ingest/kinesis-publisher';
import {
  FAILED_BATCH_KEY_PREFIX,
  type FailedBatchRecord,
  failedBatchRecords,
  parseFailedBatch,
} from '../../lambdas/shared/failed-batch';
import { MAX_REPLAY_HOPS, replayOriginsOf, replayPartitionKey } from '../../lambdas/shared/replay-origin';
import { type QueuedRecord, ReplayQueue } from './replay-queue';
import type { ReplayStore } from './replay-store';

export const DLQ_LEDGER_PREFIX = 'dlq-replays/';
/** The consumer's default retry horizon (FeatureStore `dedupHorizon`). */
export const DEFAULT_HORIZON_HOURS = 24;

export interface DlqReplayOptions {
  readonly store: ReplayStore;
  /** Required unless dryRun. */
  readonly publisher?: EventPublisher;
  readonly dryRun?: boolean;
  /** Records whose event was received longer ago are beyond exactly-once: left out unless `force`. */
  readonly horizonHours?: number;
  readonly force?: boolean;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

export interface DlqReplayFailure {
  readonly key: string;
  readonly sequenceNumber: string;
  readonly errorCode: string;
  readonly errorMessage?: string;
}

export interface DlqReplaySummary {
  readonly dryRun: boolean;
  /** Failed-batch objects read. */
  readonly objects: number;
  /** Records in them. */
  readonly records: number;
  /** Sent now (or, in a dry run, that would be). */
  readonly replayed: number;
  /** Sent by an earlier run (in a ledger). */
  readonly alreadyReplayed: number;
  /** Received longer than the horizon ago: left out. */
  readonly beyondHorizon: number;
  /** Replays given up and replayed more than MAX_REPLAY_HOPS times over: left out. */
  readonly tooManyHops: number;
  /** Objects that are not failed-batch records, with the reason. */
  readonly unreadable: ReadonlyArray<{ readonly key: string; readonly reason: string }>;
  readonly ledgersWritten: number;
  readonly failures: readonly DlqReplayFailure[];
}

interface DlqLedger {
  readonly source: string;
  /** Sequence number -> when it was re-published. */
  readonly replayed: Record<string, string>;
}

/** `aws/lambda/<path>` -> `dlq-replays/<path>.json`. */
export function dlqLedgerKey(objectKey: string): string {
  const path = objectKey.startsWith(FAILED_BATCH_KEY_PREFIX)
    ? objectKey.slice(FAILED_BATCH_KEY_PREFIX.length)
    : objectKey;
  return `${DLQ_LEDGER_PREFIX}${path}.json`;
}

interface Pending extends QueuedRecord {
  readonly sequenceNumber: string;
}

export async function replayFailedBatches(options: DlqReplayOptions): Promise<DlqReplaySummary> {
  const dryRun = options.dryRun ?? false;
  if (!dryRun && !options.publisher)
    throw new Error('replayFailedBatches: a publisher is required unless dryRun');
  const now = options.now ?? (() => new Date());
  const oldestReceived = now().getTime() - (options.horizonHours ?? DEFAULT_HORIZON_HOURS) * 3600_000;
  const { store } = options;
  const counts = {
    objects: 0,
    records: 0,
    replayed: 0,
    alreadyReplayed: 0,
    beyondHorizon: 0,
    tooManyHops: 0,
    ledgersWritten: 0,
  };
  const unreadable: Array<{ key: string; reason: string }> = [];
  const failures: DlqReplayFailure[] = [];
  const ledgers = new Map<string, DlqLedger>();
  const queue = new ReplayQueue<Pending>(options.publisher, now, {
    failed: (p, failure) =>
      failures.push({
        key: p.key,
        sequenceNumber: p.sequenceNumber,
        errorCode: failure.errorCode,
        ...(failure.errorMessage ? { errorMessage: failure.errorMessage } : {}),
      }),
    replayed: (p, replayedAt) => {
      counts.replayed++;
      (ledgers.get(p.key) as DlqLedger).replayed[p.sequenceNumber] = replayedAt;
    },
    writeLedger: async (key) => {
      await store.put(dlqLedgerKey(key), `${JSON.stringify(ledgers.get(key), null, 2)}\n`);
      counts.ledgersWritten++;
    },
  });

  const keys = (await store.list(FAILED_BATCH_KEY_PREFIX)).sort();
  for (const key of keys) {
    const text = await store.get(key);
    if (text === undefined) continue;
    let batch: FailedBatchRecord;
    let records: readonly KinesisStreamRecord[];
    try {
      batch = parseFailedBatch(text);
      records = failedBatchRecords(batch);
    } catch (error) {
      unreadable.push({ key, reason: (error as Error).message });
      continue;
    }
    counts.objects++;
    const ledgerText = await store.get(dlqLedgerKey(key));
    const ledger: DlqLedger = {
      source: key,
      replayed: ledgerText ? { ...(JSON.parse(ledgerText) as DlqLedger).replayed } : {},
    };
    ledgers.set(key, ledger);
    const shardId = batch.KinesisBatchInfo.shardId;
    for (const record of records) {
      counts.records++;
      const sequenceNumber = record.kinesis.sequenceNumber;
      if (Object.hasOwn(ledger.replayed, sequenceNumber)) {
        counts.alreadyReplayed++;
        continue;
      }
      const data = Buffer.from(record.kinesis.data, 'base64');
      const receivedAt = receivedAtOf(data);
      if (!options.force && receivedAt !== undefined && receivedAt < oldestReceived) {
        counts.beyondHorizon++;
        continue;
      }
      // A replay given up again keeps the records it replayed: each may have reached some item rows.
      const origins = [...(replayOriginsOf(record.kinesis.partitionKey) ?? []), { shardId, sequenceNumber }];
      if (origins.length > MAX_REPLAY_HOPS) {
        counts.tooManyHops++;
        continue;
      }
      if (dryRun) {
        counts.replayed++;
        continue;
      }
      queue.push({
        key,
        sequenceNumber,
        record: {
          id: `${key}#${sequenceNumber}`,
          partitionKey: replayPartitionKey(origins),
          data,
        },
      });
      await queue.flushWhenFull();
    }
  }
  await queue.flush();
  return { dryRun, ...counts, unreadable, failures };
}

/** The event's receivedAt (epoch ms), when the record holds a canonical event. */
function receivedAtOf(data: Buffer): number | undefined {
  try {
    const value = JSON.parse(data.toString('utf8')) as { receivedAt?: unknown };
    const ms = typeof value.receivedAt === 'string' ? Date.parse(value.receivedAt) : Number.NaN;
    return Number.isFinite(ms) ? ms : undefined;
  } catch {
    return undefined;
  }
}

export function formatDlqReplaySummary(summary: DlqReplaySummary): string {
  const rows: Array<[string, number]> = [
    ['failed batches', summary.objects],
    ['records', summary.records],
    [summary.dryRun ? 'would replay' : 'replayed', summary.replayed],
    ['already replayed', summary.alreadyReplayed],
    ['beyond the horizon', summary.beyondHorizon],
  ];
  if (summary.tooManyHops > 0) rows.push(['replayed too often', summary.tooManyHops]);
  if (!summary.dryRun) rows.push(['publish failed', summary.failures.length]);
  if (summary.unreadable.length > 0) rows.push(['unreadable objects', summary.unreadable.length]);
  return rows.map(([label, value]) => `  ${label.padEnd(20)}${value}`).join('\n');
}
