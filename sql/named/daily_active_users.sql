-- Daily active users over the last 30 days (UTC event date): distinct people, signed in or anonymous
-- One row per event date (dt, the partition), newest first. A person is their user_id, or
-- 'anon#' || anonymous_id before sign-in; a visitor who signs in on a day counts twice that day
-- (the lake keeps no identity link). Portable SQL: runs unchanged on Athena (Trino) and DuckDB.
-- Window: dt >= today - 30 days, computed from current_date (no literals), so partitions are pruned.
SELECT
  dt,
  count(DISTINCT coalesce(user_id, 'anon#' || anonymous_id)) AS active_users,
  count(DISTINCT user_id) AS signed_in_users,
  count(DISTINCT CASE WHEN user_id IS NULL THEN anonymous_id END) AS anonymous_visitors,
  count(*) AS events
FROM events
WHERE dt >= CAST(CAST(current_date - INTERVAL '30' DAY AS DATE) AS VARCHAR)
  AND (user_id IS NULL OR user_id NOT LIKE 'canary#%')
GROUP BY dt
ORDER BY dt DESC
