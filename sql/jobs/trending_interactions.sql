-- Trending input: weighted, time-decayed interactions that happened in the last `hours` hours
-- One row per distinct (event, item): product views, add-to-carts and purchase lines with event time
-- occurred_at in (windowStart, windowTo] and received by receivedBy (windowTo for the live runs, so a
-- rerun with the same windowTo reads the same events; the real time of the run for an as-of replay,
-- whose imported history was received long after it happened). weight: viewWeight, cartWeight or
-- purchaseWeight; decay: 0.5 ^ (age in hours / halfLifeHours), age = windowTo - occurred_at. category:
-- the event's, or the purchase line's. window_at: the time the run's freshness is measured on
-- (received_at live, occurred_at in a replay, windowOnEventTime).
-- The lake is partitioned by receipt time: an event that happened after windowStart was received at
-- most the allowed clock skew before it, so a live run reads the partitions from the hour of
-- windowStart - skew to the hour of receivedBy (pruneFrom…, pruneTo…); a replay reads every partition
-- up to receivedBy. Each event counts once: the lake keeps every delivered copy (a client's resend is a
-- new record with the same event_id and a later received_at, often in another hour), so the copies read
-- are reduced to the earliest received one per event_id before the event-time window applies (a copy
-- without a client occurredAt has its own receipt as event time; the earliest copy's counts). DISTINCT
-- then keeps one row per (event, item). Used as a subquery by trending.sql and trending_stats.sql.
WITH positions AS (
  SELECT hundreds.d * 100 + tens.d * 10 + units.d + 1 AS pos
  FROM (VALUES (0), (1), (2), (3), (4)) AS hundreds (d)
  CROSS JOIN (VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) AS tens (d)
  CROSS JOIN (VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) AS units (d)
),
copies AS (
  SELECT
    event_id,
    event_type,
    item_id,
    category,
    line_items,
    occurred_at,
    received_at,
    row_number() OVER (PARTITION BY event_id ORDER BY received_at) AS copy_rank
  FROM events
  WHERE event_type IN ('product_view', 'add_to_cart', 'purchase')
    AND (dt > {{pruneFromDt}} OR (dt = {{pruneFromDt}} AND hour >= {{pruneFromHour}}))
    AND (dt < {{pruneToDt}} OR (dt = {{pruneToDt}} AND hour <= {{pruneToHour}}))
    AND received_at <= {{receivedBy}}
    -- Freshness-canary events (lambdas/shared/canary.ts) never trend.
    AND (user_id IS NULL OR user_id NOT LIKE 'canary#%')
),
recent AS (
  SELECT event_id, event_type, item_id, category, line_items, occurred_at, received_at
  FROM copies
  WHERE copy_rank = 1
    AND occurred_at > {{windowStart}}
    AND occurred_at <= {{windowTo}}
),
purchases AS (
  SELECT event_id, line_items, json_array_length(CAST(line_items AS JSON)) AS line_count, occurred_at, received_at
  FROM recent
  WHERE event_type = 'purchase' AND line_items IS NOT NULL
),
lines AS (
  SELECT event_id, event_type AS kind, item_id, category, occurred_at, received_at
  FROM recent
  WHERE event_type IN ('product_view', 'add_to_cart')
  UNION ALL
  SELECT
    p.event_id,
    'purchase' AS kind,
    p.line_items[x.pos].itemid AS item_id,
    p.line_items[x.pos].category AS category,
    p.occurred_at,
    p.received_at
  FROM purchases AS p
  JOIN positions AS x ON x.pos <= p.line_count
),
distinct_lines AS (
  SELECT DISTINCT event_id, kind, item_id, category, occurred_at, received_at
  FROM lines
)
SELECT
  event_id,
  kind,
  item_id,
  category,
  occurred_at,
  received_at,
  CASE WHEN {{windowOnEventTime}} THEN occurred_at ELSE received_at END AS window_at,
  CASE
    WHEN kind = 'purchase' THEN {{purchaseWeight}}
    WHEN kind = 'add_to_cart' THEN {{cartWeight}}
    ELSE {{viewWeight}}
  END
    * power(
      CAST(0.5 AS DOUBLE),
      CAST(date_diff('millisecond', occurred_at, {{windowTo}}) AS DOUBLE) / 3600000 / {{halfLifeHours}}
    ) AS decayed_weight
FROM distinct_lines
