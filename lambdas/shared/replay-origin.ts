/**
 * How a record re-published by `recostream dlq replay` names the records it replays (its origins): in the
 * Kinesis partition key, `replay|<shardId>|<sequenceNumber>`, one `|<shardId>|<sequenceNumber>` hop per
 * replay, oldest first. A replayed record that is given up again and replayed again keeps the whole
 * chain, since each hop may have reached some item rows. The data is the original event, byte for byte,
 * so the lake and every reader of the stream see the same event; only the consumer reads the key.
 * The key also routes the record, so a replay may land on another shard than the user's other records:
 * nothing depends on that order (profiles fold by event time, and each shard has its own watermarks).
 *
 * The consumer uses the origins to apply exactly what none of them did (lambdas/consumer): the profile
 * if its ledger does not hold the event, and the item rows no origin reached.
 *
 * A client could send a user id shaped like this key; the consumer would then judge its events as
 * replays of records it never saw: applied once to the profile, and skipped by item rows that are past
 * those sequence numbers. It can lose its own item counts, never double them.
 */
export interface RecordOrigin {
  readonly shardId: string;
  readonly sequenceNumber: string;
}

const PREFIX = 'replay|';
const HOP = /^(shardId-[0-9]{1,20})\|([0-9]{1,129})$/;
/** Kinesis caps a partition key at 256 characters: three hops of 56-digit sequence numbers fit. */
export const MAX_REPLAY_HOPS = 3;

/** The partition key of a record replaying `origins` (oldest first). */
export function replayPartitionKey(origins: readonly RecordOrigin[]): string {
  if (origins.length === 0 || origins.length > MAX_REPLAY_HOPS)
    throw new Error(`a replayed record names 1 to ${MAX_REPLAY_HOPS} origins, got ${origins.length}`);
  return `${PREFIX}${origins.map((o) => `${o.shardId}|${o.sequenceNumber}`).join('|')}`;
}

/** The origins a partition key names (oldest first), or undefined for an ordinary record. */
export function replayOriginsOf(partitionKey: string): RecordOrigin[] | undefined {
  if (!partitionKey.startsWith(PREFIX)) return undefined;
  const parts = partitionKey.slice(PREFIX.length).split('|');
  if (parts.length % 2 !== 0 || parts.length === 0 || parts.length > 2 * MAX_REPLAY_HOPS) return undefined;
  const origins: RecordOrigin[] = [];
  for (let i = 0; i < parts.length; i += 2) {
    const match = HOP.exec(`${parts[i]}|${parts[i + 1]}`);
    if (!match) return undefined;
    origins.push({ shardId: match[1] as string, sequenceNumber: match[2] as string });
  }
  return origins;
}
