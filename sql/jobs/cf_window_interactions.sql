-- Collaborative filtering input: the interactions of the events received in this run's window
-- One row per product_view / add_to_cart event and per purchase line, with the person (user_key:
-- user_id, else 'anon#' || anonymous_id, as the feature-store consumer keys profiles), the item, its
-- category (from the event, or from the purchase line), the event id and times. Used as a subquery
-- by cf_state.sql and cf_stats.sql.
-- Window: received_at in (windowFrom, windowTo]. The lake is partitioned by event time, so
-- the partitions read are those from windowFrom - lookbackHours on (pruneFromDt, hour
-- pruneFromHour): an event that arrives later than the lookback after it happened is not seen
-- by an incremental run (a full recompute, windowFrom = 1970, reads everything).
-- Purchase lines are read by position (1..500, the schema's line-item limit) because Trino and
-- DuckDB unnest arrays of structs differently (see sql/named/top_items_by_category.sql).
-- Excluded traffic (freshness canaries today; bots later) is filtered in the WHERE of window_events.
WITH positions AS (
  SELECT hundreds.d * 100 + tens.d * 10 + units.d + 1 AS pos
  FROM (VALUES (0), (1), (2), (3), (4)) AS hundreds (d)
  CROSS JOIN (VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) AS tens (d)
  CROSS JOIN (VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) AS units (d)
),
window_events AS (
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
    received_at
  FROM events
  WHERE event_type IN ('product_view', 'add_to_cart', 'purchase')
    AND (dt > {{pruneFromDt}} OR (dt = {{pruneFromDt}} AND hour >= {{pruneFromHour}}))
    AND received_at > {{windowFrom}}
    AND received_at <= {{windowTo}}
    -- Freshness-canary events (lambdas/shared/canary.ts) never train anything.
    AND (user_id IS NULL OR user_id NOT LIKE 'canary#%')
),
purchases AS (
  SELECT
    event_id,
    user_key,
    line_items,
    json_array_length(CAST(line_items AS JSON)) AS line_count,
    occurred_at,
    received_at
  FROM window_events
  WHERE event_type = 'purchase' AND line_items IS NOT NULL
)
SELECT event_id, event_type AS kind, user_key, item_id, category, occurred_at, received_at
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
  p.received_at
FROM purchases AS p
JOIN positions AS x ON x.pos <= p.line_count
