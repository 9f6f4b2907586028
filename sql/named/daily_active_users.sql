-- Daily active users over the last 30 days (UTC event date): distinct people, signed in or anonymous
-- One row per event date (day, from occurred_at), newest first. A person is their user_id, or
-- 'anon#' || anonymous_id before sign-in; a visitor who signs in on a day counts twice that day
-- (the lake keeps no identity link); events = distinct event_ids that day. Every count is per unique event:
-- the query reads events_unique (a copy a client resent counts once; the raw events table keeps them all),
-- and DISTINCT also covers a resend received after midnight, which events_unique keeps as a second row.
-- Portable SQL: runs unchanged on Athena (Trino) and DuckDB.
-- Window: occurred_at on or after today - 30 days. The lake is partitioned by receipt time (dt), and
-- the API accepts an event at most 5 minutes ahead of its receipt, so the partitions from today - 31
-- days on hold every event of the window (history imported later sits in newer partitions, and the
-- occurred_at filter keeps it out); both bounds come from current_date, so partitions are pruned (the dt
-- filter reaches the scan through events_unique, below its deduplication).
SELECT
  CAST(CAST(occurred_at AS DATE) AS VARCHAR) AS day,
  count(DISTINCT coalesce(user_id, 'anon#' || anonymous_id)) AS active_users,
  count(DISTINCT user_id) AS signed_in_users,
  count(DISTINCT CASE WHEN user_id IS NULL THEN anonymous_id END) AS anonymous_visitors,
  count(DISTINCT event_id) AS events
FROM events_unique
WHERE dt >= CAST(CAST(current_date - INTERVAL '31' DAY AS DATE) AS VARCHAR)
  AND occurred_at >= CAST(current_date - INTERVAL '30' DAY AS TIMESTAMP)
  AND (user_id IS NULL OR user_id NOT LIKE 'canary#%')
GROUP BY 1
ORDER BY 1 DESC
