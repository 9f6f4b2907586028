-- The result step of the EASE model (job-sql.ts): in one output, so the publish step reads one prefix,
--   row_kind 'vector'    the head items' user vectors (cf_vectors.sql: user_key, item_id, signal), which
--                        the publish step solves into neighbour lists (ease-solve.ts);
--   row_kind 'fallback'  RP3beta's lists of the items outside the head (cf_ease_fallback.sql: item_id,
--                        neighbour_id, score, support, rank), merged with the solve's (ease-fallback.ts).
-- The other kind's columns are NULL (Athena's JSON leaves them out).
WITH head_vectors AS (
  {{include:cf_vectors}}
),
fallback AS (
  {{include:cf_ease_fallback}}
)
SELECT
  'vector' AS row_kind,
  user_key,
  item_id,
  signal,
  CAST(NULL AS VARCHAR) AS neighbour_id,
  CAST(NULL AS DOUBLE) AS score,
  CAST(NULL AS INTEGER) AS support,
  CAST(NULL AS INTEGER) AS rank
FROM head_vectors
UNION ALL
SELECT
  'fallback' AS row_kind,
  CAST(NULL AS VARCHAR) AS user_key,
  item_id,
  CAST(NULL AS DOUBLE) AS signal,
  neighbour_id,
  score,
  support,
  rank
FROM fallback
