-- Each user's signals in the state of run runId, ranked (included by cf_similarity.sql and cf_vectors.sql):
--   signal     r(u,i): the strongest signal present (purchase, cart, view weight)
--   user_rank  1 for the user's strongest item, then most recent, then by id (the maxItemsPerUser cap)
WITH signals AS (
  SELECT
    user_key,
    item_id,
    CASE
      WHEN purchases > 0 THEN {{purchaseWeight}}
      WHEN carts > 0 THEN {{cartWeight}}
      WHEN views > 0 THEN {{viewWeight}}
    END AS signal,
    last_event_at
  FROM cf_state
  WHERE run = {{runId}} AND (purchases > 0 OR carts > 0 OR views > 0)
)
SELECT
  user_key,
  item_id,
  signal,
  row_number() OVER (
    PARTITION BY user_key
    ORDER BY signal DESC, last_event_at DESC, item_id ASC
  ) AS user_rank
FROM signals
