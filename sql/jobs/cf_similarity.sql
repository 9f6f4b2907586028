-- Item-to-item collaborative filtering: top-K neighbours per item from the state of run runId
-- Output: item_id, neighbour_id, score in (0, 1], support (users with both items), rank (1..K).
--
-- Formula (documented in README "Batch jobs" too):
--   signal    r(u,i) = purchaseWeight if u bought i, else cartWeight if u added it to a cart,
--                      else viewWeight if u viewed it (the strongest signal present, not a sum:
--                      repeated views do not outweigh one purchase, and duplicates change nothing)
--   user      n(u) = items with a signal; a(u) = 1 / log2(1 + n(u))  (damps heavy users and bots:
--                      a user with 1 item weighs 1, 3 items 0.5, 1,023 items 0.1)
--   cap       each user keeps at most maxItemsPerUser items, the strongest, then most recent, then
--             by item_id (bounds the pairs one user produces; n(u) still counts every item)
--   dot(i,j)  = sum over users u with i and j of a(u) * r(u,i) * r(u,j)
--   norm(i)   = sqrt(sum over users u with i of a(u) * r(u,i)^2)
--   cosine    = dot(i,j) / (norm(i) * norm(j))          (in (0, 1]; dividing by norm(j) already
--               damps popular neighbours, like a popularity exponent of 0.5 on co-occurrence)
--   support   s(i,j) = users with both items; pairs with s < minSupport are dropped
--   shrinkage s / (s + shrinkage)                    (few users in common: pulled towards 0)
--   popular   users(j) = users with j, U = users with any item;
--             damp(j) = min(1, (popularItemShare * U / users(j)) ^ popularityDamping)
--             (1 for items under the popularity threshold; an item bought by 4x the threshold
--             scores half as much at exponent 0.5)
--   score(i -> j) = round(cosine * shrinkage * damp(j), 12)   (asymmetric through damp(j))
--   top-K     the topK best j per i by score desc, then neighbour_id asc (rounding makes equal
--             scores equal on both engines whatever order the sums ran in).
-- Pairs are formed once per user for i < j and mirrored, which halves the self-join.
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
users AS (
  SELECT user_key, CAST(1 AS DOUBLE) / log2(CAST(1 + count(*) AS DOUBLE)) AS user_weight
  FROM signals
  GROUP BY user_key
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
  SELECT s.user_key, s.item_id, s.signal, u.user_weight
  FROM ranked_signals AS s
  JOIN users AS u ON u.user_key = s.user_key
  WHERE s.user_rank <= {{maxItemsPerUser}}
),
item_norms AS (
  SELECT item_id, sqrt(sum(user_weight * signal * signal)) AS norm, count(*) AS item_users
  FROM vectors
  GROUP BY item_id
),
population AS (
  SELECT count(*) AS total_users FROM users
),
pairs AS (
  SELECT
    a.item_id AS item_a,
    b.item_id AS item_b,
    sum(a.user_weight * a.signal * b.signal) AS dot,
    count(*) AS support
  FROM vectors AS a
  JOIN vectors AS b ON b.user_key = a.user_key AND a.item_id < b.item_id
  GROUP BY a.item_id, b.item_id
  HAVING count(*) >= {{minSupport}}
),
directed AS (
  SELECT item_a AS item_id, item_b AS neighbour_id, dot, support FROM pairs
  UNION ALL
  SELECT item_b AS item_id, item_a AS neighbour_id, dot, support FROM pairs
),
scored AS (
  SELECT
    d.item_id,
    d.neighbour_id,
    d.support,
    round(
      d.dot / (ni.norm * nj.norm)
        * (CAST(d.support AS DOUBLE) / (d.support + {{shrinkage}}))
        * least(
          CAST(1 AS DOUBLE),
          power({{popularItemShare}} * p.total_users / nj.item_users, {{popularityDamping}})
        ),
      12
    ) AS score
  FROM directed AS d
  JOIN item_norms AS ni ON ni.item_id = d.item_id
  JOIN item_norms AS nj ON nj.item_id = d.neighbour_id
  CROSS JOIN population AS p
),
ranked AS (
  SELECT
    item_id,
    neighbour_id,
    score,
    support,
    row_number() OVER (PARTITION BY item_id ORDER BY score DESC, neighbour_id ASC) AS neighbour_rank
  FROM scored
  WHERE score > 0
)
SELECT item_id, neighbour_id, score, CAST(support AS INTEGER) AS support, CAST(neighbour_rank AS INTEGER) AS rank
FROM ranked
WHERE neighbour_rank <= {{topK}}
ORDER BY item_id, neighbour_rank
