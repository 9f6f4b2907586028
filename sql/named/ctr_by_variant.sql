-- Recommendation click-through rate per placement and A/B variant over the last 30 days
-- One row per placement (for-you, buy-again, continue-shopping, discover; impressions without one count
-- as for-you) and variant. A recommendation is one recommendation_impression (its recommendationId, the
-- variant, the items shown in order); a click is a recommendation_click carrying that recommendationId
-- and an item that was shown in it (clicks on items not shown are ignored). Events delivered twice
-- count once. impressions = recommendations shown; items_shown = their item slots; clicks = distinct
-- (recommendation, item) pairs clicked; ctr = clicks / items_shown; recommendation_ctr = share of
-- recommendations with at least one click. Both rounded to 4 decimals. Window: occurred_at on or after
-- today - 30 days, from the receipt-time partitions (dt) of today - 31 days on, in events_unique (see daily_active_users.sql).
-- Slots and clicks are the views recommendation_slots and recommendation_clicks (sql/views/), one rule for
-- every query that counts them.
WITH slots AS (
  SELECT DISTINCT recommendation_id, placement, variant, item_id
  FROM recommendation_slots
  WHERE dt >= CAST(CAST(current_date - INTERVAL '31' DAY AS DATE) AS VARCHAR)
    AND shown_at >= CAST(current_date - INTERVAL '30' DAY AS TIMESTAMP)
),
clicks AS (
  SELECT DISTINCT recommendation_id, item_id
  FROM recommendation_clicks
  WHERE dt >= CAST(CAST(current_date - INTERVAL '31' DAY AS DATE) AS VARCHAR)
    AND clicked_at >= CAST(current_date - INTERVAL '30' DAY AS TIMESTAMP)
),
per_recommendation AS (
  SELECT
    s.recommendation_id,
    s.placement,
    s.variant,
    count(*) AS items_shown,
    sum(CASE WHEN c.item_id IS NULL THEN 0 ELSE 1 END) AS clicks
  FROM slots s
  LEFT JOIN clicks c ON c.recommendation_id = s.recommendation_id AND c.item_id = s.item_id
  GROUP BY s.recommendation_id, s.placement, s.variant
)
SELECT
  placement,
  variant,
  count(*) AS impressions,
  sum(items_shown) AS items_shown,
  sum(clicks) AS clicks,
  sum(CASE WHEN clicks > 0 THEN 1 ELSE 0 END) AS clicked_recommendations,
  round(CAST(sum(clicks) AS DOUBLE) / NULLIF(sum(items_shown), 0), 4) AS ctr,
  round(CAST(sum(CASE WHEN clicks > 0 THEN 1 ELSE 0 END) AS DOUBLE) / count(*), 4) AS recommendation_ctr
FROM per_recommendation
GROUP BY placement, variant
ORDER BY placement, variant
