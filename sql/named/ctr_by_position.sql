-- Recommendation click-through rate per placement, variant and position in the list over the last 30 days
-- One row per placement (impressions without one count as for-you), variant and position (0 = first
-- item shown). A slot is one item of a
-- recommendation_impression at its index in itemIds; it is clicked when a recommendation_click carries
-- the same recommendationId and itemId. Events delivered twice count once. items_shown = slots at that
-- position; clicks = clicked slots; ctr = clicks / items_shown, rounded to 4 decimals.
-- Window: occurred_at on or after today - 30 days (impressions and clicks), from the receipt-time
-- partitions (dt) of today - 31 days on, in events_unique (see daily_active_users.sql).
-- Slots and clicks are the views recommendation_slots and recommendation_clicks (sql/views/), one rule for
-- every query that counts them.
WITH slots AS (
  SELECT DISTINCT recommendation_id, placement, variant, item_id, position
  FROM recommendation_slots
  WHERE dt >= CAST(CAST(current_date - INTERVAL '31' DAY AS DATE) AS VARCHAR)
    AND shown_at >= CAST(current_date - INTERVAL '30' DAY AS TIMESTAMP)
),
clicks AS (
  SELECT DISTINCT recommendation_id, item_id
  FROM recommendation_clicks
  WHERE dt >= CAST(CAST(current_date - INTERVAL '31' DAY AS DATE) AS VARCHAR)
    AND clicked_at >= CAST(current_date - INTERVAL '30' DAY AS TIMESTAMP)
)
SELECT
  s.placement,
  s.variant,
  s.position,
  count(*) AS items_shown,
  sum(CASE WHEN c.item_id IS NULL THEN 0 ELSE 1 END) AS clicks,
  round(CAST(sum(CASE WHEN c.item_id IS NULL THEN 0 ELSE 1 END) AS DOUBLE) / count(*), 4) AS ctr
FROM slots s
LEFT JOIN clicks c ON c.recommendation_id = s.recommendation_id AND c.item_id = s.item_id
GROUP BY s.placement, s.variant, s.position
ORDER BY s.placement, s.variant, s.position
