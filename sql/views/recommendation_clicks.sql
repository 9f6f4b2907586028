-- recommendation_clicks: the clicks on recommended items, one row per recommendation_click
-- A click names the recommendation (recommendationId) and the item clicked; it counts for a slot of
-- recommendation_slots with the same recommendation_id and item_id (clicks on items not shown match none).
-- Canary traffic is left out; events delivered twice count once (events_unique). The receipt day (dt) is a
-- column so that a window on it still prunes partitions.
SELECT
  recommendation_id,
  item_id,
  occurred_at AS clicked_at,
  dt
FROM events_unique
WHERE event_type = 'recommendation_click'
  AND (user_id IS NULL OR user_id NOT LIKE 'canary#%')
