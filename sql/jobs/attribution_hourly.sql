-- What recommendations earned, per closed hour of event time, placement and A/B variant (the attribution metrics job)
-- One row per (hour_ms, placement, variant) with any activity in the hours [hourFrom, hourTo):
-- impressions = recommendations shown (distinct recommendation_id) that happened in the hour;
-- clicks = distinct (recommendation, item) pairs clicked in the hour, counted for the placement and variant
-- of the recommendation clicked; attributed_purchases = purchases in the hour with at least one attributed
-- line; attributed_units and attributed_revenue = those lines' quantities (1 when absent) and
-- quantity * price (price 0 when absent). The attribution rule is the view attribution_touches
-- (sql/views/attribution_touches.sql), as for the named queries: a purchase line (user, item) goes to the
-- latest recommendation_impression that showed that item to that user in the 7 days before the purchase
-- (last touch; equal times broken by the larger recommendation_id); impressions without a placement count as
-- for-you; a user is user_id, else 'anon#' || anonymous_id; canary traffic is left out. hour_ms = the
-- hour's start in epoch milliseconds.
-- Late events: only events received by {{receivedBy}} (the end of the last hour plus the job's lateness
-- allowance) count, impressions and purchases alike, and the last touch is chosen among those, so a rerun
-- of the same hours reads the same events. Each event counts once: the lake keeps every delivered copy,
-- reduced here to the earliest received one per event_id (and, for purchases, to one row per line by the
-- last-touch ranking). The lake is partitioned by receipt time: an impression that happened after shownFrom
-- (hourFrom - 7 days) was received at most the API's clock skew before it, so the partitions from the hour
-- of pruneFrom… to the hour of receivedBy are read, on both sides of the view.
WITH copies AS (
  SELECT
    event_id,
    event_type,
    recommendation_id,
    item_id,
    item_ids,
    placement,
    variant,
    occurred_at,
    row_number() OVER (PARTITION BY event_id ORDER BY received_at) AS copy_rank
  FROM events
  WHERE event_type IN ('recommendation_impression', 'recommendation_click')
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
    occurred_at AS shown_at
  FROM recent
  WHERE event_type = 'recommendation_impression' AND item_ids IS NOT NULL
),
touches AS (
  SELECT
    purchase_id,
    purchased_at,
    quantity,
    price,
    placement,
    variant,
    row_number() OVER (
      PARTITION BY purchase_id, line_pos
      ORDER BY shown_at DESC, recommendation_id DESC
    ) AS touch_rank
  FROM attribution_touches
  WHERE (purchase_dt > {{pruneFromDt}} OR (purchase_dt = {{pruneFromDt}} AND purchase_hour >= {{pruneFromHour}}))
    AND (purchase_dt < {{pruneToDt}} OR (purchase_dt = {{pruneToDt}} AND purchase_hour <= {{pruneToHour}}))
    AND (shown_dt > {{pruneFromDt}} OR (shown_dt = {{pruneFromDt}} AND shown_hour >= {{pruneFromHour}}))
    AND (shown_dt < {{pruneToDt}} OR (shown_dt = {{pruneToDt}} AND shown_hour <= {{pruneToHour}}))
    AND purchase_received_at <= {{receivedBy}}
    AND shown_received_at <= {{receivedBy}}
    AND purchased_at >= {{hourFrom}}
    AND purchased_at < {{hourTo}}
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
    purchase_id,
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
