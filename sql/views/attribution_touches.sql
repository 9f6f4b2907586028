-- attribution_touches: the attribution rule, one row per purchase line and each recommendation that showed its item to its buyer in the window before
-- A purchase line (user, item) is touched by a recommendation_impression that showed that item to that same
-- user at or before the purchase and less than the attribution window before it (occurred_at, event time on
-- both sides; ATTRIBUTION_WINDOW_DAYS in lambdas/shared/attribution-window.ts, 7 days, fills the INTERVAL). A
-- user is user_id, else 'anon#' || anonymous_id; an impression without a placement counts as for-you; canary
-- traffic is left out on both sides. Purchase lines are read by position (1..500): arrays of structs unnest
-- differently in Trino and DuckDB (see top_items_by_category.sql); the line's quantity is 1 and its price 0
-- when absent.
-- The credit goes to ONE touch per line, the last: the consumer keeps
--   row_number() OVER (PARTITION BY purchase_id, line_pos ORDER BY shown_at DESC, recommendation_id DESC) = 1
-- after its own filters. That choice stays with the consumer because it depends on which events the consumer
-- may see: the named queries (attributed_conversions_by_variant, experiment_users) keep purchases and
-- impressions of the last 30 days (purchased_at, shown_at and the receipt days purchase_dt, shown_dt); the
-- attribution metrics job (sql/jobs/attribution_hourly.sql) keeps only events received by the end of its
-- hours plus its lateness allowance (purchase_received_at, shown_received_at), so that a rerun reads the same
-- events, and a touch received later must not take the credit from an earlier one. The receipt partitions
-- (dt, hour) of both sides are columns so those filters still prune partitions.
-- The view reads every delivered copy of an event (events, not events_unique: a filter on hour would not
-- reach below events_unique's window): a resent purchase or impression repeats its rows, and the one row
-- per (purchase_id, line_pos) the ranking keeps counts it once.
WITH positions AS (
  SELECT hundreds.d * 100 + tens.d * 10 + units.d + 1 AS pos
  FROM (VALUES (0), (1), (2), (3), (4)) AS hundreds (d)
  CROSS JOIN (VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) AS tens (d)
  CROSS JOIN (VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) AS units (d)
),
shown AS (
  SELECT
    i.recommendation_id,
    coalesce(i.placement, 'for-you') AS placement,
    i.variant,
    coalesce(i.user_id, 'anon#' || i.anonymous_id) AS user_key,
    s.item_id,
    i.occurred_at AS shown_at,
    i.received_at AS shown_received_at,
    i.dt AS shown_dt,
    i.hour AS shown_hour
  FROM events AS i
  CROSS JOIN UNNEST(i.item_ids) WITH ORDINALITY AS s (item_id, pos)
  WHERE i.event_type = 'recommendation_impression'
    AND (i.user_id IS NULL OR i.user_id NOT LIKE 'canary#%')
),
purchases AS (
  SELECT
    event_id,
    coalesce(user_id, 'anon#' || anonymous_id) AS user_key,
    line_items,
    json_array_length(CAST(line_items AS JSON)) AS line_count,
    occurred_at,
    received_at,
    dt,
    hour
  FROM events
  WHERE event_type = 'purchase'
    AND line_items IS NOT NULL
    AND (user_id IS NULL OR user_id NOT LIKE 'canary#%')
),
purchase_lines AS (
  SELECT
    p.event_id AS purchase_id,
    x.pos AS line_pos,
    p.user_key,
    p.line_items[x.pos].itemid AS item_id,
    coalesce(p.line_items[x.pos].quantity, 1) AS quantity,
    coalesce(p.line_items[x.pos].price, 0) AS price,
    p.occurred_at AS purchased_at,
    p.received_at AS purchase_received_at,
    p.dt AS purchase_dt,
    p.hour AS purchase_hour
  FROM purchases AS p
  JOIN positions AS x ON x.pos <= p.line_count
)
SELECT
  l.purchase_id,
  l.line_pos,
  l.user_key,
  l.item_id,
  l.quantity,
  l.price,
  l.purchased_at,
  l.purchase_received_at,
  l.purchase_dt,
  l.purchase_hour,
  s.recommendation_id,
  s.placement,
  s.variant,
  s.shown_at,
  s.shown_received_at,
  s.shown_dt,
  s.shown_hour
FROM purchase_lines AS l
JOIN shown AS s
  ON s.user_key = l.user_key
  AND s.item_id = l.item_id
  AND s.shown_at <= l.purchased_at
  AND s.shown_at > l.purchased_at - INTERVAL '{{window_days}}' DAY
