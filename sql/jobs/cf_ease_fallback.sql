-- The fallback of the EASE model (cf_ease.sql): RP3beta's neighbour lists (cf_similarity.sql, the same
-- settings and scores) of every item the solve cannot give neighbours to, i.e. every item that is not a
-- head item sharing a user with another head item (cf_vectors.sql keeps the easeItems most popular items;
-- cf_vectors_pairs.sql counts the same covered items for the gate). Their neighbours may be head items.
-- The publish step merges them with the solve's lists (ease-fallback.ts: each item's list comes from one
-- model). Output: item_id, neighbour_id, score, support, rank, as cf_similarity.sql.
WITH similarity AS (
  {{include:cf_similarity}}
),
head_vectors AS (
  {{include:cf_vectors}}
),
head_users AS (
  SELECT user_key
  FROM head_vectors
  GROUP BY user_key
  HAVING count(*) >= 2
),
covered AS (
  SELECT DISTINCT v.item_id
  FROM head_vectors AS v
  JOIN head_users AS u ON u.user_key = v.user_key
)
SELECT s.item_id, s.neighbour_id, s.score, s.support, s.rank
FROM similarity AS s
LEFT JOIN covered AS c ON c.item_id = s.item_id
WHERE c.item_id IS NULL
