-- Item-to-item collaborative filtering: RP3beta (Paudel, Christoffel, Newell & Bernstein 2017,
-- "Updatable, accurate, diverse, and scalable recommendations for interactive applications"),
-- top-K neighbours per item from the state of run runId.
-- Output: item_id, neighbour_id, score in (0, 1], support (users with both items), rank (1..K).
--
-- A random walk of three steps item -> user -> item on the user-item graph, with popular targets damped:
--   signal    r(u,i) = purchaseWeight if u bought i, else cartWeight if u added it to a cart,
--                      else viewWeight if u viewed it (the strongest signal present, not a sum:
--                      repeated views do not outweigh one purchase, and duplicates change nothing)
--   cap       each user keeps at most maxItemsPerUser items, the strongest, then most recent, then
--             by item_id (bounds the pairs one user produces)
--   mass      m(u) = sum of u's signals (every item, also beyond the cap); m(i) = sum of i's signals
--   walk      P(i -> u) = r(u,i) / m(i),  P(u -> j) = r(u,j) / m(u), each raised to alpha
--   weight    W(i,j) = sum over users u with i and j of P(i -> u)^alpha * P(u -> j)^alpha / m(j)^beta
--                    = paths(i,j) / (m(i)^alpha * m(j)^beta),
--             paths(i,j) = sum over u of (r(u,i) * r(u,j))^alpha / m(u)^alpha   (symmetric: computed once
--             per pair i < j and mirrored, which halves the self-join); heavy users walk to each item
--             with a small probability, popular neighbours are divided by m(j)^beta
--   support   s(i,j) = users with both items; pairs with s < minSupport are dropped; the weight is
--             shrunk by s / (s + shrinkage)
--   score     (W / max W over all pairs) ^ neighbourExponent, rounded to 12 decimals: in (0, 1]. The
--             exponent > 1 lets an item's strongest neighbours dominate a sum over many source items
--             (Aiolli 2013's locality); rounding makes equal scores equal on both engines whatever
--             order the sums ran in.
--   top-K     the topK best j per i by score desc, then neighbour_id asc.
WITH ranked_signals AS (
  {{include:cf_ranked_signals}}
),
users AS (
  SELECT user_key, sum(signal) AS user_mass
  FROM ranked_signals
  GROUP BY user_key
),
vectors AS (
  -- r^alpha and m(u)^-alpha once per (user, item), so the pair step only multiplies.
  SELECT
    s.user_key,
    s.item_id,
    s.signal,
    power(s.signal, {{alpha}}) AS walk,
    CAST(1 AS DOUBLE) / power(u.user_mass, {{alpha}}) AS user_walk
  FROM ranked_signals AS s
  JOIN users AS u ON u.user_key = s.user_key
  WHERE s.user_rank <= {{maxItemsPerUser}}
),
items AS (
  SELECT item_id, sum(signal) AS item_mass
  FROM vectors
  GROUP BY item_id
),
pairs AS (
  SELECT
    a.item_id AS item_a,
    b.item_id AS item_b,
    sum(a.walk * b.walk * a.user_walk) AS paths,
    count(*) AS support
  FROM vectors AS a
  JOIN vectors AS b ON b.user_key = a.user_key AND a.item_id < b.item_id
  GROUP BY a.item_id, b.item_id
  HAVING count(*) >= {{minSupport}}
),
directed AS (
  SELECT item_a AS item_id, item_b AS neighbour_id, paths, support FROM pairs
  UNION ALL
  SELECT item_b AS item_id, item_a AS neighbour_id, paths, support FROM pairs
),
weighted AS (
  SELECT
    d.item_id,
    d.neighbour_id,
    d.support,
    d.paths / (power(ni.item_mass, {{alpha}}) * power(nj.item_mass, {{beta}}))
      * (CAST(d.support AS DOUBLE) / (d.support + {{shrinkage}})) AS weight
  FROM directed AS d
  JOIN items AS ni ON ni.item_id = d.item_id
  JOIN items AS nj ON nj.item_id = d.neighbour_id
),
scale AS (
  -- An aggregate, not max() OVER (): Athena computes it in parallel instead of on one node.
  SELECT max(weight) AS max_weight FROM weighted
),
scored AS (
  SELECT
    w.item_id,
    w.neighbour_id,
    w.support,
    round(power(w.weight / s.max_weight, {{neighbourExponent}}), 12) AS score
  FROM weighted AS w
  CROSS JOIN scale AS s
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
