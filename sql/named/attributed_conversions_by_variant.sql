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
-- The rule itself is the view attribution_touches (sql/views/attribution_touches.sql): this query keeps the
-- last touch of each purchase line among the impressions and purchases of its window. experiment_users.sql
-- applies the same rule per user.
WITH shown AS (
  SELECT
    recommendation_id,
    coalesce(placement, 'for-you') AS placement,
    variant,
    coalesce(user_id, 'anon#' || anonymous_id) AS user_key
  FROM events_unique
  WHERE event_type = 'recommendation_impression'
    AND (user_id IS NULL OR user_id NOT LIKE 'canary#%')
    AND dt >= CAST(CAST(current_date - INTERVAL '31' DAY AS DATE) AS VARCHAR)
    AND occurred_at >= CAST(current_date - INTERVAL '30' DAY AS TIMESTAMP)
),
touches AS (
  SELECT
    purchase_id,
    user_key,
    quantity,
    price,
    placement,
    variant,
    row_number() OVER (
      PARTITION BY purchase_id, line_pos
      ORDER BY shown_at DESC, recommendation_id DESC
    ) AS touch_rank
  FROM attribution_touches
  WHERE shown_dt >= CAST(CAST(current_date - INTERVAL '31' DAY AS DATE) AS VARCHAR)
    AND shown_at >= CAST(current_date - INTERVAL '30' DAY AS TIMESTAMP)
    AND purchase_dt >= CAST(CAST(current_date - INTERVAL '31' DAY AS DATE) AS VARCHAR)
    AND purchased_at >= CAST(current_date - INTERVAL '30' DAY AS TIMESTAMP)
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
    count(DISTINCT purchase_id) AS attributed_orders,
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
