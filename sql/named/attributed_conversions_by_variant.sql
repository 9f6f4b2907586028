-- Purchases attributed to recommendations per placement and A/B variant over the last 30 days: converting users, orders, units, revenue
-- Attribution: a purchase line (user, item) is attributed to the latest recommendation_impression that
-- showed that item to that user in the 7 days before the purchase (last touch; equal times broken by the
-- larger recommendation_id), and counts for that impression's placement (impressions without one count
-- as for-you) and variant. A user is an id: user_id, else 'anon#' || anonymous_id. Events delivered
-- twice count once (events_unique); canary traffic is left out. impressions = recommendations shown;
-- exposed_users = users shown at least one; converting_users = users with an attributed line;
-- attributed_orders = purchases with an attributed line; attributed_units = their quantities (1 when
-- absent); attributed_revenue = sum of quantity * price (price 0 when absent); conversion_rate =
-- converting_users / exposed_users, rounded to 4 decimals. Window: impressions and purchases with
-- occurred_at on or after today - 30 days, from the receipt-time partitions (dt) of today - 31 days on.
-- Purchase lines are read by position (see top_items_by_category.sql: arrays of structs unnest
-- differently in Trino and DuckDB). experiment_users.sql applies the same rule per user.
WITH positions AS (
  SELECT hundreds.d * 100 + tens.d * 10 + units.d + 1 AS pos
  FROM (VALUES (0), (1), (2), (3), (4)) AS hundreds (d)
  CROSS JOIN (VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) AS tens (d)
  CROSS JOIN (VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) AS units (d)
),
shown AS (
  SELECT DISTINCT
    i.recommendation_id,
    coalesce(i.placement, 'for-you') AS placement,
    i.variant,
    coalesce(i.user_id, 'anon#' || i.anonymous_id) AS user_key,
    i.occurred_at AS shown_at,
    s.item_id
  FROM events_unique i
  CROSS JOIN UNNEST(i.item_ids) WITH ORDINALITY AS s (item_id, pos)
  WHERE i.event_type = 'recommendation_impression'
    AND (i.user_id IS NULL OR i.user_id NOT LIKE 'canary#%')
    AND i.dt >= CAST(CAST(current_date - INTERVAL '31' DAY AS DATE) AS VARCHAR)
    AND i.occurred_at >= CAST(current_date - INTERVAL '30' DAY AS TIMESTAMP)
),
purchases AS (
  SELECT
    event_id,
    coalesce(user_id, 'anon#' || anonymous_id) AS user_key,
    occurred_at AS purchased_at,
    line_items,
    json_array_length(CAST(line_items AS JSON)) AS line_count
  FROM events_unique
  WHERE event_type = 'purchase'
    AND line_items IS NOT NULL
    AND (user_id IS NULL OR user_id NOT LIKE 'canary#%')
    AND dt >= CAST(CAST(current_date - INTERVAL '31' DAY AS DATE) AS VARCHAR)
    AND occurred_at >= CAST(current_date - INTERVAL '30' DAY AS TIMESTAMP)
),
purchase_lines AS (
  SELECT
    p.event_id,
    x.pos,
    p.user_key,
    p.purchased_at,
    p.line_items[x.pos].itemid AS item_id,
    coalesce(p.line_items[x.pos].quantity, 1) AS quantity,
    coalesce(p.line_items[x.pos].price, 0) AS price
  FROM purchases AS p
  JOIN positions AS x ON x.pos <= p.line_count
),
touches AS (
  SELECT
    l.event_id,
    l.user_key,
    l.quantity,
    l.price,
    s.placement,
    s.variant,
    row_number() OVER (
      PARTITION BY l.event_id, l.pos
      ORDER BY s.shown_at DESC, s.recommendation_id DESC
    ) AS touch_rank
  FROM purchase_lines AS l
  JOIN shown AS s
    ON s.user_key = l.user_key
    AND s.item_id = l.item_id
    AND s.shown_at <= l.purchased_at
    AND s.shown_at > l.purchased_at - INTERVAL '7' DAY
),
exposure AS (
  SELECT
    placement,
    variant,
    count(DISTINCT recommendation_id) AS impressions,
    count(DISTINCT user_key) AS exposed_users
  FROM shown
  GROUP BY placement, variant
),
conversions AS (
  SELECT
    placement,
    variant,
    count(DISTINCT user_key) AS converting_users,
    count(DISTINCT event_id) AS attributed_orders,
    sum(quantity) AS attributed_units,
    sum(quantity * price) AS attributed_revenue
  FROM touches
  WHERE touch_rank = 1
  GROUP BY placement, variant
)
SELECT
  e.placement,
  e.variant,
  e.impressions,
  e.exposed_users,
  coalesce(c.converting_users, 0) AS converting_users,
  coalesce(c.attributed_orders, 0) AS attributed_orders,
  coalesce(c.attributed_units, 0) AS attributed_units,
  coalesce(c.attributed_revenue, 0) AS attributed_revenue,
  round(CAST(coalesce(c.converting_users, 0) AS DOUBLE) / e.exposed_users, 4) AS conversion_rate
FROM exposure AS e
LEFT JOIN conversions AS c ON c.placement = e.placement AND c.variant = e.variant
ORDER BY e.placement, e.variant
