-- Trending items: time-decayed popularity over the last `hours` hours, globally and per category
-- score(item) = sum over its interactions of weight(type) * 0.5 ^ (age hours / halfLifeHours)
-- (trending_interactions.sql), rounded to 12 decimals. An item's category is the largest non-null
-- category its interactions carry. Output: scope ('global', or 'category#' || category as
-- trendingScope in lambdas/shared/published.ts builds it), item_id, category, score, rank: the topN
-- items of each scope by score desc, then item_id asc. Items without a category are only global.
WITH interactions AS (
  {{include:trending_interactions}}
),
item_scores AS (
  SELECT item_id, max(category) AS category, round(sum(decayed_weight), 12) AS score
  FROM interactions
  WHERE item_id IS NOT NULL AND item_id <> ''
  GROUP BY item_id
),
scoped AS (
  SELECT 'global' AS scope, item_id, category, score FROM item_scores
  UNION ALL
  SELECT 'category#' || category AS scope, item_id, category, score FROM item_scores WHERE category IS NOT NULL
),
ranked AS (
  SELECT
    scope,
    item_id,
    category,
    score,
    row_number() OVER (PARTITION BY scope ORDER BY score DESC, item_id ASC) AS item_rank
  FROM scoped
)
SELECT scope, item_id, category, score, CAST(item_rank AS INTEGER) AS rank
FROM ranked
WHERE item_rank <= {{topN}}
ORDER BY scope, item_rank
