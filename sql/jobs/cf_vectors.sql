-- The user vectors of the head items for EASE (Steck 2019), from the state of run runId: one row per
-- (user, head item) with the signal r(u,i). The job's solve step (lambdas/jobs/ease-solve.ts) sums the
-- Gram matrix G = XᵀX from them (Σ_u k_u² multiply-adds in a typed array) and inverts G + λI. Not the
-- Gram matrix itself: its n²/2 rows would be written, read back and parsed by the publish step, and the
-- self-join costs DuckDB and Athena Σ_u k_u² rows through a hash aggregate (measured in bench/cf-job.ts).
--
--   signal    r(u,i) as in cf_similarity.sql: the strongest signal present (purchase, cart, view weight)
--   cap       each user keeps at most maxItemsPerUser items, the strongest, then most recent, then by id
--   head      the easeItems items with the most users (ties by item_id): the solve is O(n³) in time and
--             holds one n × n matrix of doubles (8 n² bytes: 32 MB for 2,000 items)
WITH ranked_signals AS (
  {{include:cf_ranked_signals}}
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
SELECT user_key, item_id, signal
FROM head_vectors
ORDER BY user_key, item_id
