-- events_unique: one row per event, the earliest received copy of each event_id (the raw events table keeps every copy)
-- The raw table is an at-least-once record of every delivery: a client that resends a request (Segment
-- after a 503 or its own timeout, any client after a lost answer) produces new stream records with the
-- same eventId, and Firehose delivers each of them; Firehose's own retries add identical copies. Counts
-- of events read this view (or count DISTINCT event_id); forensics read events.
-- Copies are grouped per event type and receipt day (dt) as well as event_id, so that a filter on dt or
-- event_type over this view is applied before the deduplication, by Athena (Trino pushes predicates on
-- window partition columns below the window) and DuckDB alike, and still prunes partitions. The cost: a
-- resend received on a later UTC day than its first copy (a retry across midnight) stays a second row.
-- The earliest copy wins; copies received in the same millisecond carry the same values. The column list
-- is rendered from lambdas/shared/events/lake-columns.ts (every column of events, partition keys last).
SELECT {{event_columns}}
FROM (
  SELECT
    events.*,
    row_number() OVER (PARTITION BY event_type, dt, event_id ORDER BY received_at) AS copy_rank
  FROM events
) AS copies
WHERE copy_rank = 1
