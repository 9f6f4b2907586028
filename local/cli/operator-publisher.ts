/**
 * The events-stream publisher of the replay commands (`dlq replay`, `quarantine replay`, `impressions replay`):
 * the ingest API's publisher with an operator's patience (a 60 s budget and 8 attempts instead of the API's
 * 5 s), each retry reported on stderr.
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { KinesisPublisher } from '../../lambdas/ingest/kinesis-publisher';
import { kinesisClient } from '../../lambdas/shared/aws-clients';
import type { CliIo } from './kit';

/** @param client the local emulator's client, or undefined for AWS (the default credentials chain) */
export function operatorPublisher(
  streamName: string,
  client: KinesisClient | undefined,
  io: CliIo,
): KinesisPublisher {
  return new KinesisPublisher({
    streamName,
    client: client ?? kinesisClient(),
    budgetMs: 60_000,
    maxAttempts: 8,
    onRetry: (info) => io.err(`  retrying ${info.records} record(s): ${JSON.stringify(info.errorCodes)}`),
  });
}
