-- What recommendations earned, per closed hour of event time, placement and A/B variant (the attribution metrics job)
-- One row per (hour_ms, placement, variant) with any activity in the hours [hourFrom, hourTo):
-- impressions = recommendations shown (distinct recommendation_id) that happened in the hour;
-- clicks = distinct (recommendation, item) pairs clicked in the hour, counted for the placement and variant
-- of the recommendation clicked; attributed_purchases = purchases in the hour with at least one attributed
-- line; attributed_units and attributed_revenue = those lines' quantities (1 when absent) and
-- quantity * price (price 0 when absent). The attribution rule is the one of
-- sql/named/attributed_conversions_by_variant.sql: a purchase line (user, item) goes to the latest
-- recommendation_impression that showed that item to that user in the 7 days before the purchase (last
-- touch; equal times broken by the larger recommendation_id); impressions without a placement count as
-- for-you; a user is user_id, else 'anon#' || anonymous_id; canary traffic is left out. hour_ms = the
-- hour's start in epoch milliseconds.
-- Late events: only events received by {{receivedBy}} (the end of the last hour plus the job's lateness
-- allowance) count, so a rerun of the same hours reads the same events. Each event counts once: the lake
-- keeps every delivered copy, reduced here to the earliest received one per event_id. The lake is
-- partitioned by receipt time: an impression that happened after shownFrom (hourFrom - 7 days) was received
-- at most the API's clock skew before it, so the partitions from the hour of pruneFrom… to the hour of
-- receivedBy are read. Items shown and purchase lines are read by position (1..500), not with UNNEST:
-- Trino and DuckDB unnest arrays of structs differently.
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
    coalesce(user_id, 'anon#' || anonymous_id) AS user_key,
    recommendation_id,
    item_id,
    item_ids,
    placement,
    variant,
    line_items,
    occurred_at,
    row_number() OVER (PARTITION BY event_id ORDER BY received_at) AS copy_rank
  FROM events
  WHERE event_type IN ('recommendation_impression', 'recommendation_click', 'purchase')
    AND (dt > {{pruneFromDt}} OR (dt = {{pruneFromDt}} AND hour >= {{pruneFromHour}}))
    AND (dt < {{pruneToDt}} OR (dt = {{pruneToDt}} AND hour <= {{pruneToHour}}))
    AND received_at <= {{receivedBy}}
    AND (user_id IS NULL OR user_id NOT LIKE 'canary#%')
),
recent AS (
  SELECT *
  FROM copies
  WHERE copy_rank = 1
    AND occurred_at > {{shownFrom}}
    AND occurred_at < {{hourTo}}
),
impressions AS (
  SELECT
    recommendation_id,
    coalesce(placement, 'for-you') AS placement,
    variant,
    user_key,
    occurred_at AS shown_at,
    item_ids,
    json_array_length(CAST(item_ids AS JSON)) AS item_count
  FROM recent
  WHERE event_type = 'recommendation_impression' AND item_ids IS NOT NULL
),
shown AS (
  SELECT DISTINCT
    i.recommendation_id,
    i.placement,
    i.variant,
    i.user_key,
    i.shown_at,
    i.item_ids[x.pos] AS item_id
  FROM impressions AS i
  JOIN positions AS x ON x.pos <= i.item_count
),
purchases AS (
  SELECT
    event_id,
    user_key,
    occurred_at AS purchased_at,
    line_items,
    json_array_length(CAST(line_items AS JSON)) AS line_count
  FROM recent
  WHERE event_type = 'purchase'
    AND line_items IS NOT NULL
    AND occurred_at >= {{hourFrom}}
),
purchase_lines AS (
  SELECT
    p.event_id,
    x.pos,
    p.user_key,
    p.purchased_at,
    p.line_items[x.pos].itemid AS item_id,
    coalesce(p.line_items[x.pos].quantity, 1) AS quantity,
    coalesce(p.line_items[x.pos].price, 0) AS price
  FROM purchases AS p
  JOIN positions AS x ON x.pos <= p.line_count
),
touches AS (
  SELECT
    l.event_id,
    l.purchased_at,
    l.quantity,
    l.price,
    s.placement,
    s.variant,
    row_number() OVER (
      PARTITION BY l.event_id, l.pos
      ORDER BY s.shown_at DESC, s.recommendation_id DESC
    ) AS touch_rank
  FROM purchase_lines AS l
  JOIN shown AS s
    ON s.user_key = l.user_key
    AND s.item_id = l.item_id
    AND s.shown_at <= l.purchased_at
    AND s.shown_at > l.purchased_at - INTERVAL '7' DAY
),
clicks AS (
  SELECT recommendation_id, item_id, min(occurred_at) AS clicked_at
  FROM recent
  WHERE event_type = 'recommendation_click' AND occurred_at >= {{hourFrom}}
  GROUP BY recommendation_id, item_id
),
facts AS (
  SELECT
    date_trunc('hour', shown_at) AS hour_start,
    placement,
    variant,
    recommendation_id AS impression_id,
    CAST(NULL AS VARCHAR) AS click_id,
    CAST(NULL AS VARCHAR) AS purchase_id,
    0 AS units,
    CAST(0 AS DOUBLE) AS revenue
  FROM impressions
  WHERE shown_at >= {{hourFrom}}
  UNION ALL
  SELECT
    date_trunc('hour', c.clicked_at) AS hour_start,
    r.placement,
    r.variant,
    CAST(NULL AS VARCHAR) AS impression_id,
    c.recommendation_id || '|' || c.item_id AS click_id,
    CAST(NULL AS VARCHAR) AS purchase_id,
    0 AS units,
    CAST(0 AS DOUBLE) AS revenue
  FROM clicks AS c
  JOIN (SELECT DISTINCT recommendation_id, placement, variant FROM impressions) AS r
    ON r.recommendation_id = c.recommendation_id
  UNION ALL
  SELECT
    date_trunc('hour', purchased_at) AS hour_start,
    placement,
    variant,
    CAST(NULL AS VARCHAR) AS impression_id,
    CAST(NULL AS VARCHAR) AS click_id,
    event_id AS purchase_id,
    quantity AS units,
    CAST(quantity * price AS DOUBLE) AS revenue
  FROM touches
  WHERE touch_rank = 1
)
SELECT
  date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00', hour_start) AS hour_ms,
  placement,
  coalesce(variant, 'none') AS variant,
  count(DISTINCT impression_id) AS impressions,
  count(DISTINCT click_id) AS clicks,
  count(DISTINCT purchase_id) AS attributed_purchases,
  sum(units) AS attributed_units,
  round(sum(revenue), 6) AS attributed_revenue
FROM facts
GROUP BY hour_start, placement, coalesce(variant, 'none')
ORDER BY hour_ms, placement, variant
