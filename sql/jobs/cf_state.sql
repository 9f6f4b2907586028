-- Collaborative filtering state of run runId: per (user_key, item_id) interaction counts
-- Columns (CF_STATE_COLUMNS in lambdas/jobs/job-sql.ts; Glue table cf_state, partition run):
-- user_key, item_id, views, carts, purchases (distinct product_view / add_to_cart events and distinct
-- orders containing the item), category (the largest non-null category seen: deterministic, so
-- incremental and full runs agree), last_event_at (latest event time).
-- Incremental: the window's interactions (cf_window_interactions.sql) are aggregated and merged with
-- the previous run's state (cf_state WHERE run = previousStateRunId) by UNION ALL + GROUP BY sum.
-- Counts are additive and max() is associative, so merging window after window gives exactly the
-- state a full recompute over the same events gives. Copies of one event (Firehose retries, client
-- resends) count once, in the window of the earliest copy (cf_window_interactions.sql).
-- A full recompute (and an as-of replay) reads every partition and a previous state that does not exist.
WITH window_interactions AS (
  {{include:cf_window_interactions}}
),
window_state AS (
  SELECT
    user_key,
    item_id,
    count(DISTINCT CASE WHEN kind = 'product_view' THEN event_id END) AS views,
    count(DISTINCT CASE WHEN kind = 'add_to_cart' THEN event_id END) AS carts,
    count(DISTINCT CASE WHEN kind = 'purchase' THEN event_id END) AS purchases,
    max(category) AS category,
    max(occurred_at) AS last_event_at
  FROM window_interactions
  WHERE user_key IS NOT NULL AND item_id IS NOT NULL AND item_id <> ''
  GROUP BY user_key, item_id
),
merged AS (
  SELECT user_key, item_id, views, carts, purchases, category, last_event_at
  FROM window_state
  UNION ALL
  SELECT user_key, item_id, views, carts, purchases, category, last_event_at
  FROM cf_state
  WHERE run = {{previousStateRunId}}
)
SELECT
  user_key,
  item_id,
  CAST(sum(views) AS BIGINT) AS views,
  CAST(sum(carts) AS BIGINT) AS carts,
  CAST(sum(purchases) AS BIGINT) AS purchases,
  max(category) AS category,
  max(last_event_at) AS last_event_at
FROM merged
GROUP BY user_key, item_id
