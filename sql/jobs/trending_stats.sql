-- Trending run statistics (one row), read by the validation gate
-- input_events: distinct events in the window; window_max_received_ms: newest time on the window's
-- clock (epoch ms): received_at for the live runs, occurred_at for an as-of replay;
-- output_rows, scopes, min_score, max_score: of the trending result (recomputed with trending.sql);
-- null_ids: result rows with a NULL scope or item_id (must be 0).
WITH interactions AS (
  {{include:trending_interactions}}
),
trending AS (
  {{include:trending}}
),
input_stats AS (
  SELECT
    count(DISTINCT event_id) AS input_events,
    date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00', max(window_at)) AS window_max_received_ms
  FROM interactions
),
output_stats AS (
  SELECT
    count(*) AS output_rows,
    count(DISTINCT scope) AS scopes,
    CAST(coalesce(sum(CASE WHEN scope IS NULL OR item_id IS NULL THEN 1 ELSE 0 END), 0) AS BIGINT) AS null_ids,
    min(score) AS min_score,
    max(score) AS max_score
  FROM trending
)
SELECT i.input_events, i.window_max_received_ms, o.output_rows, o.scopes, o.null_ids, o.min_score, o.max_score
FROM input_stats AS i
CROSS JOIN output_stats AS o
