/**
 * How a record re-published by `recostream dlq replay` names the record it replays (its origin): in the
 * Kinesis partition key, `replay|<shardId>|<sequenceNumber>`. The data is the original event, byte for
 * byte, so the lake and every reader of the stream see the same event; only the consumer reads the key.
 * The key also routes the record, so a replay may land on another shard than the user's other records:
 * nothing depends on that order (profiles fold by event time, and each shard has its own watermarks).
 *
 * A client could send a user id shaped like this key; the consumer would then judge its events as
 * replays of a record it never saw: applied once to the profile, and skipped by item rows that are past
 * that sequence number. It can lose its own item counts, never double them.
 *
 * The consumer uses the origin to apply exactly what the original record did not (lambdas/consumer): the
 * profile if the ledger does not hold the event, and the item rows the origin had not reached.
 */
export interface RecordOrigin {
  readonly shardId: string;
  readonly sequenceNumber: string;
}

const PREFIX = 'replay|';
const PATTERN = /^replay\|(shardId-[0-9]{1,20})\|([0-9]{1,129})$/;

export function replayPartitionKey(origin: RecordOrigin): string {
  return `${PREFIX}${origin.shardId}|${origin.sequenceNumber}`;
}

/** The origin a partition key names, or undefined for an ordinary record. */
export function replayOriginOf(partitionKey: string): RecordOrigin | undefined {
  if (!partitionKey.startsWith(PREFIX)) return undefined;
  const match = PATTERN.exec(partitionKey);
  return match ? { shardId: match[1] as string, sequenceNumber: match[2] as string } : undefined;
}
