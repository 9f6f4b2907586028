-- recommendation_slots: what a recommendation showed, one row per item of each recommendation_impression at its position in the list
-- A slot is one item of a recommendation_impression's itemIds at its index (position 0 = the first item
-- shown). An impression without a placement counts as for-you (impressions recorded before placements existed
-- came from the list for-you replaced); the user is user_id, else 'anon#' || anonymous_id; canary traffic is
-- left out. Events delivered twice count once (events_unique). The receipt day (dt) is a column so that a
-- window on it still prunes partitions: the named queries (ctr_by_position, ctr_by_variant, experiment_users)
-- read it with their own window and their own DISTINCT.
SELECT
  i.recommendation_id,
  coalesce(i.placement, 'for-you') AS placement,
  i.variant,
  coalesce(i.user_id, 'anon#' || i.anonymous_id) AS user_key,
  s.item_id,
  s.pos - 1 AS position,
  i.occurred_at AS shown_at,
  i.dt
FROM events_unique AS i
CROSS JOIN UNNEST(i.item_ids) WITH ORDINALITY AS s (item_id, pos)
WHERE i.event_type = 'recommendation_impression'
  AND (i.user_id IS NULL OR i.user_id NOT LIKE 'canary#%')
