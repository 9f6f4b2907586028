-- What the validation gate checks of an EASE run (rendered by cf_stats.sql in place of cf_similarity,
-- job-sql.ts): the head items that share a user with another head item, each as a row (item, the next
-- item of one such user's vector), score 1, and the fallback's rows of the items outside the head
-- (cf_ease_fallback.sql, RP3beta). The solve (ease-solve.ts) can give neighbours only to those head
-- items, so the gate's coverage, null-id and self-neighbour checks see the items and ids the publish step
-- publishes; the solve's scores are in (0, 1] by construction (scaled by the run's largest weight), the
-- fallback's by RP3beta's scaling. One window over the vectors, no self-join for the head: its pairs
-- are the solve's work.
WITH head_vectors AS (
  {{include:cf_vectors}}
),
adjacent AS (
  SELECT
    item_id,
    lead(item_id) OVER (PARTITION BY user_key ORDER BY item_id) AS next_item,
    lag(item_id) OVER (PARTITION BY user_key ORDER BY item_id) AS previous_item
  FROM head_vectors
),
head_pairs AS (
  SELECT
    item_id,
    min(coalesce(next_item, previous_item)) AS neighbour_id,
    CAST(1 AS DOUBLE) AS score
  FROM adjacent
  WHERE next_item IS NOT NULL OR previous_item IS NOT NULL
  GROUP BY item_id
),
fallback AS (
  {{include:cf_ease_fallback}}
)
SELECT item_id, neighbour_id, score FROM head_pairs
UNION ALL
SELECT item_id, neighbour_id, score FROM fallback
