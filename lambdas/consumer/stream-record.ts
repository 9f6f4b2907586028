/** A Kinesis record as the feature updater sees it, and a record it dead-letters. */
import type { CanonicalEvent } from '../shared/events';
import type { RecordOrigin } from '../shared/replay-origin';

export interface StreamRecord {
  /** Position in the Lambda batch. */
  readonly index: number;
  readonly shardId: string;
  readonly sequenceNumber: string;
  /**
   * Kinesis approximateArrivalTimestamp, epoch seconds. Absent for records that never were on a stream
   * (a backfill): their watermarks are then never pruned, and "now" is the events' receivedAt.
   */
  readonly arrivedAt?: number;
  /** Set on a record re-published by `recostream dlq replay`: the records it replays, oldest first. */
  readonly origins?: readonly RecordOrigin[];
  readonly event: CanonicalEvent;
}

export interface PoisonRecord {
  readonly index: number;
  readonly shardId: string;
  readonly sequenceNumber: string;
  readonly reason: string;
  readonly event: CanonicalEvent;
}

/** Arrival time in epoch seconds (the event's receivedAt for records built without one). */
export function arrivalOf(record: StreamRecord): number {
  return record.arrivedAt ?? Math.floor(Date.parse(record.event.receivedAt) / 1000);
}

/** The newest arrival of a batch: the consumer's notion of "now", independent of the machine's clock. */
export function newestArrival(records: readonly StreamRecord[]): number {
  let newest = 0;
  for (const record of records) newest = Math.max(newest, arrivalOf(record));
  return newest;
}
