/**
 * Clients must not choose the lake's partitions. A probe sent one request of 500 events whose occurredAt
 * spread over years (year 0001 was accepted): partitioned by event time, that one request opened 356
 * Firehose partitions (the delivery stream allows 500 active ones, then errors everyone's records), and
 * dates before the Glue projection range were invisible to Athena, the jobs and the purge. Here: the
 * partitions come from the server's receipt time, and an occurredAt older than the configured bound is
 * rejected with its own reason (and so quarantined).
 */
import { parseIngestRequest } from '../../../../lambdas/ingest/ingest-request';
import { DEFAULT_MAX_EVENT_AGE_MS, eventPartition, normalizeEvent } from '../../../../lambdas/shared/events';
import { QUARANTINE_REASONS } from '../../../../lambdas/shared/quarantine-layout';

const receivedAt = new Date('2026-11-26T03:20:00.000Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const view = (occurredAt: string, n = 0) => ({
  type: 'product_view',
  eventId: `e-${n}`,
  userId: `u-${n % 7}`,
  itemId: `item-${n}`,
  occurredAt,
});

describe('occurredAt has a lower bound', () => {
  it('rejects year 0001 as event_too_old, naming occurredAt', () => {
    const result = normalizeEvent(view('0001-01-01T00:00:00Z'), { receivedAt });
    expect(result).toMatchObject({
      ok: false,
      rejection: { code: 'event_too_old', field: 'occurredAt' },
    });
    if (!result.ok)
      expect(result.rejection.message).toMatch(
        /^occurredAt: 0001-01-01T00:00:00\.000Z is .* before server time/,
      );
  });

  it('accepts up to 30 days back by default, and not a millisecond more', () => {
    expect(DEFAULT_MAX_EVENT_AGE_MS).toBe(30 * DAY);
    const at = (ms: number) => new Date(receivedAt.getTime() - ms).toISOString();
    expect(normalizeEvent(view(at(30 * DAY)), { receivedAt }).ok).toBe(true);
    expect(normalizeEvent(view(at(30 * DAY + 1)), { receivedAt })).toMatchObject({
      ok: false,
      rejection: { code: 'event_too_old' },
    });
  });

  it('takes the bound as an option', () => {
    const twoHoursAgo = new Date(receivedAt.getTime() - 2 * HOUR).toISOString();
    expect(normalizeEvent(view(twoHoursAgo), { receivedAt, maxEventAgeMs: HOUR })).toMatchObject({
      ok: false,
      rejection: { code: 'event_too_old', message: expect.stringMatching(/older than 1 h are not accepted/) },
    });
  });

  it('is a quarantine reason the lake table projects', () => {
    expect(QUARANTINE_REASONS).toContain('event_too_old');
  });
});

describe('partitions come from the receipt time', () => {
  it('puts one request of 500 events with 500 different event hours into one partition', () => {
    const events = Array.from({ length: 500 }, (_, n) =>
      view(new Date(receivedAt.getTime() - n * HOUR).toISOString(), n),
    );
    const parsed = parseIngestRequest({
      route: 'events',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ events }),
      receivedAt,
    });
    if (!parsed.ok) throw new Error(parsed.rejection.message);
    expect(parsed.batch.accepted).toHaveLength(500);
    const partitions = new Set(
      parsed.batch.accepted.map(({ event }) => JSON.stringify(eventPartition(event))),
    );
    expect([...partitions]).toEqual([
      JSON.stringify({ event_type: 'product_view', dt: '2026-11-26', hour: '03' }),
    ]);
    // Event time is kept as it was sent.
    expect(parsed.batch.accepted[499]?.event.occurredAt).toBe('2026-11-05T08:20:00.000Z');
  });
});
