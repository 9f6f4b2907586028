-- Collaborative filtering input: the interactions of the events in this run's window
-- One row per product_view / add_to_cart event and per purchase line, with the person (user_key:
-- user_id, else 'anon#' || anonymous_id, as the feature-store consumer keys profiles), the item, its
-- category (from the event, or from the purchase line), the event id and times. Used as a subquery
-- by cf_state.sql and cf_stats.sql.
-- Window: window_at in (windowFrom, windowTo] and received_at <= receivedBy. window_at is received_at
-- for the live runs (windowOnEventTime FALSE, receivedBy = windowTo) and occurred_at for an as-of replay
-- of history (windowOnEventTime TRUE, receivedBy = the real time of the run): imported history is
-- received when it is imported, long after it happened.
-- Each event counts once, in the window of its earliest received copy: the lake keeps every delivered copy
-- (a client's resend is a new record with the same event_id and a later received_at, possibly in the
-- next run's window), so the copies read are reduced to the earliest one per event_id first.
-- The lake is partitioned by receipt time (dt, hour of received_at), so the partitions read are exactly
-- those from (pruneFromDt, pruneFromHour) to (pruneToDt, pruneToHour): for a live run, from the hour of
-- windowFrom less the retry horizon (a resend arrives within it: its first copy, counted by an earlier
-- run, is read to recognise it) to the hour of receivedBy; every partition up to receivedBy for a full
-- recompute or a replay.
-- Purchase lines are read by position (1..500, the schema's line-item limit) because Trino and
-- DuckDB unnest arrays of structs differently (see sql/named/top_items_by_category.sql).
-- Excluded traffic (freshness canaries today; bots later) is filtered in the WHERE of lake_events.
WITH positions AS (
  SELECT hundreds.d * 100 + tens.d * 10 + units.d + 1 AS pos
  FROM (VALUES (0), (1), (2), (3), (4)) AS hundreds (d)
  CROSS JOIN (VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) AS tens (d)
  CROSS JOIN (VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) AS units (d)
),
lake_events AS (
  SELECT
    event_id,
    event_type,
    CASE
      WHEN user_id IS NOT NULL AND user_id <> '' THEN user_id
      WHEN anonymous_id IS NOT NULL AND anonymous_id <> '' THEN 'anon#' || anonymous_id
    END AS user_key,
    item_id,
    category,
    line_items,
    occurred_at,
    received_at,
    CASE WHEN {{windowOnEventTime}} THEN occurred_at ELSE received_at END AS window_at,
    row_number() OVER (PARTITION BY event_id ORDER BY received_at) AS copy_rank
  FROM events
  WHERE event_type IN ('product_view', 'add_to_cart', 'purchase')
    AND (dt > {{pruneFromDt}} OR (dt = {{pruneFromDt}} AND hour >= {{pruneFromHour}}))
    AND (dt < {{pruneToDt}} OR (dt = {{pruneToDt}} AND hour <= {{pruneToHour}}))
    AND received_at <= {{receivedBy}}
    -- Freshness-canary events (lambdas/shared/canary.ts) never train anything.
    AND (user_id IS NULL OR user_id NOT LIKE 'canary#%')
),
window_events AS (
  SELECT event_id, event_type, user_key, item_id, category, line_items, occurred_at, received_at, window_at
  FROM lake_events
  WHERE copy_rank = 1 AND window_at > {{windowFrom}} AND window_at <= {{windowTo}}
),
purchases AS (
  SELECT
    event_id,
    user_key,
    line_items,
    json_array_length(CAST(line_items AS JSON)) AS line_count,
    occurred_at,
    received_at,
    window_at
  FROM window_events
  WHERE event_type = 'purchase' AND line_items IS NOT NULL
)
SELECT event_id, event_type AS kind, user_key, item_id, category, occurred_at, received_at, window_at
FROM window_events
WHERE event_type IN ('product_view', 'add_to_cart')
UNION ALL
SELECT
  p.event_id,
  'purchase' AS kind,
  p.user_key,
  p.line_items[x.pos].itemid AS item_id,
  p.line_items[x.pos].category AS category,
  p.occurred_at,
  p.received_at,
  p.window_at
FROM purchases AS p
JOIN positions AS x ON x.pos <= p.line_count
