/** Builders for canonical events and stream records used across consumer tests. */

import type { StreamRecord } from '../../lambdas/consumer/feature-updater';
import type { CanonicalEvent } from '../../lambdas/shared/events';

let counter = 0;

export function at(minute: number): string {
  return new Date(Date.UTC(2026, 10, 26, 10, minute)).toISOString();
}

type Distribute<T> = T extends unknown
  ? Omit<T, 'schemaVersion' | 'eventId' | 'receivedAt' | 'occurredAt'> &
      Partial<Pick<CanonicalEvent, 'eventId' | 'occurredAt'>>
  : never;

export function event(fields: Distribute<CanonicalEvent>): CanonicalEvent {
  counter++;
  return {
    schemaVersion: 1,
    eventId: fields.eventId ?? `evt-${counter}`,
    occurredAt: fields.occurredAt ?? at(counter % 60),
    receivedAt: fields.occurredAt ?? at(counter % 60),
    ...fields,
  } as CanonicalEvent;
}

/** Sequence numbers shaped like Kinesis's (56 digits), increasing with n. */
export function seq(n: number): string {
  return `4968057126083929851594881925654903310452277076320${String(n).padStart(7, '0')}`;
}

export function records(
  events: readonly CanonicalEvent[],
  shardId = 'shardId-000000000000',
  firstSeq = 1,
): StreamRecord[] {
  return events.map((e, index) => ({ index, shardId, sequenceNumber: seq(firstSeq + index), event: e }));
}
