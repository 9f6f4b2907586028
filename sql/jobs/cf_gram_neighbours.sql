-- What the validation gate checks of an EASE run (included by cf_stats.sql as the model's output): the
-- Gram step's off-diagonal pairs as neighbour rows in both directions, scored by co-occurrence / the
-- largest one, in (0, 1]. The solve (ease-solve.ts) publishes neighbours only among these head items, so
-- the gate's coverage, null-id, self-neighbour and score checks see the items and ids it will publish.
WITH gram AS (
  {{include:cf_gram}}
),
pairs AS (
  SELECT item_a, item_b, gram
  FROM gram
  WHERE item_a <> item_b AND gram > 0
),
directed AS (
  SELECT item_a AS item_id, item_b AS neighbour_id, gram FROM pairs
  UNION ALL
  SELECT item_b AS item_id, item_a AS neighbour_id, gram FROM pairs
)
SELECT
  d.item_id,
  d.neighbour_id,
  round(d.gram / s.max_gram, 12) AS score
FROM directed AS d
CROSS JOIN (SELECT max(gram) AS max_gram FROM pairs) AS s
