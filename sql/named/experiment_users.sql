-- Per user and A/B variant over the last 30 days: recommendations shown, clicks and attributed purchases (the experiment report's input)
-- One row per variant and user (user_id, else 'anon#' || anonymous_id) shown at least one recommendation:
-- impressions = recommendations shown; items_shown = their item slots; clicks = distinct (recommendation,
-- item) pairs clicked among them (as ctr_by_variant.sql); attributed_orders, attributed_units and
-- attributed_revenue = the user's purchase lines attributed to a recommendation of that variant: the last
-- touch of the line in the view attribution_touches (sql/views/attribution_touches.sql, the rule: an
-- impression showing the item to the user in the 7 days before the purchase), as in
-- attributed_conversions_by_variant.sql. `recostream experiment report` and the console's experiment panel
-- compute CTR, conversion and revenue per user per variant, with confidence intervals, from these rows. Events
-- delivered twice count once (events_unique); canary traffic is left out. Window: impressions, clicks and
-- purchases with occurred_at on or after today - 30 days, from the partitions (dt) of today - 31 days on.
-- Slots and clicks are the views recommendation_slots and recommendation_clicks (sql/views/), one rule for
-- every query that counts them.
WITH shown AS (
  SELECT DISTINCT recommendation_id, placement, variant, user_key, shown_at, item_id
  FROM recommendation_slots
  WHERE dt >= CAST(CAST(current_date - INTERVAL '31' DAY AS DATE) AS VARCHAR)
    AND shown_at >= CAST(current_date - INTERVAL '30' DAY AS TIMESTAMP)
),
touches AS (
  SELECT
    purchase_id,
    user_key,
    quantity,
    price,
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
clicks AS (
  SELECT DISTINCT recommendation_id, item_id
  FROM recommendation_clicks
  WHERE dt >= CAST(CAST(current_date - INTERVAL '31' DAY AS DATE) AS VARCHAR)
    AND clicked_at >= CAST(current_date - INTERVAL '30' DAY AS TIMESTAMP)
),
exposure AS (
  SELECT
    s.variant,
    s.user_key,
    count(DISTINCT s.recommendation_id) AS impressions,
    count(*) AS items_shown,
    sum(CASE WHEN c.item_id IS NULL THEN 0 ELSE 1 END) AS clicks
  FROM shown AS s
  LEFT JOIN clicks AS c ON c.recommendation_id = s.recommendation_id AND c.item_id = s.item_id
  GROUP BY s.variant, s.user_key
),
conversions AS (
  SELECT
    variant,
    user_key,
    count(DISTINCT purchase_id) AS attributed_orders,
    sum(quantity) AS attributed_units,
    sum(quantity * price) AS attributed_revenue
  FROM touches
  WHERE touch_rank = 1
  GROUP BY variant, user_key
)
SELECT
  e.variant,
  e.user_key,
  e.impressions,
  e.items_shown,
  e.clicks,
  coalesce(c.attributed_orders, 0) AS attributed_orders,
  coalesce(c.attributed_units, 0) AS attributed_units,
  coalesce(c.attributed_revenue, 0) AS attributed_revenue
FROM exposure AS e
LEFT JOIN conversions AS c ON c.variant = e.variant AND c.user_key = e.user_key
ORDER BY e.variant, e.user_key
