-- The Gram matrix G = XᵀX of the head items for EASE (Steck 2019), from the state of run runId; the
-- inverse of G + λI is taken in the job's solve step (lambdas/jobs/ease-solve.ts), not in SQL.
-- Output: item_a <= item_b (one triangle, the diagonal included), gram = Σ over users r(u,a)·r(u,b),
-- support = users with both items.
--
--   signal    r(u,i) as in cf_similarity.sql: the strongest signal present (purchase, cart, view weight)
--   cap       each user keeps at most maxItemsPerUser items, the strongest, then most recent, then by id
--   head      the easeItems items with the most users (ties by item_id): the solve is O(n³) in time and
--             holds one n × n matrix of doubles (8 n² bytes: 72 MB for 3,000 items)
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
),
ranked_signals AS (
  SELECT
    user_key,
    item_id,
    signal,
    row_number() OVER (
      PARTITION BY user_key
      ORDER BY signal DESC, last_event_at DESC, item_id ASC
    ) AS user_rank
  FROM signals
),
vectors AS (
  SELECT user_key, item_id, signal
  FROM ranked_signals
  WHERE user_rank <= {{maxItemsPerUser}}
),
item_users AS (
  SELECT item_id, count(*) AS users
  FROM vectors
  GROUP BY item_id
),
head AS (
  SELECT item_id
  FROM (
    SELECT item_id, row_number() OVER (ORDER BY users DESC, item_id ASC) AS popularity_rank
    FROM item_users
  ) AS ranked_items
  WHERE popularity_rank <= {{easeItems}}
),
head_vectors AS (
  SELECT v.user_key, v.item_id, v.signal
  FROM vectors AS v
  JOIN head AS h ON h.item_id = v.item_id
)
SELECT
  a.item_id AS item_a,
  b.item_id AS item_b,
  -- Rounded: the same sum whatever order the engine added it in (as cf_similarity.sql's scores).
  round(sum(a.signal * b.signal), 12) AS gram,
  CAST(count(*) AS INTEGER) AS support
FROM head_vectors AS a
JOIN head_vectors AS b ON b.user_key = a.user_key AND a.item_id <= b.item_id
GROUP BY a.item_id, b.item_id
ORDER BY item_a, item_b
