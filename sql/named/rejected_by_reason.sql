-- Rejected (quarantined) events per day and reason over the last 30 days, from the ingest API
-- One row per rejection date (dt, UTC, from the arrival time) and reason code, newest day first,
-- then the most frequent reason. `rejected` counts quarantine records: one per rejected event, or
-- one per request rejected as a whole (invalid_json, invalid_body, ...); `requests` counts the
-- distinct API requests they came from. Window: dt >= today - 30 days.
SELECT
  dt,
  reason,
  count(*) AS rejected,
  count(DISTINCT request_id) AS requests
FROM quarantine
WHERE dt >= CAST(CAST(current_date - INTERVAL '30' DAY AS DATE) AS VARCHAR)
GROUP BY dt, reason
ORDER BY dt DESC, rejected DESC, reason
