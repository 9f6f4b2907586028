-- Top 10 items per category over the last 7 days: product views, add-to-carts and purchases
-- Purchases count purchase line items (an order that contains the item), units sums their
-- quantity; views and carts count product_view and add_to_cart events. A missing category is
-- '(none)'. Ranked within the category by purchases, then carts, then views, then item_id (so the
-- order is total), with row_number; rank <= 10 kept. Window: occurred_at on or after today - 7 days,
-- read from the receipt-time partitions (dt) from today - 8 days on, in events_unique: an event a client
-- resent counts once (see daily_active_users.sql).
-- Portability: purchase line items are an array of structs, and Trino and DuckDB unnest those
-- differently (Trino expands the struct fields into columns, DuckDB keeps one struct column), so
-- the lines are read by position instead: positions 1..500 (the schema's line-item limit) joined
-- up to json_array_length(CAST(line_items AS JSON)), which both engines implement alike.
WITH positions AS (
  SELECT hundreds.d * 100 + tens.d * 10 + units.d + 1 AS pos
  FROM (VALUES (0), (1), (2), (3), (4)) AS hundreds (d)
  CROSS JOIN (VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) AS tens (d)
  CROSS JOIN (VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) AS units (d)
),
recent AS (
  SELECT event_type, item_id, category, line_items
  FROM events_unique
  WHERE dt >= CAST(CAST(current_date - INTERVAL '8' DAY AS DATE) AS VARCHAR)
    AND occurred_at >= CAST(current_date - INTERVAL '7' DAY AS TIMESTAMP)
    AND (user_id IS NULL OR user_id NOT LIKE 'canary#%')
    AND event_type IN ('product_view', 'add_to_cart', 'purchase')
),
purchases AS (
  SELECT line_items, json_array_length(CAST(line_items AS JSON)) AS line_count
  FROM recent
  WHERE event_type = 'purchase' AND line_items IS NOT NULL
),
purchase_lines AS (
  SELECT p.line_items[x.pos] AS line
  FROM purchases AS p
  JOIN positions AS x ON x.pos <= p.line_count
),
interactions AS (
  SELECT
    coalesce(category, '(none)') AS category,
    item_id,
    CASE WHEN event_type = 'product_view' THEN 1 ELSE 0 END AS views,
    CASE WHEN event_type = 'add_to_cart' THEN 1 ELSE 0 END AS carts,
    0 AS purchases,
    0 AS units
  FROM recent
  WHERE event_type IN ('product_view', 'add_to_cart') AND item_id IS NOT NULL
  UNION ALL
  SELECT
    coalesce(line.category, '(none)') AS category,
    line.itemid AS item_id,
    0 AS views,
    0 AS carts,
    1 AS purchases,
    line.quantity AS units
  FROM purchase_lines
),
totals AS (
  SELECT
    category,
    item_id,
    sum(views) AS views,
    sum(carts) AS carts,
    sum(purchases) AS purchases,
    sum(units) AS units
  FROM interactions
  GROUP BY category, item_id
),
ranked AS (
  SELECT
    category,
    row_number() OVER (
      PARTITION BY category
      ORDER BY purchases DESC, carts DESC, views DESC, item_id ASC
    ) AS item_rank,
    item_id,
    views,
    carts,
    purchases,
    units
  FROM totals
)
SELECT category, item_rank, item_id, views, carts, purchases, units
FROM ranked
WHERE item_rank <= 10
ORDER BY category, item_rank
