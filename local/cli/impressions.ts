/**
 * `recostream impressions replay`: argument parsing and wiring for ../tools/impression-replay, against the
 * running local runtime (`--local`: the impression dead-letter queue and the stream from
 * <data-dir>/runtime.json) or AWS (the stack outputs ImpressionDeadLetterQueueUrl and EventsStreamName,
 * through the default credentials chain).
 */
import { resolve } from 'node:path';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { sqsClient } from '../../lambdas/shared/aws-clients';
import { COMMAND_TIMEOUTS, localKinesisClient, localSqsClient } from '../emulators';
import { DEFAULT_HORIZON_HOURS } from '../tools/dlq-replay';
import { formatImpressionReplaySummary, replayImpressionDeadLetters } from '../tools/impression-replay';
import { SqsMessageQueue } from '../tools/sqs-message-queue';
import {
  type CliIo,
  eventsStreamOf,
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
/** The impression dead-letter queue's logical id (lib/recostream-data-stack.ts). */
const IMPRESSION_DLQ_ID = /ImpressionDeadLetterQueue/;

export const IMPRESSIONS_HELP = `Usage: recostream impressions replay [target] [options]

Puts back on the events stream the recommendation impressions whose PutRecord failed for good (the
recommendation API's impression dead-letter queue), then deletes each message the stream took. Each
impression keeps its eventId, so one that had reached the stream after all is skipped by the consumer as a
duplicate. Messages that are not impression dead letters, or older than the horizon, stay in the queue.

Target (one of)
  --local                  the local runtime (npm start): the queue and the stream from DIR/runtime.json
  --data-dir DIR           the local runtime's data directory (default .data)
  --queue-url URL          the impression dead-letter queue (stack output ImpressionDeadLetterQueueUrl)
  --stream NAME            the events stream (stack output EventsStreamName); with --local it overrides
                           the name from runtime.json

Options
  --dry-run                read and count only: nothing is sent or deleted (the messages read stay hidden
                           for the visibility timeout)
  --horizon-hours N        the consumer's retry horizon (FeatureStore dedupHorizon, default ${DEFAULT_HORIZON_HOURS}):
                           impressions received longer ago stay in the queue
  --force                  send those too (each may then be counted a second time)
  --visibility-seconds N   how long a message read stays hidden from other readers (default 60)
  -h, --help               this text

Exits 1 if the stream did not take every impression sent (they stay in the queue: run it again).`;

export async function impressionsCommand(args: readonly string[], io: CliIo): Promise<number> {
  try {
    return await run(args, io);
  } catch (error) {
    if (!isUsageError(error)) throw error;
    io.err(
      `recostream impressions: ${(error as Error).message}\nRun \`recostream impressions --help\` for usage.`,
    );
    return USAGE;
  }
}

async function run(args: readonly string[], io: CliIo): Promise<number> {
  const rest = replayArguments(args, IMPRESSIONS_HELP, io);
  if (typeof rest === 'number') return rest;
  const { values, positionals } = parseCommandArgs(rest, {
    local: { type: 'boolean', default: false },
    'data-dir': { type: 'string' },
    'queue-url': { type: 'string' },
    stream: { type: 'string' },
    'dry-run': { type: 'boolean', default: false },
    'horizon-hours': { type: 'string' },
    force: { type: 'boolean', default: false },
    'visibility-seconds': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) {
    io.out(IMPRESSIONS_HELP);
    return OK;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  if (values.local === (values['queue-url'] !== undefined))
    throw new UsageError('give --local, or --queue-url URL and --stream NAME (stack outputs)');
  if (!values.local && values['data-dir'] !== undefined) throw new UsageError('--data-dir needs --local');
  const horizonHours = positiveNumberOption(
    values['horizon-hours'],
    DEFAULT_HORIZON_HOURS,
    '--horizon-hours',
  );
  const visibilitySeconds = positiveNumberOption(values['visibility-seconds'], 60, '--visibility-seconds');
  const dryRun = values['dry-run'];

  let queueUrl = values['queue-url'];
  let streamName = values.stream;
  let sqs: SQSClient;
  let kinesis: KinesisClient | undefined;
  if (values.local) {
    const dataDir = resolve(values['data-dir'] ?? '.data');
    const runtime = localRuntime(dataDir);
    const urls = Object.entries(runtime.queues ?? {}).filter(([id]) => IMPRESSION_DLQ_ID.test(id));
    if (!runtime.sqsEndpoint || urls.length !== 1)
      throw new UsageError(
        `${dataDir}/runtime.json names no impression dead-letter queue: restart npm start`,
      );
    queueUrl = urls[0]?.[1];
    sqs = localSqsClient(runtime.sqsEndpoint, { timeouts: COMMAND_TIMEOUTS });
    streamName ??= eventsStreamOf(runtime.streams ?? {});
    if (!dryRun) {
      if (!runtime.kinesisEndpoint) throw new UsageError(`${dataDir}/runtime.json has no kinesisEndpoint`);
      kinesis = localKinesisClient(runtime.kinesisEndpoint, { timeouts: COMMAND_TIMEOUTS });
    }
  } else {
    sqs = sqsClient();
    if (!dryRun && !streamName)
      throw new UsageError('--stream NAME is required (stack output EventsStreamName)');
  }

  try {
    const queue = new SqsMessageQueue(sqs, queueUrl as string);
    io.out(
      dryRun
        ? `Impression replay (dry run: nothing is sent or deleted) of ${queue.description}`
        : `Impression replay of ${queue.description} to stream ${streamName}`,
    );
    const publisher = dryRun || !streamName ? undefined : operatorPublisher(streamName, kinesis, io);
    const summary = await replayImpressionDeadLetters({
      queue,
      ...(publisher ? { publisher } : {}),
      dryRun,
      horizonHours,
      force: values.force,
      visibilitySeconds,
    });
    io.out(formatImpressionReplaySummary(summary));
    for (const u of summary.unreadable.slice(0, LISTED))
      io.err(`  not an impression dead letter (left in the queue): message ${u.id}: ${u.reason}`);
    if (summary.beyondHorizon > 0)
      io.err(
        `${summary.beyondHorizon} impression(s) are older than the ${horizonHours} h horizon: left in the queue (--force sends them)`,
      );
    if (summary.failures.length > 0) {
      io.err(`${summary.failures.length} impression(s) were not taken by the stream; run the command again:`);
      for (const f of summary.failures.slice(0, LISTED)) io.err(`  ${f.recommendationId}: ${f.errorCode}`);
      return FAILED;
    }
    return OK;
  } finally {
    kinesis?.destroy();
    if (values.local) sqs.destroy();
  }
}
